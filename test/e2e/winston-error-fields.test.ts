// Errors inside winston metadata (`logger.warn('failed', { err })`, nested, in arrays), written by the
// app's own formats under the register. JSON.stringify and safe-stable-stringify print an Error's own
// enumerable fields only: `{"code":"E_UPSTREAM"}`, or `{}`. apitrail's redaction of the app's lines
// turned each such Error into a plain object with name, message and stack, so the app's lines grew a
// stack trace and a (redacted) message they never had. The redacted copy of an Error in metadata is
// now an Error again, its message and stack redacted and as little enumerable as the original's:
// the app's lines are byte for byte as without apitrail.
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

describe('Errors in winston metadata, on the app’s own outputs under the register', function () {
  this.timeout(60_000);

  it('JSON, simple and printf lines are as without apitrail', async () => {
    const secret = `sk_live_${randomString(32)}`;
    const run = (register: boolean) =>
      runToEnd(
        [...(register ? ['--require', '@apitrail/auto/register'] : []), 'test/fixtures/winston-error-fields-app.cjs'],
        {
          SECRET: secret,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
          APITRAIL_SPOOL_DIR: freshSpoolDir(),
          APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
        },
      );
    const without = await run(false);
    expect(without.stdout.split('\n')).to.have.length(10);
    expect(without.stdout, 'the control: these lines hold no secret to redact').to.not.include(secret);
    const withRegister = await run(true);
    expect(withRegister.stdout).to.equal(without.stdout);
    expect(withRegister.code).to.equal(0);
  });
});
