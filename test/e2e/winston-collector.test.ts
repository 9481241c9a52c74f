// winston, end to end: real winston loggers inside Express and node:http handlers, under the
// zero-code register (and, separately, an app's own SDK bootstrap with the one-line opt-in), send
// each line once to the real collector with the request's trace id, correlation id, API key id and
// tenant id, and with the secrets the app carelessly logged removed.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { leakForms } from '../helpers/identity-keys.ts';
import { exportingTo, requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { waitFor } from '../helpers/wait.ts';

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
/** The three lines api.js writes for one accepted and one rejected request. */
const APP_LINES = ['listing scans', 'upstream failed', 'rejected credentials'];

/** A Prowler-style key, made fresh for each run: `pk_<prefix>.<secret>`. */
function generatedKey(): { key: string; secret: string } {
  const secret = randomBytes(24).toString('base64url');
  return { key: `pk_${randomBytes(4).toString('hex')}.${secret}`, secret };
}

interface Scenario {
  readonly title: string;
  readonly script: string;
  readonly loader?: 'require' | 'none';
  readonly env?: Record<string, string>;
}

const SCENARIOS: readonly Scenario[] = [
  { title: 'Express under the register', script: 'examples/winston/express.js' },
  { title: 'node:http under the register', script: 'examples/winston/node-http.js' },
  {
    title: 'Express under the register with instrumentation-winston also active',
    script: 'examples/winston/express.js',
    env: { NODE_OPTIONS: '--require ./examples/winston/instrumentation-winston.js' },
  },
  {
    // Enabled after apitrail's, instrumentation-winston unwraps shimmer-wrapped patches it finds.
    title: 'node:http with instrumentation-winston enabled after apitrail',
    script: 'examples/winston/node-http.js',
    env: { NODE_OPTIONS: '--require @apitrail/auto/register --require ./examples/winston/instrumentation-winston.js' },
  },
  {
    title: 'an app with its own SDK bootstrap and instrumentLogger()',
    script: 'examples/winston/explicit.js',
    loader: 'none',
  },
];

for (const scenario of SCENARIOS) {
  describe(`winston → real collector: ${scenario.title}`, function () {
    let collector: RunningCollector;
    let app: RunningApp;
    const valid = generatedKey();
    const wrong = generatedKey();
    let appLines: ExportedLogRecord[];
    let audits: ExportedLogRecord[];

    before(async function () {
      const binary = await requireCollector(this);
      collector = await startCollector(binary, 'local-file.yaml');
      app = await startApp({
        script: scenario.script,
        loader: scenario.loader ?? 'require',
        env: {
          OTEL_SERVICE_NAME: 'winston-e2e',
          ...exportingTo(collector),
          DEMO_API_KEY: valid.key,
          ...scenario.env,
        },
      });
      const accepted = await fetch(`${app.baseUrl}/api/v1/scans?provider=aws`, {
        headers: { authorization: `Bearer ${valid.key}`, 'x-request-id': 'winston-accepted' },
      });
      expect(accepted.status).to.equal(200);
      const rejected = await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { authorization: `Bearer ${wrong.key}`, 'x-request-id': 'winston-rejected' },
      });
      expect(rejected.status).to.equal(401);
      await app.stop();
      const logs = await waitFor('two audit records and the app lines at the collector', async () => {
        const records = await collector.logs();
        const auditCount = records.filter((record) => record.eventName === 'apitrail.api_request').length;
        return auditCount >= 2 && records.filter((record) => record.scope === 'app').length >= APP_LINES.length
          ? records
          : undefined;
      });
      appLines = logs.filter((record) => record.scope === 'app');
      audits = logs.filter((record) => record.eventName === 'apitrail.api_request');
    });

    after(async () => {
      await app?.stop();
      await collector?.stop();
    });

    const line = (text: string): ExportedLogRecord => {
      const matching = appLines.filter((record) => String(record.body).startsWith(text));
      expect(matching, `exactly one copy of "${text}"`).to.have.length(1);
      return matching[0]!;
    };
    const auditFor = (requestId: string): ExportedLogRecord =>
      audits.find((record) => record.attributes['correlation.id'] === requestId)!;

    it('delivers each winston line exactly once', () => {
      expect(appLines.map((record) => String(record.body).split(' ').slice(0, 2).join(' ')).sort()).to.deep.equal(
        [...APP_LINES].sort(),
      );
      expect(appLines).to.have.length(APP_LINES.length);
    });

    it("stamps each line with its request's trace id, correlation id, API key id and tenant id", () => {
      const audit = auditFor('winston-accepted');
      expect(audit.traceId).to.match(HEX_TRACE_ID);
      for (const text of ['listing scans', 'upstream failed']) {
        const record = line(text);
        expect(record.traceId, text).to.equal(audit.traceId);
        expect(record.attributes).to.include({
          'correlation.id': 'winston-accepted',
          'api_key.id': 'key-demo-1',
          'api_key.name': 'Demo Scanner',
          'tenant.id': 'tenant-demo-1',
        });
        // The context fields apitrail added to the line travel once, under their OTel names.
        for (const field of ['trace_id', 'span_id', 'request_id', 'api_key_id', 'tenant_id']) {
          expect(record.attributes, `${text}: ${field}`).to.not.have.property(field);
        }
      }
      const rejected = line('rejected credentials');
      expect(rejected.traceId).to.equal(auditFor('winston-rejected').traceId);
      expect(rejected.attributes['correlation.id']).to.equal('winston-rejected');
      expect(rejected.attributes).to.not.have.property('api_key.id');
    });

    it('maps winston levels to OTel severities and Error metadata to exception.* attributes', () => {
      expect(line('listing scans')).to.include({ severityText: 'info', severityNumber: 9 });
      expect(line('rejected credentials')).to.include({ severityText: 'warn', severityNumber: 13 });
      const failed = line('upstream failed');
      expect(failed).to.include({ severityText: 'error', severityNumber: 17 });
      expect(failed.attributes['exception.type']).to.equal('Error');
      expect(failed.attributes['exception.stacktrace']).to.be.a('string').and.include('api.js');
      expect(failed.attributes).to.not.have.property('err');
    });

    it('lets no secret the app logged reach the collector or the app’s own output, in any form', async () => {
      const collected = await collector.rawOutput();
      expect(collected).to.include('upstream failed');
      // The app's own Console transport: stdout or stderr, as the example routes its levels.
      const appOwn = app.stdout() + app.stderr();
      expect(appOwn).to.include('listing scans');
      const outputs = { collector: collected, 'the app’s own lines': appOwn };
      for (const [where, output] of Object.entries(outputs)) {
        for (const { key, secret } of [valid, wrong]) {
          // The full key (prefix included) and the secret part, raw, URL-encoded and base64/base64url.
          for (const form of [...leakForms(key), ...leakForms(secret)]) {
            expect(output.includes(form), `${where} holds ${form}`).to.equal(false);
          }
        }
      }
    });
  });
}

