// A collector outage must not fill the app's stderr. Each failed export makes the SDK write a retry
// notice and, through OTel's global error handler, the error as JSON with its stack; apitrail
// condenses them into one line per exporter and interval. A real app under the register sends
// itself steady requests against an unreachable endpoint and against one answering 503 (then 200),
// and its stderr is counted line by line. The same app without the register is the control for
// stdout and the exit code; the same run at OTEL_LOG_LEVEL=debug is the control showing the test
// sees the SDK's lines when they are there.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd, type FinishedRun } from '../helpers/app.ts';

const SCRIPT = 'test/fixtures/steady-requests-app.cjs';
const REQUESTS = 50; // one every 50 ms: about 3 s of traffic

function run(register: boolean, env: NodeJS.ProcessEnv): Promise<FinishedRun> {
  return runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), SCRIPT], {
    OTEL_LOG_LEVEL: undefined,
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '1500',
    APITRAIL_FINGERPRINT_KEY: 'steady-requests-fingerprint-key',
    APITRAIL_SPOOL_DIR: freshSpoolDir(),
    STEADY_REQUESTS: String(REQUESTS),
    STEADY_OWN_ERROR: '1',
    ...env,
  });
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
/** apitrail's lines about export failures: failing, N more, recovered. */
const failureLines = (stderr: string): string[] =>
  lines(stderr).filter((line) => /^apitrail: (\d+ more )?(span|log) export/.test(line));
/** The SDK's lines about the same failures: retry notices, the error handler's JSON of the error (not the app's). */
const sdkFailureLines = (stderr: string): string[] =>
  lines(stderr).filter(
    (line) =>
      /^Export retry time |^Export failed |^\{"stack":"(Error|OTLPExporterError)/.test(line) &&
      !line.includes('steady-app-own-error'),
  );

/** What must hold of every default-level run: the app's own output as without the register, a few lines of apitrail's. */
function expectCondensed(result: FinishedRun, control: FinishedRun): void {
  expect(result.code, 'exit code as without the register').to.equal(7).and.equal(control.code);
  expect(result.signal).to.equal(null);
  expect(result.stdout, 'stdout as without the register').to.equal(control.stdout);
  expect(lines(result.stdout)).to.have.length(REQUESTS);
  expect(result.stderr, 'no stack trace line').to.not.match(/^\s+at /m);
  const stacks = lines(result.stderr).filter(
    (line) => line.includes('    at ') && !line.includes('steady-app-own-error'),
  );
  expect(stacks, 'no stack trace, not even inside a JSON line').to.deep.equal([]);
  expect(result.stderr, 'no retry notice').to.not.include('Export retry time');
  expect(sdkFailureLines(result.stderr)).to.deep.equal([]);
  // Every other line is apitrail's, or the app's own error, which is printed as before.
  const foreign = lines(result.stderr).filter(
    (line) => !line.startsWith('apitrail: ') && !line.includes('steady-app-own-error'),
  );
  expect(foreign, 'nothing on stderr but apitrail lines and the app error').to.deep.equal([]);
  expect(result.stderr, "the app's own use of the global error handler").to.include('steady-app-own-error');
}

describe('export failures on the host app stderr', function () {
  this.timeout(60_000);
  let control: FinishedRun;

  before(async () => {
    control = await run(false, {});
    expect(control.code).to.equal(7);
    expect(control.stderr).to.equal('');
  });

  describe('an unreachable OTLP endpoint', () => {
    const password = randomBytes(12).toString('base64url');
    const endpoint = `http://apitrail:${password}@127.0.0.1:9`;

    it('one line per exporter, no SDK retry notices, no stack traces, stdout and exit code unchanged', async () => {
      const result = await run(true, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      expectCondensed(result, control);
      const failures = failureLines(result.stderr);
      expect(failures).to.include(
        'apitrail: span export to http://127.0.0.1:9/v1/traces failing (connect ECONNREFUSED); further failures are summed every 10000 ms',
      );
      expect(failures.filter((line) => line.includes('failing ('))).to.have.length.within(1, 2);
      expect(failures.length, failures.join('\n')).to.be.within(1, 4);
      expect(result.stderr, 'the URL credential is not printed').to.not.include(password);
      // The drop summary is still there (its counts are exact: only the lines about failures are condensed).
      expect(result.stderr).to.match(/^apitrail: \d+ spans\/otlp records dropped/m);
    });

    it("control: OTEL_LOG_LEVEL=debug shows the SDK's retry notices and errors with their stacks", async () => {
      const result = await run(true, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOG_LEVEL: 'debug' });
      expect(result.code).to.equal(7);
      expect(result.stdout).to.equal(control.stdout);
      const sdk = sdkFailureLines(result.stderr);
      // At least one of each per exporter: the process ends within the shutdown bound after its
      // traffic (the SDK's waits between retries are unref'd), so only a loaded machine's few exports count.
      expect(sdk.filter((line) => line.startsWith('Export retry time')).length, 'retry notices').to.be.at.least(2);
      expect(sdk.filter((line) => line.startsWith('{"stack":"Error: connect ECONNREFUSED')).length).to.be.at.least(2);
      expect(result.stderr).to.include('\\n    at ');
      expect(result.stderr, 'redacted at debug too').to.not.include(password);
      // apitrail's own lines are there as well.
      expect(failureLines(result.stderr)).to.not.deep.equal([]);
    });
  });

  describe('an OTLP receiver answering 503, then 200', () => {
    let server: Server;
    let endpoint: string;
    let failUntil = 0;
    const answered = { failed: 0, accepted: 0 };

    beforeEach(async () => {
      failUntil = 0;
      answered.failed = 0;
      answered.accepted = 0;
      server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          if (failUntil === 0) failUntil = Date.now() + 1500;
          if (Date.now() < failUntil) {
            answered.failed += 1;
            response.writeHead(503).end('unavailable');
          } else {
            answered.accepted += 1;
            response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' }).end();
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    it('one line while it fails, one when it recovers, nothing more; stdout and exit code unchanged', async () => {
      const result = await run(true, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      expect(answered.failed, 'exports were refused').to.be.above(3);
      expect(answered.accepted, 'and accepted later').to.be.above(0);
      expectCondensed(result, control);
      const spans = failureLines(result.stderr).filter((line) => line.includes('span export'));
      expect(spans[0]).to.equal(
        `apitrail: span export to ${endpoint}/v1/traces failing (the receiver answered 429, 502, 503 or 504 until the retries ran out); further failures are summed every 10000 ms`,
      );
      const recovered = spans.findIndex((line) => / recovered after \d+ failed exports?$/.test(line));
      expect(recovered, spans.join('\n')).to.be.above(0);
      expect(spans.slice(recovered + 1), 'nothing after recovery').to.deep.equal([]);
      expect(failureLines(result.stderr).length, failureLines(result.stderr).join('\n')).to.be.within(2, 6);
    });

    it("control: OTEL_LOG_LEVEL=debug shows the SDK's retry notices", async () => {
      const result = await run(true, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_LOG_LEVEL: 'debug' });
      expect(result.code).to.equal(7);
      expect(answered.failed).to.be.above(3);
      expect(sdkFailureLines(result.stderr).length, 'retry notices and errors').to.be.above(2);
    });
  });
});
