// OTel's resource detectors answer asynchronously (host.id is read from a file): the resource stays
// pending until an exporting processor waits for it. An export that reads it before then sends it
// without those attributes, and OTel reports the read on the app's stderr. The register's OTLP log
// export (through the spool) waits as the SDK's processors do. No trace exporter here: the SDK's
// span processor, which also waits, would settle the shared resource first and hide a log export
// that does not. Redaction must not wait for them either: the resource is redacted at the first
// record, the values still being resolved included, so the first export carries no secret.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startApp } from '../helpers/app.ts';
import { startOtlpRecorder } from '../helpers/otlp-recorder.ts';

const EARLY_READ = 'before async attributes settled';
/** Where OTel's host detector reads host.id on Linux: without either, there is no host.id to check. */
const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

describe('resource attributes a detector resolves asynchronously', function () {
  it('are waited for by the OTLP log export, redacted before it: in every batch, no secret, no early read', async () => {
    const recorder = await startOtlpRecorder();
    const secret = randomBytes(18).toString('base64url');
    try {
      const app = await startApp({
        script: 'test/fixtures/request-scope-app.cjs',
        env: {
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: recorder.endpoint,
          OTEL_RESOURCE_ATTRIBUTES: `deployment.password=${secret}`,
        },
      });
      for (let request = 0; request < 5; request++) {
        const response = await fetch(`${app.baseUrl}/status/204`);
        expect(response.status).to.equal(204);
      }
      await app.stop();
      const logExports = recorder.exports.filter(({ path }) => path === '/v1/logs');
      expect(logExports, 'the audit records were exported').to.not.have.length(0);
      expect(app.stderr()).to.not.include(EARLY_READ);
      for (const { body } of logExports) {
        expect(body.includes(secret), 'the resource secret in an export').to.equal(false);
        expect(body.includes('deployment.password'), 'the attribute exported, masked').to.equal(true);
      }
      // The synchronous attributes are there either way (the control for the asynchronous one).
      for (const { body } of logExports) expect(body.includes('host.name')).to.equal(true);
      if (MACHINE_ID_FILES.some((file) => existsSync(file))) {
        for (const { body } of logExports) expect(body.includes('host.id'), 'host.id in every batch').to.equal(true);
      }
    } finally {
      await recorder.stop();
    }
  });
});
