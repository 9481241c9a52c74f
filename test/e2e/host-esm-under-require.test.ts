// An ES-module app started with the CommonJS entry (`node --require @apitrail/auto/register
// app.mjs`): its requests are audited (servers are patched on http.Server.prototype), but no ESM
// loader hook is registered, so a call it makes through a named import of node:http
// (`import { request } from 'node:http'`) is not instrumented and carries no traceparent, and
// nothing said so. The register now says it in one line when the app's entry is an ES module and the
// --import entry did not run as well.
import { expect } from 'chai';
import { freshSpoolDir, runToEnd } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

function run(args: readonly string[], script: string) {
  return runToEnd([...args, script], {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: undefined,
    APITRAIL_SPOOL_DIR: freshSpoolDir(),
    APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
    SECRET: randomString(24),
  });
}

describe('an ES-module app started with --require @apitrail/auto/register', function () {
  this.timeout(60_000);

  it('gets one line saying its outgoing calls are not traced and to use --import', async () => {
    const result = await run(['--require', '@apitrail/auto/register'], 'test/fixtures/esm-live-bindings/app.mjs');
    expect({ code: result.code, stdout: result.stdout }).to.deep.equal({
      code: 0,
      stdout: '{"count":2,"traceparent":false}\n',
    });
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines, result.stderr).to.have.length(1);
    expect(lines[0]).to.match(
      /^apitrail: .*app\.mjs is an ES module.*--require.*not traced.*--import @apitrail\/auto\/register/,
    );
  });

  it('control: with --import as well, or a CommonJS app, nothing is said', async () => {
    const both = await run(
      ['--require', '@apitrail/auto/register', '--import', '@apitrail/auto/register'],
      'test/fixtures/esm-live-bindings/app.mjs',
    );
    expect({ stdout: both.stdout, stderr: both.stderr }).to.deep.equal({
      stdout: '{"count":2,"traceparent":true}\n',
      stderr: '',
    });
    const commonjs = await run(['--require', '@apitrail/auto/register'], 'test/fixtures/calls-itself-app.cjs');
    expect({ stdout: commonjs.stdout, stderr: commonjs.stderr }).to.deep.equal({ stdout: 'answered ok\n', stderr: '' });
  });
});