describe('winston lines on the app’s own outputs', function () {
  it('adds the request context to the lines of the app’s own format (zero-code, Express)', async () => {
    const key = generatedKey();
    const app = await startApp({
      script: 'examples/winston/express.js',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', DEMO_API_KEY: key.key },
    });
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
      headers: { authorization: `Bearer ${key.key}`, 'x-request-id': 'own-format-1' },
    });
    expect(response.status).to.equal(200);
    await app.stop();
    const lines = app.jsonLines().filter((entry) => entry.message === 'listing scans');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({
      request_id: 'own-format-1',
      api_key_id: 'key-demo-1',
      api_key_name: 'Demo Scanner',
      tenant_id: 'tenant-demo-1',
      trace_flags: '01',
    });
    expect(lines[0]!.trace_id).to.match(HEX_TRACE_ID);
    // The app's own format decides its own fields: apitrail's NDJSON names are not forced on it.
    expect(lines[0]).to.not.have.property('logger');
  });

  it('patches winston in an ES-module app under --import, one exported copy per line', async () => {
    const app = await startApp({
      script: 'examples/winston/esm.mjs',
      loader: 'import',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson' },
    });
    const response = await fetch(`${app.baseUrl}/api/esm`, { headers: { 'x-request-id': 'esm-1' } });
    expect(response.status).to.equal(200);
    await app.stop();
    const lines = app.jsonLines().filter((entry) => entry.message === 'esm handler');
    const own = lines.filter((entry) => entry.logger === undefined);
    const exported = lines.filter((entry) => entry.logger === 'app');
    expect(own, 'the app’s own line').to.have.length(1);
    expect(exported, 'the bridged record, through the ndjson exporter').to.have.length(1);
    for (const line of [own[0]!, exported[0]!]) {
      expect(line).to.include({ request_id: 'esm-1', path: '/api/esm' });
      expect(line.trace_id).to.match(HEX_TRACE_ID);
    }
    expect(exported[0]!.trace_id).to.equal(own[0]!.trace_id);
  });
});
