// A second SIGTERM or SIGINT while apitrail's bounded flush for the first one waits on a collector
// that does not answer (Ctrl-C twice, an orchestrator's repeated stop): the process ends at once by
// that signal, as it would have at the first one without apitrail, with its records in the spool.
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { freshSpoolDir, startApp } from '../helpers/app.ts';
import { startOtlpRecorder } from '../helpers/otlp-recorder.ts';

describe('a second signal during the flush of the first', function () {
  this.timeout(60_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} twice: ends at the second, records spooled, not after the 5 s bound`, async () => {
      // A collector that takes every export and never answers.
      const recorder = await startOtlpRecorder(() => '', 60_000);
      const spoolDir = freshSpoolDir();
      try {
        const app = await startApp({
          script: 'test/fixtures/goes-on-app.cjs',
          env: {
            OTEL_EXPORTER_OTLP_ENDPOINT: recorder.endpoint,
            OTEL_TRACES_EXPORTER: 'none',
            APITRAIL_SPOOL_DIR: spoolDir,
            APITRAIL_SHUTDOWN_TIMEOUT_MS: '5000',
          },
        });
        for (let n = 0; n < 5; n++) expect((await fetch(`${app.baseUrl}/api/${n}`)).status).to.equal(200);
        const exited = once(app.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        app.process.kill(signal);
        await delay(300);
        expect(app.process.exitCode, 'the first signal waits on the flush').to.equal(null);
        const second = Date.now();
        app.process.kill(signal);
        const [code, ended] = await exited;
        expect({ code, signal: ended }).to.deep.equal({ code: null, signal });
        expect(Date.now() - second, 'ended at the second signal').to.be.below(2_000);
        expect(app.stderr()).to.match(/apitrail: \d+ records spooled to .*, 0 dropped/);
        expect(readdirSync(spoolDir).filter((name) => name.endsWith('.ndjson'))).to.not.have.length(0);
      } finally {
        await recorder.stop();
      }
    });
  }
});
