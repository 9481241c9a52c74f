// An app that ends by itself, the event loop running out (a job, a CLI, a server closed at the end
// of its work), while the collector is down or stalled: apitrail's flush at `beforeExit` is bounded
// by APITRAIL_SHUTDOWN_TIMEOUT_MS and must not end, or hold, the process otherwise. Each run is
// compared with the same app without the register: the same stdout (the app's own cleanup in its
// `beforeExit` listener included), the same exit code and Node's own stderr; the process ends
// within the bound after its work; the records wait in the spool.
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { expect } from 'chai';
import { freshSpoolDir, repoRoot } from '../helpers/app.ts';
import { freePort } from '../helpers/ports.ts';
import { startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';

const BOUND_MS = 500;
/** Process start-up and a loaded machine, beyond the bound. */
const SLACK_MS = 2_000;

interface TimedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the line saying the app's work is done to the process's end. */
  endedAfterMs: number;
}

/** The line each app prints when its work is done. */
const DONE_LINE: Record<string, string> = {
  'test/fixtures/ends-itself-app.cjs': '{"done":true}',
  'test/fixtures/unsettled-await-app.mjs': '{"status":200,"body":"ok"}',
};

function run(script: string, register: boolean, env: Record<string, string | undefined>): Promise<TimedRun> {
  const loader = script.endsWith('.mjs') ? '--import' : '--require';
  const child = spawn(process.execPath, [...(register ? [loader, '@apitrail/auto/register'] : []), script], {
    cwd: repoRoot,
    env: {
      ...process.env,
      OTEL_METRICS_EXPORTER: undefined,
      OTEL_LOG_LEVEL: undefined,
      APITRAIL_SPOOL_DIR: freshSpoolDir(),
      APITRAIL_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
      APITRAIL_FINGERPRINT_KEY: 'ends-itself-fixture-fingerprint-key',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let doneAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (doneAt === undefined && stdout.includes(DONE_LINE[script]!)) doneAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, endedAfterMs: Date.now() - (doneAt ?? Number.NaN) }),
    ),
  );
}

/** apitrail's lines taken out: what is left is Node's and the app's. */
const withoutApitrailLines = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('apitrail: '))
    .join('\n');

