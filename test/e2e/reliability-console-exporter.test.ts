// The SDK's `console` logs exporter (OTEL_LOGS_EXPORTER=console) at the end of the process: an app
// that serves requests and ends at once, by process.exit() or an uncaught exception, has the audit
// records of its last requests in memory, in apitrail's batch; they must be on stdout when it has
// gone, all of them, and with integrity on the log's closing checkpoint after them. The app ends as
// it would without apitrail: same exit code, same error on stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot, runToEnd, type FinishedRun } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { freePort } from '../helpers/ports.ts';

const APP = 'test/fixtures/console-exit-app.cjs';
const REQUESTS = 20;

function run(
  end: 'exit' | 'throw',
  register: boolean,
  env: Record<string, string | undefined> = {},
): Promise<FinishedRun> {
  return runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), APP], {
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_LOG_LEVEL: undefined,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'console',
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '500',
    APITRAIL_FINGERPRINT_KEY: 'console-exit-fixture-fingerprint-key',
    CONSOLE_EXIT_REQUESTS: String(REQUESTS),
    CONSOLE_EXIT_END: end,
    ...env,
  });
}

/** The request numbers whose audit records the console exporter printed, in order. */
const auditedRequests = (stdout: string): number[] =>
  [...stdout.matchAll(/body: 'API Request: GET \/r\/(\d+)'/g)].map((match) => Number(match[1]));

/** The app's stderr without apitrail's own lines. */
const withoutApitrailLines = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('apitrail: '))
    .join('\n');

const all = Array.from({ length: REQUESTS }, (_, index) => index);

