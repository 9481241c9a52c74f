// startApitrail() called after the app required winston: the instrumentation patches winston where
// Node loads winston/lib/winston/logger.js, which had happened already, so nothing was patched: the
// app's line kept the token on its stdout and none was exported, and OpenTelemetry's own warning
// about a module loaded before its instrumentation was emitted before apitrail's diagnostic logger
// existed, so nothing was said. A Logger already loaded is now patched when the instrumentation is
// enabled.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

describe('winston required before startApitrail()', function () {
  this.timeout(60_000);

  it('a logger created after the start is redacted on the app’s output and exported', async () => {
    const token = `sk_live_${randomString(32)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-winston-before-')), 'records.ndjson');
    const result = await runToEnd(['test/fixtures/winston-before-start-app.cjs'], {
      LEAK_TOKEN: token,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'ndjson',
      APITRAIL_NDJSON_FILE: file,
      APITRAIL_SPOOL_DIR: freshSpoolDir(),
      APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
      OTEL_METRICS_EXPORTER: undefined,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('{"level":"info","message":"calling upstream with token=[REDACTED]"}\n');
    const exported = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(exported).to.include('"message":"calling upstream with token=[REDACTED]"').and.not.include(token);
  });
});