/** A port nothing listens on: the collector is down, every connection refused. */
async function refusingEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** A collector that takes every connection and never answers. */
async function stalledCollector(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const APP = 'test/fixtures/ends-itself-app.cjs';

describe('an app that ends by itself, collector down or stalled', function () {
  this.timeout(120_000);
  let stalled: Awaited<ReturnType<typeof stalledCollector>>;
  let answering: OtlpRecorder;

  before(async () => {
    stalled = await stalledCollector();
    answering = await startOtlpRecorder(() => '', 100);
  });
  after(async () => {
    await stalled?.stop();
    await answering?.stop();
  });

  it('its cleanup in `beforeExit` outlasts the bound: it still runs to its end, and the exit code is kept', async () => {
    const env = { ENDS_ITSELF_CLEANUP_MS: '1500', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp' };
    const control = await run(APP, false, env);
    expect(control.stdout).to.include('{"cleanup":"done"}');
    const result = await run(APP, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: stalled.endpoint });
    expect(result.stdout, 'the cleanup ran to its end').to.equal(control.stdout);
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    expect(result.stderr).to.match(/^apitrail: \d+ records spooled to .*, 0 dropped$/m);
  });

  it('its short cleanup in `beforeExit`, log records not spooled, the collector stalled: it ends within the bound', async () => {
    // The SDK's log batch (no spool) waits OTEL_BLRP_EXPORT_TIMEOUT (30 s) on the export the end's flush starts.
    const env = {
      ENDS_ITSELF_CLEANUP_MS: '100',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'otlp',
      APITRAIL_SPOOL_DIR: 'off',
    };
    const control = await run(APP, false, env);
    const result = await run(APP, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: stalled.endpoint });
    expect(result.stdout).to.equal(control.stdout);
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    expect(result.endedAfterMs, 'ended after its work within').to.be.below(BOUND_MS + SLACK_MS);
  });

  it('the collector refusing connections: it ends within the bound after its work, as without apitrail', async () => {
    // Its exports are failing, and retried, by the time the work is done.
    const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp', ENDS_ITSELF_LINGER_MS: '1000' };
    const control = await run(APP, false, env);
    const result = await run(APP, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: await refusingEndpoint() });
    expect(result.stdout).to.equal(control.stdout);
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    // The SDK retries a refused export for up to OTEL_EXPORTER_OTLP_TIMEOUT (10 s).
    expect(result.endedAfterMs, 'ended after its work within').to.be.below(BOUND_MS + SLACK_MS);
    expect(result.stderr).to.match(/^apitrail: \d+ records spooled to .*, 0 dropped$/m);
  });

  it('a span export stalled: it ends within the bound, with no stack trace on stderr', async () => {
    // Spans exported as soon as they end: the export is under way, its answer never coming, when the work is done.
    const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'none', OTEL_BSP_SCHEDULE_DELAY: '0' };
    const control = await run(APP, false, env);
    const result = await run(APP, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: stalled.endpoint });
    expect(result.stdout).to.equal(control.stdout);
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    // The SDK's span batch waits OTEL_BSP_EXPORT_TIMEOUT (30 s) on an export.
    expect(result.endedAfterMs, 'ended after its work within').to.be.below(BOUND_MS + SLACK_MS);
    expect(result.stderr).to.not.match(/^\s+at |"stack"/m);
  });

  it('an unsettled top-level await (ES module, --import): exit code 13 and Node’s warning, as without apitrail', async () => {
    const script = 'test/fixtures/unsettled-await-app.mjs';
    const env = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp' };
    const control = await run(script, false, env);
    expect(control.code).to.equal(13);
    expect(control.stderr).to.include('Warning: Detected unsettled top-level await');
    const result = await run(script, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: stalled.endpoint });
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 13, signal: null });
    expect(result.stdout).to.equal(control.stdout);
    expect(withoutApitrailLines(result.stderr)).to.equal(control.stderr);
    expect(result.endedAfterMs).to.be.below(BOUND_MS + SLACK_MS);
  });

  it('it logs with winston in its `beforeExit` and `exit` listeners: stdout as without apitrail, the `exit` line kept in the spool', async () => {
    const env = { ENDS_ITSELF_LOG: '1', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp' };
    const control = await run(APP, false, env);
    expect(control.stdout).to.include('"message":"exiting"');
    const spoolDir = freshSpoolDir();
    const result = await run(APP, true, {
      ...env,
      APITRAIL_SPOOL_DIR: spoolDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: answering.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    expect(result.stdout).to.equal(control.stdout);
    // The `exit` listener's line comes after the pipeline's exports closed at `beforeExit`: it is
    // written to the spool, for the next start, and the summary line (apitrail's one addition) counts it.
    // The SDK's warning for a record after the pipeline closed was printed once per log line before.
    expect(withoutApitrailLines(result.stderr)).to.equal(control.stderr);
    expect(result.stderr).to.match(/^apitrail: 1 records spooled to .*, 0 dropped$/m);
    const spooled = await runApitrail(['spool', 'export', '--ndjson', '--dir', spoolDir]);
    expect(spooled.stdout.split('\n').filter((line) => line.includes('"exiting"'))).to.have.length(1);
  });

  for (const summary of ['sync', 'async']) {
    it(`its ${summary} \`beforeExit\` listener that starts no work is called once, as without apitrail, the collector answering or refusing`, async () => {
      const env = { ENDS_ITSELF_SUMMARY: summary, OTEL_TRACES_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' };
      const control = await run(APP, false, env);
      expect(control.stdout.match(/"summary"/g), control.stdout).to.have.length(1);
      for (const endpoint of [answering.endpoint, await refusingEndpoint()]) {
        const result = await run(APP, true, {
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        });
        expect(result.stdout, endpoint).to.equal(control.stdout);
        expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
      }
    });
  }

  it('control: a collector that answers gets every record before the end, and nothing is spooled', async () => {
    const env = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
    const result = await run(APP, true, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: answering.endpoint });
    expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 5, signal: null });
    const exported = answering.exports.filter(({ path }) => path === '/v1/logs').map(({ body }) => body.toString());
    for (const n of [0, 1, 2]) expect(exported.join('\n'), `request ${n}`).to.include(`/work/${n}`);
    expect(result.stderr).to.not.include('spooled');
  });
});
