// Worker threads inherit the process's `--require` and `--import` (its execArgv), and with them the
// register: loading the SDK in each one cost every worker of a pool about half a second of start-up
// (4 workers answered after 2.75 s against 0.22 s without the register, on a loaded 2-core
// machine) and printed apitrail's start-up warnings once per thread. The register starts apitrail
// in the main thread only; a worker thread loads nothing of it or of OpenTelemetry.
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';

interface Loaded {
  thread: 'main' | 'worker';
  apitrail: boolean;
  opentelemetry: boolean;
}

const lines = (stdout: string): Loaded[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Loaded);

describe('worker threads under the register', function () {
  this.timeout(60_000);

  for (const loader of ['--require', '--import'] as const) {
    it(`${loader}: apitrail runs in the main thread only; a worker loads none of it, and says nothing`, async () => {
      const result = await runToEnd([loader, '@apitrail/auto/register', 'test/fixtures/worker-pool-app.cjs'], {
        WORKERS: '3',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: undefined,
        APITRAIL_SPOOL_DIR: freshSpoolDir(),
        // Unset, it is the one start-up warning: printed once, by the main thread.
        APITRAIL_FINGERPRINT_KEY: undefined,
      });
      expect({ code: result.code, signal: result.signal }).to.deep.equal({ code: 0, signal: null });
      const loaded = lines(result.stdout);
      expect(loaded.filter((line) => line.thread === 'worker')).to.deep.equal(
        Array.from({ length: 3 }, () => ({ thread: 'worker', apitrail: false, opentelemetry: false })),
      );
      // Control: the main thread has both, so the check sees them where they are.
      expect(loaded.find((line) => line.thread === 'main')).to.deep.equal({
        thread: 'main',
        apitrail: true,
        opentelemetry: true,
      });
      expect(result.stderr.match(/APITRAIL_FINGERPRINT_KEY is not set/g)).to.have.length(1);
    });
  }
});
