// Records an app emits as it ends, in its own `exit` listener (a winston "exiting" line, an audit
// line through the Logs API), or in a signal-exit callback when a signal ends it: they come after
// apitrail's drain in the `exit` event (and, at a natural end or a signal, after its pipeline's
// shutdown), and must still be kept, in the spool (delivered at the next start) or the NDJSON file,
// and counted in the exit summary, however the process ends. The app ends as it would without
// apitrail: same exit code or signal, same stdout, same stderr but for apitrail's summary line.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd, type FinishedRun } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { decodeLogLines, type ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startOtlpRecorder } from '../helpers/otlp-recorder.ts';
import { freePort } from '../helpers/ports.ts';

const APP = 'test/fixtures/exit-listener-app.cjs';
const ENDS = ['exit', 'throw', 'natural', 'SIGTERM', 'SIGHUP'] as const;
type End = (typeof ENDS)[number];

/** What the app's stderr and exit are without apitrail's summary line. */
const withoutApitrailLines = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('apitrail: '))
    .join('\n');

function run(end: End, register: boolean, env: Record<string, string | undefined>): Promise<FinishedRun> {
  return runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), APP], {
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_LOG_LEVEL: undefined,
    OTEL_TRACES_EXPORTER: 'none',
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '500',
    APITRAIL_FINGERPRINT_KEY: 'exit-listener-fixture-fingerprint-key',
    EXIT_LISTENER_END: end,
    ...env,
  });
}

/** The error lines of a stderr: an exception's stack differs in Node's own frames with more `exit` listeners. */
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((line) => /^\w*Error: /.test(line));

/**
 * Runs the app with and without apitrail; asserts it ends alike and returns apitrail's run.
 * `stackFrames: false` compares the error lines of stderr, not every frame of a stack.
 */
async function endsAsWithout(
  end: End,
  env: Record<string, string | undefined>,
  stackFrames = true,
): Promise<FinishedRun> {
  const control = await run(end, false, env);
  const result = await run(end, true, env);
  expect({ code: result.code, signal: result.signal }, result.stderr).to.deep.equal({
    code: control.code,
    signal: control.signal,
  });
  expect(result.stdout).to.equal(control.stdout);
  if (stackFrames) expect(withoutApitrailLines(result.stderr)).to.equal(withoutApitrailLines(control.stderr));
  else expect(errorLines(result.stderr)).to.deep.equal(errorLines(control.stderr)).and.to.not.deep.equal([]);
  return result;
}

