// Hardening: the zero-code register refuses a configuration it cannot honour. Started the way an
// operator starts it (`node --require` / `--import @apitrail/auto/register app`), a bad variable
// stops the process before the app runs, with exit code 78 (EX_CONFIG) and exactly one stderr line
// naming the variable, whatever the value holds.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { repoRoot, runToEnd, type FinishedRun } from '../helpers/app.ts';

function runUnderRegister(
  loader: '--require' | '--import',
  script: string,
  env: Record<string, string>,
): Promise<FinishedRun> {
  return runToEnd([loader, '@apitrail/auto/register', resolve(repoRoot, script)], {
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_LOG_LEVEL: undefined,
    ...env,
  });
}

const EX_CONFIG = 78;

/** A FIFO (named pipe) made for the test, which no process writes to. */
function fifo(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'apitrail-config-fifo-')), 'file');
  execFileSync('mkfifo', [path]);
  return path;
}

describe('hardening: the register refuses a bad configuration', function () {
  this.timeout(60_000);

  const invalid: { variable: string; value: () => string }[] = [
    { variable: 'APITRAIL_REDACT_PATTERNS', value: () => 'ghp_[A-Za-z0-9]{36} (unclosed' },
    { variable: 'APITRAIL_DETECT_MAX_IPS_PER_KEY', value: () => '-1' },
    { variable: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: () => 'grpc' },
    { variable: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', value: () => 'grpc' },
    // A value that tries to forge a second diagnostic line: the refusal must stay one line.
    {
      variable: 'APITRAIL_INTEGRITY_KEY_FILE',
      value: () => '/nonexistent-apitrail-dir/key\napitrail: configuration accepted\r\n\u2028',
    },
    // The former HMAC chain's secret: refused, never ignored (integrity would silently be off).
    { variable: 'APITRAIL_INTEGRITY_KEY', value: () => randomBytes(32).toString('hex') },
    { variable: 'APITRAIL_LOG_FORMAT', value: () => 'xml\napitrail: configuration accepted' },
    { variable: 'APITRAIL_GEOIP_DB', value: () => '/nonexistent-apitrail-dir/GeoLite2-ASN.mmdb\napitrail: ok' },
    // A file that exists but is no MMDB.
    { variable: 'APITRAIL_GEOIP_DB', value: () => resolve(repoRoot, 'package.json') },
    // Delays beyond what Node's timers take (2^31 - 1 ms): Node would print a warning of its own
    // on the app's stderr and wait 24.8 days instead, naming no variable.
    { variable: 'OTEL_EXPORTER_OTLP_TIMEOUT', value: () => '9999999999' },
    { variable: 'OTEL_BSP_SCHEDULE_DELAY', value: () => '2147483648' },
    { variable: 'OTEL_BLRP_EXPORT_TIMEOUT', value: () => '9999999999' },
    { variable: 'APITRAIL_DROP_REPORT_INTERVAL_MS', value: () => '9999999999' },
    // Entries apitrail used to drop without a word, the rest kept: a service.name whose
    // percent-encoding is no UTF-8 (the spool then named 'unknown_service'), a broken escape, an
    // entry without '=' or without a key. The value is not echoed (it can be anything).
    { variable: 'OTEL_RESOURCE_ATTRIBUTES', value: () => 'service.name=orders%FF,deployment.environment=prod' },
    { variable: 'OTEL_RESOURCE_ATTRIBUTES', value: () => 'team=pay%2' },
    { variable: 'OTEL_RESOURCE_ATTRIBUTES', value: () => 'service.name=orders,deployment.environment' },
    { variable: 'OTEL_RESOURCE_ATTRIBUTES', value: () => 'service.name=orders,=prod' },
    // A header entry the exporter could not read was dropped without a word: the collector then
    // refused every export (401) with the credential missing, and no line said why.
    {
      variable: 'OTEL_EXPORTER_OTLP_HEADERS',
      value: () => `authorization=Bearer%20${randomBytes(12).toString('hex')}%ZZ`,
    },
    { variable: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', value: () => `x-api-key ${randomBytes(12).toString('hex')}` },
    // A FIFO no process writes to: readFileSync waited for a writer, and the app hung at start with
    // nothing said; /dev/zero was read until the heap ran out.
    { variable: 'APITRAIL_API_KEYS_FILE', value: () => fifo() },
    { variable: 'APITRAIL_API_KEYS_FILE', value: () => '/dev/zero' },
    { variable: 'APITRAIL_INTEGRITY_KEY_FILE', value: () => fifo() },
    // An exporter named twice got two processors: every audit record written or exported twice.
    { variable: 'OTEL_LOGS_EXPORTER', value: () => 'ndjson,ndjson' },
    { variable: 'OTEL_TRACES_EXPORTER', value: () => 'otlp, OTLP' },
  ];

  const entries = [
    { loader: '--require', script: 'test/fixtures/config-probe-app.cjs' },
    { loader: '--import', script: 'test/fixtures/config-probe-app.mjs' },
  ] as const;

  for (const { loader, script } of entries) {
    it(`${loader}: a valid configuration lets the app run (the probe app can print)`, async () => {
      const outcome = await runUnderRegister(loader, script, {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      });
      expect(outcome, outcome.stderr).to.include({ code: 0, stdout: 'the app ran\n' });
    });

    // The kill switch: an operator turns apitrail off to get an app up whose configuration apitrail
    // refuses (an OTEL_EXPORTER_OTLP_PROTOCOL=grpc set for every service by the platform, which the
    // OTel SDK takes). It checked the OTEL_* variables first and still exited 78.
    it(`${loader}: OTEL_SDK_DISABLED=true lets the app run whatever else is set, silently`, async () => {
      for (const { variable, value } of invalid) {
        const outcome = await runUnderRegister(loader, script, { OTEL_SDK_DISABLED: 'true', [variable]: value() });
        expect({ variable, code: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr }).to.deep.equal({
          variable,
          code: 0,
          stdout: 'the app ran\n',
          stderr: '',
        });
      }
    });

    it(`${loader}: a FIFO a process writes to (process substitution, a secret injector) is read`, async () => {
      const path = fifo();
      // The writer opens it first (its open waits for the reader), is slow to write (the reader
      // waits for it), then writes a registry with no key and closes it.
      const writer = spawn('sh', ['-c', `exec 3>'${path}'; sleep 0.3; printf '[]' >&3`], { stdio: 'ignore' });
      const outcome = await runUnderRegister(loader, script, { APITRAIL_API_KEYS_FILE: path });
      writer.kill();
      expect(outcome, outcome.stderr).to.include({ code: 0, stdout: 'the app ran\n' });
    });

    for (const { variable, value } of invalid) {
      it(`${loader}: ${variable} invalid -> exit 78, one line naming it, the app never runs`, async () => {
        const outcome = await runUnderRegister(loader, script, { [variable]: value() });
        expect(outcome.code, outcome.stderr).to.equal(EX_CONFIG);
        expect(outcome.stdout, 'the app ran').to.equal('');
        const lines = outcome.stderr.split(/\r\n|\r|\n|\u2028|\u2029/);
        expect(lines, JSON.stringify(outcome.stderr)).to.have.length(2);
        expect(lines[1]).to.equal('');
        expect(lines[0]).to.match(new RegExp(`^apitrail: invalid configuration: ${variable}: \\S`));
      });
    }
  }
});
