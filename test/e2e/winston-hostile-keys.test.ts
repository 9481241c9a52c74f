// Winston metadata whose keys and values a client chose (an app logging a request body), under the
// register, through apitrail's winston format on the app's Console and through the bridge to the
// SDK's exporter, in both APITRAIL_LOG_FORMATs. Every line printed stays one line, with no raw
// control character, so a client can neither forge a log line nor drive the terminal that shows it.
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/wait.ts';

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const FORGED_LINE = '2026-01-01T00:00:00.000Z INFO  apitrail forged';
const HOSTILE = `x\n${FORGED_LINE} \u001b]0;pwned\u0007\u001b[31m\u009b31m\u2028\u2029\u007f`;

for (const format of ['human_readable', 'ndjson'] as const) {
  describe(`winston metadata from a client, APITRAIL_LOG_FORMAT=${format}`, function () {
    let app: RunningApp;

    before(async () => {
      app = await startApp({
        script: 'test/fixtures/winston-hostile-keys-app.cjs',
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson', APITRAIL_LOG_FORMAT: format },
      });
      const response = await fetch(`${app.baseUrl}/log`, {
        method: 'POST',
        body: JSON.stringify({ [HOSTILE]: HOSTILE, nested: { [HOSTILE]: [HOSTILE] } }),
      });
      expect(response.status).to.equal(204);
    });

    after(async () => {
      await app.stop();
    });

    it('prints the payload, from the app format and the exporter, with no raw control and no forged line', async () => {
      const lines = await waitFor('the payload from both the app format and the exporter', () => {
        const all = app.stdout().split('\n');
        return all.filter((line) => line.includes('client payload')).length >= 2 ? all : undefined;
      });
      for (const line of lines) {
        expect(RAW_CONTROL.test(line), `raw control character in ${JSON.stringify(line)}`).to.equal(false);
        expect(line.startsWith(FORGED_LINE), `forged line: ${JSON.stringify(line)}`).to.equal(false);
      }
    });
  });
}
