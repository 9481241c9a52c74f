// signal-exit (v4, in the dependencies of write-file-atomic, execa, foreground-child and many more)
// listens for the fatal signals and ends the process by the signal itself only when every listener
// for it is its own; with another listener it leaves the exit to that one. apitrail's listener did
// the same (another listener: the app handles the signal), so under the register neither acted and
// SIGTERM, SIGINT and SIGHUP left the process running. apitrail counts signal-exit's listeners as
// not the app's own: it flushes, then re-raises the signal, and signal-exit runs its callbacks and
// ends the process, as without the register.
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { freshSpoolDir, startApp, type RunningApp } from '../helpers/app.ts';
import { decodeLogLines } from '../helpers/otlp-json.ts';
import { startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';

const SCRIPT = 'test/fixtures/signal-exit-app.cjs';

function auditIds(recorder: OtlpRecorder): string[] {
  return recorder.exports
    .filter(({ path }) => path === '/v1/logs')
    .flatMap(({ body }) => decodeLogLines(body.toString()))
    .filter((record) => record.eventName === 'apitrail.api_request')
    .map((record) => String(record.attributes['correlation.id']));
}

/** Sends `signal` and waits for the end: the process must end within `withinMs`, or it is killed and the test fails. */
async function endBy(app: RunningApp, signal: NodeJS.Signals, withinMs = 10_000): Promise<unknown> {
  const exited = once(app.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  app.process.kill(signal);
  const timer = setTimeout(() => app.process.kill('SIGKILL'), withinMs);
  const [code, ended] = await exited;
  clearTimeout(timer);
  return { code, signal: ended };
}

describe('an app that loads signal-exit', function () {
  this.timeout(60_000);
  let recorder: OtlpRecorder;

  before(async () => {
    recorder = await startOtlpRecorder();
  });
  after(async () => recorder?.stop());

  const environment = (spoolDir: string): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: recorder.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_EXPORTER: 'none',
    APITRAIL_SPOOL_DIR: spoolDir,
    APITRAIL_FINGERPRINT_KEY: 'signal-exit-fixture-fingerprint-key',
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal}: ends by the signal with signal-exit's callback run, as without apitrail; the record kept`, async () => {
      const control = await startApp({ script: SCRIPT, loader: 'none' });
      expect(await endBy(control, signal)).to.deep.equal({ code: null, signal });
      expect(control.jsonLines()).to.deep.include({ onExit: signal });

      const spoolDir = freshSpoolDir();
      const app = await startApp({ script: SCRIPT, env: environment(spoolDir) });
      const id = `signal-exit-${signal}`;
      expect((await fetch(`${app.baseUrl}/api`, { headers: { 'x-request-id': id } })).status).to.equal(200);
      expect(await endBy(app, signal), 'ended by the signal').to.deep.equal({ code: null, signal });
      expect(app.jsonLines()).to.deep.include({ onExit: signal });
      // SIGTERM and SIGINT flush it to the collector; SIGHUP writes it to the spool.
      const exported = auditIds(recorder).includes(id);
      const spooled = readdirSync(spoolDir).some((name) => name.endsWith('.ndjson'));
      expect(exported || spooled, 'the audit record exported or spooled').to.equal(true);
    });
  }

  it('control: with a SIGTERM listener of the app as well, the process goes on, as without apitrail', async () => {
    for (const loader of ['none', 'require'] as const) {
      const app = await startApp({
        script: SCRIPT,
        loader,
        env: { ...environment(freshSpoolDir()), HANDLES_SIGNAL: 'SIGTERM' },
      });
      app.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(app.jsonLines(), loader).to.deep.include({ handled: 'SIGTERM' });
      expect(app.process.exitCode, `${loader}: still running`).to.equal(null);
      const exited = once(app.process, 'exit');
      await fetch(`${app.baseUrl}/end`, { headers: { connection: 'close' } });
      expect(await exited).to.deep.equal([0, null]);
      expect(app.jsonLines()).to.deep.include({ onExit: 0 });
    }
  });
});
