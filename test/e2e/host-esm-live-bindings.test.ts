// The register's ESM loader hook (import-in-the-middle, registered by `--import
// @apitrail/auto/register`) wrapped every module the app imports, its own included, and the wrapper
// broke ES live bindings: after `increment()` set `count` to 2 in counter.mjs, the app still read 0,
// with the SDK on or with OTEL_SDK_DISABLED=true. The hook is now limited to the modules apitrail's
// instrumentations patch through it (node:http and node:https); a named import of their functions is
// still instrumented (the control: the outgoing call carries a traceparent header).
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

const app = 'test/fixtures/esm-live-bindings/app.mjs';

function run(register: boolean, env: Record<string, string> = {}): Promise<{ code: number | null; line: unknown }> {
  return runToEnd([...(register ? ['--import', '@apitrail/auto/register'] : []), app], {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: undefined,
    APITRAIL_SPOOL_DIR: freshSpoolDir(),
    APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
    ...env,
  }).then(({ code, stdout, stderr }) => {
    expect(stderr).to.equal('');
    return { code, line: JSON.parse(stdout) as unknown };
  });
}

describe('an ES-module app under --import @apitrail/auto/register', function () {
  this.timeout(60_000);

  it('reads the live bindings of its own modules as without apitrail; a named import of node:http is instrumented', async () => {
    expect(await run(false)).to.deep.equal({ code: 0, line: { count: 2, traceparent: false } });
    expect(await run(true)).to.deep.equal({ code: 0, line: { count: 2, traceparent: true } });
  });

  it('OTEL_SDK_DISABLED=true: the app runs as without apitrail', async () => {
    expect(await run(true, { OTEL_SDK_DISABLED: 'true' })).to.deep.equal({
      code: 0,
      line: { count: 2, traceparent: false },
    });
  });
});