describe('the console logs exporter at the end of the process', function () {
  this.timeout(120_000);

  for (const end of ['exit', 'throw'] as const) {
    it(`${end}: every audit record is on stdout, and the app ends as without apitrail`, async () => {
      const control = await run(end, false);
      const result = await run(end, true);
      expect({ code: result.code, signal: result.signal }).to.deep.equal({
        code: control.code,
        signal: control.signal,
      });
      // Nothing of OpenTelemetry's either (a resource read before its detectors settled says so there).
      expect(withoutApitrailLines(result.stderr)).to.equal(withoutApitrailLines(control.stderr));
      if (end === 'throw') expect(result.stderr).to.match(/^Error: the app failed$/m);
      expect(auditedRequests(result.stdout), result.stderr).to.deep.equal(all);
      expect(result.stderr, 'nothing dropped, nothing to report').to.not.match(/^apitrail: .*dropped/m);
    });
  }

  // Node writes stdout to a pipe at once while the pipe has room; once its reader has fallen behind
  // (the pipe's 64 KiB full), it queues the rest in memory and drops that queue at exit. What it
  // could not write is counted as dropped, record by record: on stdout whole, or counted.
  it('exit, stdout a pipe whose reader is behind: what Node could not write is counted as dropped, the rest is on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-console-exit-pipe-'));
    const code = join(dir, 'code');
    const stderrFile = join(dir, 'stderr');
    // The reader starts only once the app has exited: everything beyond the pipe's buffer waits in the app.
    const script = `{ "$NODE" --require @apitrail/auto/register ${APP} 2>"$ERR"; echo $? >"$CODE"; } | { until [ -s "$CODE" ]; do sleep 0.05; done; cat; }`;
    const child = spawn('bash', ['-c', script], {
      cwd: repoRoot,
      env: {
        ...process.env,
        OTEL_METRICS_EXPORTER: '',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'console',
        APITRAIL_FINGERPRINT_KEY: 'console-exit-fixture-fingerprint-key',
        CONSOLE_EXIT_REQUESTS: String(REQUESTS),
        CONSOLE_EXIT_END: 'exit',
        CONSOLE_EXIT_FILL_BYTES: String(56 * 1024),
        NODE: process.execPath,
        CODE: code,
        ERR: stderrFile,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise((resolveRun) => child.once('close', resolveRun));
    const stderr = readFileSync(stderrFile, 'utf8');
    expect(readFileSync(code, 'utf8').trim(), stderr).to.equal('0');
    const whole = [...stdout.matchAll(/body: 'API Request: GET \/r\/(\d+)',\n {2}attributes: [^]*?\n\}\n/g)].length;
    const summary = /^apitrail: (\d+) log records dropped$/m.exec(stderr);
    expect(summary, stderr).to.not.equal(null);
    const dropped = Number(summary![1]);
    expect(dropped, 'the pipe was full: some records cannot have been written').to.be.above(0);
    expect(whole + dropped, stderr).to.equal(REQUESTS);
  });

  // OTLP with the spool off goes through the SDK's batch processor: what it holds at process.exit()
  // cannot be sent (nothing asynchronous runs after the exit event) and is counted as dropped.
  it('OTLP with the spool off, exit: the records left in the SDK queue are counted as dropped and said at exit', async () => {
    const result = await run('exit', true, {
      OTEL_LOGS_EXPORTER: 'otlp',
      APITRAIL_SPOOL_DIR: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    });
    expect(result.code).to.equal(0);
    expect(result.stderr).to.match(new RegExp(`^apitrail: ${REQUESTS} log records dropped$`, 'm'));
  });

  describe('with integrity on', () => {
    let keys: string;

    before(async () => {
      keys = mkdtempSync(join(tmpdir(), 'apitrail-console-exit-keys-'));
      const keygen = await runApitrail(['keygen', '--out', keys]);
      expect(keygen.code, keygen.stderr).to.equal(0);
    });

    /** The closing checkpoints printed, as the log id each closes. */
    const closedLogs = (stdout: string): string[] =>
      [
        ...stdout.matchAll(
          /'apitrail\.integrity\.log_id': '([^']+)',\s*'apitrail\.integrity\.checkpoint': [^]*?'apitrail\.integrity\.final': true/g,
        ),
      ].map((match) => match[1]!);

    it("exit: every audit record is signed on stdout, and the log's closing checkpoint follows them", async () => {
      const result = await run('exit', true, { APITRAIL_INTEGRITY_KEY_FILE: join(keys, 'apitrail-root.key') });
      expect(result.code).to.equal(0);
      expect(auditedRequests(result.stdout), result.stderr).to.deep.equal(all);
      expect(result.stdout.match(/'apitrail\.integrity\.seq': \d+/g) ?? []).to.have.length(REQUESTS);
      expect(closedLogs(result.stdout)).to.have.length(1);
      expect(result.stdout.trimEnd()).to.match(/body: 'integrity log closed',[^]*\}$/);
    });

    it("OTLP with the spool off, exit: the log's closing checkpoint, left in the SDK queue with the records, is counted as dropped too", async () => {
      const result = await run('exit', true, {
        OTEL_LOGS_EXPORTER: 'otlp',
        APITRAIL_SPOOL_DIR: 'off',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
        APITRAIL_INTEGRITY_KEY_FILE: join(keys, 'apitrail-root.key'),
      });
      expect(result.code).to.equal(0);
      expect(result.stderr).to.match(new RegExp(`^apitrail: ${REQUESTS + 1} log records dropped$`, 'm'));
    });

    it('exit, to the console and an NDJSON file: both end with the same closing checkpoint, and the file verifies', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'apitrail-console-exit-')), 'audit.ndjson');
      const result = await run('exit', true, {
        OTEL_LOGS_EXPORTER: 'console,ndjson',
        APITRAIL_NDJSON_FILE: file,
        APITRAIL_INTEGRITY_KEY_FILE: join(keys, 'apitrail-root.key'),
      });
      expect(result.code).to.equal(0);
      expect(auditedRequests(result.stdout), result.stderr).to.deep.equal(all);
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const closing = lines.filter((line) => line['apitrail.integrity.final'] === true);
      expect(closing).to.have.length(1);
      expect(closedLogs(result.stdout)).to.deep.equal([closing[0]!['apitrail.integrity.log_id']]);
      const verified = await runApitrail(['verify', '--public-key', join(keys, 'apitrail-root.pub'), file]);
      expect(verified.stdout, verified.stderr).to.match(/no findings/);
      expect(verified.code).to.equal(0);
    });
  });
});
