// An app whose own OpenTelemetry SDK starts before apitrail's register: `node --require
// ./tracing.js --require @apitrail/auto/register app.js`, or an operator's auto-instrumentation
// put in NODE_OPTIONS. OpenTelemetry keeps one global TracerProvider and LoggerProvider, the first
// registered: apitrail's server spans and audit records then went to the app's exporters, past
// apitrail's redaction (the API key of the query string in clear), and none to apitrail's, with
// four "Attempted duplicate registration of API" stack traces on stderr that did not say so.
// apitrail now stays off in such a process, says why in one line, and the app's own telemetry is as
// without the register.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd, type FinishedRun } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

interface OwnLine {
  span?: string;
  log?: string;
  attributes: Record<string, unknown>;
}

function readLines(file: string): OwnLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OwnLine);
}

/** What the app's own exporters were given, without the values that change from run to run. */
const shapes = (lines: readonly OwnLine[]): string[] =>
  lines.map((line) => `${line.span ?? ''}${line.log ?? ''} ${Object.keys(line.attributes).sort().join(',')}`).sort();

interface Run extends FinishedRun {
  own: OwnLine[];
  audit: string;
}

async function run(args: readonly string[], secret: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-own-sdk-'));
  const ownFile = join(dir, 'own.ndjson');
  const auditFile = join(dir, 'audit.ndjson');
  const result = await runToEnd([...args, 'test/fixtures/calls-itself-app.cjs'], {
    SECRET: secret,
    OWN_TELEMETRY_FILE: ownFile,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'ndjson',
    APITRAIL_NDJSON_FILE: auditFile,
    APITRAIL_SPOOL_DIR: freshSpoolDir(),
    APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_LOG_LEVEL: undefined,
  });
  return { ...result, own: readLines(ownFile), audit: existsSync(auditFile) ? readFileSync(auditFile, 'utf8') : '' };
}

describe("an app whose own OpenTelemetry SDK starts before apitrail's register", function () {
  this.timeout(60_000);
  const secret = `sk_live_${randomString(32)}`;
  const ownSdk = ['--require', './test/fixtures/own-tracing-first.cjs'];

  for (const loader of ['--require', '--import'] as const) {
    it(`${loader}: apitrail stays off and says why in one line; the app's output and its own telemetry are as without apitrail`, async () => {
      const without = await run(ownSdk, secret);
      expect(without.code, without.stderr).to.equal(0);
      const withRegister = await run([...ownSdk, loader, '@apitrail/auto/register'], secret);
      expect({ code: withRegister.code, stdout: withRegister.stdout }).to.deep.equal({
        code: 0,
        stdout: 'answered ok\n',
      });
      expect(withRegister.stdout).to.equal(without.stdout);
      // Nothing of apitrail's reached the app's exporters, where it would not be redacted.
      expect(shapes(withRegister.own)).to.deep.equal(shapes(without.own));
      expect(withRegister.own.filter((line) => line.log !== undefined)).to.deep.equal([]);
      expect(withRegister.audit).to.equal('');
      const lines = withRegister.stderr.split('\n').filter((line) => line !== '');
      expect(lines, withRegister.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^apitrail: not started: .*TracerProvider.*apitrailComponents\(\)/);
      expect(withRegister.stderr).to.not.include(secret);
    });
  }

  it('only a propagator registered first: apitrail starts, and its one line says the app’s propagator is the one used', async () => {
    const result = await run(
      ['--require', './test/fixtures/own-propagator-first.cjs', '--require', '@apitrail/auto/register'],
      secret,
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(result.audit).to.include('"event":"apitrail.api_request"').and.not.include(secret);
    const ours = result.stderr.split('\n').filter((line) => line.startsWith('apitrail: '));
    expect(ours, result.stderr).to.have.length(1);
    expect(ours[0]).to.match(
      /^apitrail: apitrail's propagator was not registered: one was registered before the register.*that one is used/,
    );
  });

  it('control: without the app’s SDK the register writes the audit record, the key redacted', async () => {
    const result = await run(['--require', '@apitrail/auto/register'], secret);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.audit).to.include('"event":"apitrail.api_request"').and.not.include(secret);
  });
});
