// An app that starts its own OpenTelemetry SDK after apitrail's register (its tracing module
// loaded by the app, or with a --require after the register's). OpenTelemetry keeps the providers,
// propagator and context manager registered first, apitrail's: the app's own exporters get none of
// the spans and log records its instrumentations make, and its propagator is not used. What the app
// was told was four "Error: @opentelemetry/api: Attempted duplicate registration of API: <type>"
// stack traces, which name neither apitrail nor what becomes of its telemetry. Each is now followed by
// one apitrail line saying what the app lost and what to do; the behaviour is unchanged.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

describe("an app whose own OpenTelemetry SDK starts after apitrail's register", function () {
  this.timeout(60_000);

  for (const loader of ['--require', '--import'] as const) {
    it(`${loader}: one apitrail line per global the app could not register, saying where its telemetry goes`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'apitrail-own-sdk-after-'));
      const ownFile = join(dir, 'own.ndjson');
      const auditFile = join(dir, 'audit.ndjson');
      const result = await runToEnd(
        [
          loader,
          '@apitrail/auto/register',
          // The same flag: Node loads every --require before the first --import.
          loader,
          './test/fixtures/own-tracing-first.cjs',
          'test/fixtures/calls-itself-app.cjs',
        ],
        {
          SECRET: `sk_live_${randomString(32)}`,
          OWN_TELEMETRY_FILE: ownFile,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'ndjson',
          APITRAIL_NDJSON_FILE: auditFile,
          APITRAIL_SPOOL_DIR: freshSpoolDir(),
          APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
          OTEL_METRICS_EXPORTER: undefined,
          OTEL_LOG_LEVEL: undefined,
        },
      );
      expect({ code: result.code, stdout: result.stdout }).to.deep.equal({ code: 0, stdout: 'answered ok\n' });
      // As before: apitrail's pipeline has the audit record, the app's exporters got nothing.
      expect(readFileSync(auditFile, 'utf8')).to.include('"event":"apitrail.api_request"');
      expect(existsSync(ownFile)).to.equal(false);
      const ours = result.stderr.split('\n').filter((line) => line.startsWith('apitrail: '));
      expect(ours, result.stderr).to.have.length(4);
      expect(ours[0]).to.match(/^apitrail: the app's context manager was not registered/);
      expect(ours[1]).to.match(/^apitrail: the app's propagator was not registered.*OTEL_PROPAGATORS/);
      expect(ours[2]).to.match(
        /^apitrail: the app's TracerProvider was not registered.*spans of the app's instrumentations go to apitrail's exporters \(OTEL_TRACES_EXPORTER\).*apitrailComponents\(\)/,
      );
      expect(ours[3]).to.match(/^apitrail: the app's LoggerProvider was not registered.*OTEL_LOGS_EXPORTER/);
    });
  }
});
