// The integrity log of a process that ends: by process.exit(), an uncaught exception, the loop
// running out, or a signal, its log is closed by a signed closing checkpoint that covers every record
// it wrote, those the app emits in its own `exit` listener (or signal-exit callback) included, so
// `apitrail verify` with the public key alone finds nothing; none of those records is lost. Control:
// a process killed with SIGKILL (nothing can run) leaves a log verify reports as truncated.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd, type FinishedRun } from '../helpers/app.ts';
import { runApitrail, type CliResult } from '../helpers/apitrail-cli.ts';
import { startOtlpRecorder } from '../helpers/otlp-recorder.ts';
import { freePort } from '../helpers/ports.ts';

const APP = 'test/fixtures/exit-listener-app.cjs';

describe('integrity at the end of the process', function () {
  this.timeout(120_000);
  let keys: string;

  before(async () => {
    keys = mkdtempSync(join(tmpdir(), 'apitrail-integrity-end-keys-'));
    const keygen = await runApitrail(['keygen', '--out', keys]);
    expect(keygen.code, keygen.stderr).to.equal(0);
  });

  /** Runs the app under the register with integrity on, its log to an NDJSON file; returns the run and the file's lines. */
  async function endWith(
    end: string,
    extra: Record<string, string> = {},
  ): Promise<{ run: FinishedRun; file: string; lines: Record<string, unknown>[]; marker: string }> {
    const marker = randomBytes(8).toString('hex');
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-integrity-end-')), 'audit.ndjson');
    const run = await runToEnd(['--require', '@apitrail/auto/register', APP], {
      OTEL_METRICS_EXPORTER: undefined,
      OTEL_LOG_LEVEL: undefined,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'ndjson',
      APITRAIL_NDJSON_FILE: file,
      APITRAIL_INTEGRITY_KEY_FILE: join(keys, 'apitrail-root.key'),
      APITRAIL_SHUTDOWN_TIMEOUT_MS: '500',
      APITRAIL_FINGERPRINT_KEY: 'integrity-end-fixture-fingerprint-key',
      EXIT_LISTENER_END: end,
      EXIT_LISTENER_MARKER: marker,
      ...extra,
    });
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { run, file, lines, marker };
  }

  const verify = (file: string): Promise<CliResult> =>
    runApitrail(['verify', '--public-key', join(keys, 'apitrail-root.pub'), file]);

  /** verify's findings are the two unsigned last words, as inserted records, and nothing else. */
  function expectLastWordsAloneInserted(verified: CliResult): void {
    const findings = verified.stdout
      .split('\n')
      .filter((line) => /^(inserted|modified|deleted|truncated|reordered|wrong_key)\b/.test(line));
    expect(findings, verified.stdout).to.have.length(2);
    for (const finding of findings) expect(finding).to.match(/^inserted .*record without integrity fields/);
  }

  /** The marker's records, in order of their messages. */
  const lastWordsOf = (lines: readonly Record<string, unknown>[], marker: string): Record<string, unknown>[] =>
    lines
      .filter((line) => String(line.message).endsWith(marker))
      .sort((a, b) => String(a.message).localeCompare(String(b.message)));

  /** The app's last words are in the log, signed, and the log is closed: verify finds nothing. */
  async function expectLastWordsSignedAndClosed({ run, file, lines, marker }: Awaited<ReturnType<typeof endWith>>) {
    const lastWords = lastWordsOf(lines, marker);
    expect(
      lastWords.map((line) => line.message),
      run.stderr,
    ).to.deep.equal([`audit ${marker}`, `exiting ${marker}`]);
    for (const line of lastWords) expect(line).to.have.property('apitrail.integrity.seq');
    const verified = await verify(file);
    expect(verified.stdout, verified.stderr).to.match(/no findings/);
    expect(verified.code).to.equal(0);
    expect(verified.stdout).to.match(/ yes\s*$/m);
  }

  for (const end of ['exit', 'throw', 'natural']) {
    it(`${end}: the log is closed and verifies, the records of the app's last words included`, async () => {
      await expectLastWordsSignedAndClosed(await endWith(end));
    });
  }

  // A signal's default action skips the `exit` event: the log is closed before apitrail re-raises
  // the signal, and signal-exit's callbacks run after that. Their records are kept, outside the log.
  for (const end of ['SIGTERM', 'SIGHUP']) {
    it(`${end}: the log is closed and verifies; signal-exit's last words are kept outside it, and verify says so`, async () => {
      const { run, file, lines, marker } = await endWith(end);
      expect(run.signal).to.equal(end);
      const lastWords = lastWordsOf(lines, marker);
      expect(
        lastWords.map((line) => line.message),
        run.stderr,
      ).to.deep.equal([`audit ${marker}`, `exiting ${marker}`]);
      for (const line of lastWords) expect(line).to.not.have.property('apitrail.integrity.seq');
      const verified = await verify(file);
      expect(verified.code).to.not.equal(0);
      expect(verified.stdout).to.match(/ yes\s*$/m);
      expectLastWordsAloneInserted(verified);
    });
  }

  // Node runs no `exit` listener after one that throws: apitrail's last one (the log's close, the
  // summary) runs from the uncaught exception's monitor instead. The app ends as without apitrail.
  // Prepended, it runs before apitrail's drain too: the monitor then drains as well.
  for (const [end, thrower] of [
    ['exit', '1'],
    ['natural', '1'],
    ['exit', 'first'],
    ['natural', 'first'],
  ] as const) {
    it(`${end}, the app's ${thrower === 'first' ? 'prepended ' : ''}exit listener throwing after its last words: they are signed, the log closed; exit code and error as without apitrail`, async () => {
      const ended = await endWith(end, { EXIT_LISTENER_THROW: thrower });
      const { run } = ended;
      const bare = await runToEnd([APP], {
        EXIT_LISTENER_END: end,
        EXIT_LISTENER_THROW: thrower,
        EXIT_LISTENER_LOGS: '0',
      });
      expect(run.code).to.equal(bare.code);
      expect(bare.stderr).to.match(/^Error: the exit listener failed$/m);
      expect(run.stderr).to.match(/^Error: the exit listener failed$/m);
      await expectLastWordsSignedAndClosed(ended);
    });
  }

  it('an app that logs nothing as it ends: process.exit() still closes the log', async () => {
    const { file, lines } = await endWith('exit', { EXIT_LISTENER_LOGS: '0' });
    expect(lines.some((line) => line.event === 'apitrail.api_request')).to.equal(true);
    const verified = await verify(file);
    expect(verified.code, verified.stdout).to.equal(0);
  });

  it('exit, over OTLP with the collector down: the closing checkpoint waits in the spool with the records, and the replayed log verifies', async () => {
    const spoolDir = freshSpoolDir();
    const { run, lines } = await endWith('exit', {
      OTEL_LOGS_EXPORTER: 'otlp,ndjson',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      APITRAIL_SPOOL_DIR: spoolDir,
    });
    expect(lines.length, run.stderr).to.be.above(3);
    const receiver = await startOtlpRecorder();
    let bodies: string[];
    try {
      const replay = await runApitrail(['spool', 'replay', '--dir', spoolDir], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      });
      expect(replay.code, replay.stderr).to.equal(0);
      bodies = receiver.exports.filter(({ path }) => path === '/v1/logs').map(({ body }) => body.toString());
    } finally {
      await receiver.stop();
    }
    const replayed = join(mkdtempSync(join(tmpdir(), 'apitrail-integrity-end-otlp-')), 'logs.jsonl');
    writeFileSync(replayed, `${bodies.join('\n')}\n`);
    const verified = await verify(replayed);
    expect(verified.stdout, verified.stderr).to.match(/no findings/);
    expect(verified.stdout).to.match(/ yes\s*$/m);
  });

  // The register's flush at a natural end closes the log while the collector can still take the
  // closing checkpoint; what the app's `exit` listener logs after that is not lost but outside the log.
  it("natural end, over OTLP to a running receiver: the exit listener's last words after the close reach the receiver from the spool, unsigned, and verify names exactly them", async () => {
    const receiver = await startOtlpRecorder();
    const spoolDir = freshSpoolDir();
    const logBodies = (): string[] =>
      receiver.exports.filter(({ path }) => path === '/v1/logs').map(({ body }) => body.toString());
    let bodies: string[];
    try {
      const { run, marker } = await endWith('natural', {
        OTEL_LOGS_EXPORTER: 'otlp,ndjson',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        APITRAIL_SPOOL_DIR: spoolDir,
      });
      expect(run.code, run.stderr).to.equal(5); // the app's own exitCode
      expect(run.stderr).to.match(/records spooled/);
      // The closing checkpoint went out in the flush; the last words came after it, into the spool.
      expect(logBodies().join('\n')).to.include('integrity log closed').and.not.include(marker);
      const replay = await runApitrail(['spool', 'replay', '--dir', spoolDir], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      });
      expect(replay.code, replay.stderr).to.equal(0);
      bodies = logBodies();
      expect(bodies.join('\n')).to.include(`exiting ${marker}`).and.include(`audit ${marker}`);
    } finally {
      await receiver.stop();
    }
    const received = join(mkdtempSync(join(tmpdir(), 'apitrail-integrity-end-otlp-')), 'logs.jsonl');
    writeFileSync(received, `${bodies.join('\n')}\n`);
    const verified = await verify(received);
    expect(verified.stdout).to.match(/ yes\s*$/m);
    expectLastWordsAloneInserted(verified);
  });

  it('control: a process killed with SIGKILL leaves its log unclosed, and verify says so', async () => {
    const { run, file } = await endWith('SIGKILL', { EXIT_LISTENER_LOGS: '0', APITRAIL_SPOOL_FLUSH_INTERVAL_MS: '1' });
    expect(run.signal).to.equal('SIGKILL');
    const verified = await verify(file);
    expect(verified.code).to.not.equal(0);
    expect(verified.stdout).to.match(/truncated/);
  });
});