/** The records a restart on `spoolDir` delivers, replayed to a receiver that answers. */
async function deliveredFrom(spoolDir: string): Promise<ExportedLogRecord[]> {
  const receiver = await startOtlpRecorder();
  try {
    const replay = await runApitrail(['spool', 'replay', '--dir', spoolDir], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    expect(replay.code, replay.stderr).to.equal(0);
    return decodeLogLines(
      receiver.exports
        .filter(({ path }) => path === '/v1/logs')
        .map(({ body }) => body.toString())
        .join('\n'),
    );
  } finally {
    await receiver.stop();
  }
}

const bodies = (records: readonly { body?: unknown }[]): unknown[] => records.map(({ body }) => body);

/** The number of records the exit summary says were spooled. */
function summarySpooled(stderr: string): number {
  const match = /^apitrail: (\d+) records spooled to .*, 0 dropped$/m.exec(stderr);
  expect(match, stderr).to.not.equal(null);
  return Number(match![1]);
}

describe('records the app emits in its own exit listener are kept and counted', function () {
  this.timeout(120_000);

  /** The app's last words and its request's record are in the spool, delivered at the next start, and counted. */
  async function keptInSpool(end: End, env: Record<string, string> = {}): Promise<void> {
    const marker = randomBytes(8).toString('hex');
    const spoolDir = freshSpoolDir();
    const result = await endsAsWithout(
      end,
      {
        OTEL_LOGS_EXPORTER: 'otlp',
        // The collector is down for the whole run: every record waits in the spool.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
        APITRAIL_SPOOL_DIR: spoolDir,
        EXIT_LISTENER_MARKER: marker,
        ...env,
      },
      env.EXIT_LISTENER_THROW === undefined,
    );
    const delivered = await deliveredFrom(spoolDir);
    const last = bodies(delivered).filter((body) => String(body).endsWith(marker));
    expect(last.sort(), result.stderr).to.deep.equal([`audit ${marker}`, `exiting ${marker}`]);
    // The request's audit record, emitted before the end, is there too.
    expect(delivered.some((record) => record.attributes['url.path'] === '/work')).to.equal(true);
    // At a signal's end the summary is written before the signal's default action, and
    // signal-exit's callbacks run after it: their records are kept, not counted in it.
    const counted = end.startsWith('SIG') ? delivered.length - last.length : delivered.length;
    expect(summarySpooled(result.stderr)).to.equal(counted);
  }

  for (const end of ENDS) {
    it(`${end}: in the spool, delivered at the next start, counted in the exit summary`, () => keptInSpool(end));

    it(`${end}: in the NDJSON file`, async () => {
      const marker = randomBytes(8).toString('hex');
      const file = join(mkdtempSync(join(tmpdir(), 'apitrail-exit-listener-')), 'audit.ndjson');
      const result = await endsAsWithout(end, {
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: file,
        EXIT_LISTENER_MARKER: marker,
      });
      const written = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { message?: unknown });
      expect(
        written
          .map(({ message }) => message)
          .filter((body) => String(body).endsWith(marker))
          .sort(),
      ).to.deep.equal([`audit ${marker}`, `exiting ${marker}`]);
      // Nothing left in a spool, nothing lost: no summary.
      expect(result.stderr).to.not.match(/^apitrail: /m);
    });
  }

  // apitrail's `exit` listeners are put back (in a microtask) when the app removes them all.
  for (const end of ['exit', 'throw', 'natural'] as const) {
    it(`${end}, the app having removed every exit listener first: still kept and counted`, () =>
      keptInSpool(end, { EXIT_LISTENER_REMOVE_ALL: '1' }));
  }

  // Every listener of the process (removeAllListeners() with no argument): apitrail's own on
  // `newListener`, `removeListener` and `uncaughtExceptionMonitor` with them. They come back with
  // the `exit` ones, so an `exit` listener the app adds later, a later removal of the `exit`
  // listeners and an `exit` listener that throws are handled as without the removal.
  // removeAllListeners(undefined) removes nothing (Node takes it as an event named undefined).
  for (const [removeAll, ends] of [
    ['every', ['exit', 'throw', 'natural']],
    ['undefined', ['exit', 'throw', 'natural']],
    ['every-late', ['exit', 'throw', 'natural']],
    ['every-then-exit', ['exit', 'throw', 'natural']],
  ] as const) {
    for (const end of ends) {
      it(`${end}, the app having called process.removeAllListeners(${removeAll === 'undefined' ? 'undefined' : ''}) first${removeAll === 'every-late' ? ', adding its exit listener later' : removeAll === 'every-then-exit' ? ", then removeAllListeners('exit')" : ''}: still kept and counted`, () =>
        keptInSpool(end, { EXIT_LISTENER_REMOVE_ALL: removeAll }));
    }
  }

  for (const end of ['exit', 'natural'] as const) {
    it(`${end}, the app having called process.removeAllListeners() first, its exit listener throwing: still kept and counted`, () =>
      keptInSpool(end, { EXIT_LISTENER_REMOVE_ALL: 'every', EXIT_LISTENER_THROW: '1' }));
  }

  it('control: an app that logs nothing as it ends has no such record delivered, and the summary counts what is', async () => {
    const marker = randomBytes(8).toString('hex');
    const spoolDir = freshSpoolDir();
    const result = await endsAsWithout('exit', {
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      APITRAIL_SPOOL_DIR: spoolDir,
      EXIT_LISTENER_MARKER: marker,
      EXIT_LISTENER_LOGS: '0',
    });
    const delivered = await deliveredFrom(spoolDir);
    expect(bodies(delivered).filter((body) => String(body).includes(marker))).to.deep.equal([]);
    expect(delivered.some((record) => record.attributes['url.path'] === '/work')).to.equal(true);
    expect(summarySpooled(result.stderr)).to.equal(delivered.length);
  });
});
