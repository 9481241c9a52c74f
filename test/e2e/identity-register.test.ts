// Caller identity end to end: a plain node:http app under the zero-code register, every credential
// form, sending spans and records over OTLP into the real collector and NDJSON to stdout. Keys are
// generated at test time and searched for in everything that was exported.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord, ExportedSpan } from '../helpers/otlp-json.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';
import { jsonTracesTo, startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';
import { correlationSeenEverywhere } from '../helpers/request-scope-app.ts';
import { decodeSpanLines } from '../helpers/otlp-json.ts';

const SERVER_SPAN_KIND = 2;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function jwt(payload: object, signature: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.${signature}`;
}

describe('identity end to end: register → real collector, and NDJSON', function () {
  const registered = newKey('key-prod-scanner', 'Production Scanner', 'tenant-a');
  const unregistered = newSecret();
  const inQuery = newSecret();
  const password = newSecret('pw_');
  const signature = randomBytes(32).toString('base64url');
  const token = jwt({ sub: 'user-7', iss: 'https://issuer.test' }, signature);
  const basicCredential = Buffer.from(`alice:${password}`).toString('base64');
  const hostileIds = ['a'.repeat(300), '<script>alert(1)</script>', '../../etc/passwd', 'id with spaces'];
  const secrets = [registered.secret, unregistered, inQuery, password, token, signature, basicCredential];

  let collector: RunningCollector;
  let app: RunningApp;
  let logs: ExportedLogRecord[];
  let spans: ExportedSpan[];
  const echoed = new Map<string, string | null>();

  async function call(requestId: string, headers: Record<string, string>, path = '/api/v1/scans'): Promise<number> {
    const response = await fetch(`${app.baseUrl}${path}`, { headers: { 'x-request-id': requestId, ...headers } });
    await response.arrayBuffer();
    echoed.set(requestId, response.headers.get('x-request-id'));
    return response.status;
  }

  const audit = (requestId: string) =>
    app.jsonLines().find((line) => line.event === 'apitrail.api_request' && line.request_id === requestId);
  const auditAtCollector = (requestId: string) =>
    logs.find((log) => log.eventName === 'apitrail.api_request' && log.attributes['correlation.id'] === requestId);
  const spanOf = (requestId: string) =>
    spans.find((span) => span.kind === SERVER_SPAN_KIND && span.attributes['correlation.id'] === requestId);

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'identity-e2e',
      logsExporters: 'otlp,ndjson',
      env: {
        APITRAIL_API_KEYS_FILE: writeKeysFile([registered]),
        APITRAIL_API_KEY_QUERY_PARAM: 'api_key',
        APITRAIL_JWT_IDENTITY_CLAIMS: 'sub',
        APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
      },
    }));
    expect(await call('x-api-key', { 'x-api-key': registered.secret })).to.equal(200);
    expect(await call('bearer', { authorization: `Bearer ${registered.secret}` })).to.equal(200);
    expect(await call('unregistered', { authorization: `ApiKey ${unregistered}` })).to.equal(200);
    expect(await call('unregistered-again', { 'x-api-key': unregistered })).to.equal(200);
    expect(await call('query', {}, `/api/v1/scans?api_key=${encodeURIComponent(inQuery)}&provider=aws`)).to.equal(200);
    expect(await call('query-again', {}, `/api/v1/scans?api_key=${encodeURIComponent(inQuery)}`)).to.equal(200);
    expect(await call('basic', { authorization: `Basic ${basicCredential}` })).to.equal(200);
    expect(await call('jwt', { authorization: `Bearer ${token}` })).to.equal(200);
    expect(await call('spoof', { 'x-api-key': registered.secret, 'x-tenant-id': 'tenant-b' })).to.equal(200);
    expect(await call('xff', { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=7.7.7.7' })).to.equal(200);
    for (const [index, hostile] of hostileIds.entries()) {
      expect(await call(hostile, { 'user-agent': `hostile-${index}` })).to.equal(200);
    }
    await app.stop();
    logs = await waitFor('every audit record at the collector', async () => {
      const records = await collector.logs();
      const audits = records.filter((record) => record.eventName === 'apitrail.api_request');
      return audits.length >= 10 + hostileIds.length ? records : undefined;
    });
    spans = await collector.spans();
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  it('identifies a registered key from X-API-Key and from Bearer, on the audit record and the span', () => {
    for (const requestId of ['x-api-key', 'bearer']) {
      expect(audit(requestId), requestId).to.include({
        api_key_id: 'key-prod-scanner',
        api_key_name: 'Production Scanner',
        tenant_id: 'tenant-a',
        authentication_method: 'api_key',
        is_api_key_request: true,
        message: 'API Request: GET /api/v1/scans [API Key: Production Scanner]',
      });
      expect(auditAtCollector(requestId)!.attributes).to.include({
        'api_key.id': 'key-prod-scanner',
        'api_key.name': 'Production Scanner',
        'tenant.id': 'tenant-a',
        'auth.method': 'api_key',
        'auth.is_api_key_request': true,
      });
      expect(spanOf(requestId)!.attributes, requestId).to.include({
        'api_key.id': 'key-prod-scanner',
        'api_key.name': 'Production Scanner',
        'tenant.id': 'tenant-a',
        'auth.method': 'api_key',
      });
    }
  });

  it('gives an unregistered key a stable fingerprint and no id', () => {
    const first = audit('unregistered')!;
    expect(first).to.include({ authentication_method: 'api_key', is_api_key_request: true });
    expect(first).to.not.have.property('api_key_id');
    expect(first.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect(audit('unregistered-again')!.api_key_fingerprint).to.equal(first.api_key_fingerprint);
    expect(spanOf('unregistered')!.attributes['api_key.fingerprint']).to.equal(first.api_key_fingerprint);
    expect(audit('x-api-key')!.api_key_fingerprint).to.not.equal(first.api_key_fingerprint);
  });

  it('flags a key in the query string, redacts it, and warns once per key', () => {
    expect(audit('query')).to.include({ api_key_in_query: true, authentication_method: 'api_key' });
    // apitrail writes REDACTED; the redaction processor downstream may mask that again as [REDACTED].
    const masked = ['REDACTED', '[REDACTED]'];
    const params = audit('query')!.query_params as Record<string, string>;
    expect(params.provider).to.equal('aws');
    expect(masked).to.include(params.api_key);
    const spanQuery = new URLSearchParams(spanOf('query')!.attributes['url.query'] as string);
    expect(masked).to.include(spanQuery.get('api_key'));
    expect(spanQuery.get('provider')).to.equal('aws');
    const warnings = logs.filter((log) => log.eventName === 'apitrail.api_key_in_query');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include({ severityText: 'WARN', scope: 'apitrail.security' });
    expect(warnings[0]!.attributes['api_key.fingerprint']).to.equal(audit('query')!.api_key_fingerprint);
  });

  it('takes the Basic user name, never the password', () => {
    expect(audit('basic')).to.include({ authentication_method: 'basic', user_id: 'alice', is_api_key_request: false });
    expect(spanOf('basic')!.attributes).to.include({ 'auth.method': 'basic', 'user.id': 'alice' });
  });

  it('classifies a JWT and takes its sub as identity when configured', () => {
    expect(audit('jwt')).to.include({ authentication_method: 'jwt', user_id: 'user-7', is_api_key_request: false });
  });

  it('refuses a spoofed tenant header, records the claim and reports authz_fail tenant_mismatch', () => {
    expect(audit('spoof')).to.include({ tenant_id: 'tenant-a', tenant_claimed_id: 'tenant-b' });
    expect(spanOf('spoof')!.attributes).to.include({ 'tenant.id': 'tenant-a', 'tenant.claimed_id': 'tenant-b' });
    const mismatches = logs.filter(
      (log) => log.eventName === 'authz_fail' && log.attributes['event.reason'] === 'tenant_mismatch',
    );
    expect(mismatches).to.have.length(1);
    expect(mismatches[0]).to.include({ severityText: 'CRITICAL', scope: 'apitrail.security' });
    expect(mismatches[0]!.attributes).to.include({
      'correlation.id': 'spoof',
      'api_key.id': 'key-prod-scanner',
      'tenant.id': 'tenant-a',
      'tenant.claimed_id': 'tenant-b',
      'event.category': 'iam',
      'event.outcome': 'failure',
      'event.action': 'authz_fail',
    });
    expect(mismatches[0]!.traceId).to.equal(spanOf('spoof')!.traceId);
  });

  it('replaces hostile correlation ids and records only their length', () => {
    for (const hostile of hostileIds) {
      const generated = echoed.get(hostile);
      expect(generated, hostile).to.match(UUID_V7);
      const record = app.jsonLines().find((line) => line.request_id === generated)!;
      expect(record.rejected_request_id_length).to.equal(hostile.length);
      expect(spanOf(generated!)!.attributes['correlation.rejected_id_length']).to.equal(hostile.length);
    }
  });

  it('ignores a spoofed X-Forwarded-For / Forwarded without a trusted proxy', () => {
    expect(audit('xff')!.source_ip).to.equal('127.0.0.1');
    expect(spanOf('xff')!.attributes['client.address']).to.equal('127.0.0.1');
  });

  it('exports no secret, in any encoding, and no hostile value, anywhere', async () => {
    const exported = (await collector.rawOutput()) + app.stdout() + app.stderr();
    expect(exported.length).to.be.above(10_000);
    for (const secret of secrets) {
      for (const form of leakForms(secret))
        expect(exported.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
    }
    for (const hostile of [...hostileIds, '6.6.6.6', '7.7.7.7']) {
      expect(exported.includes(hostile), hostile).to.equal(false);
    }
  });
});

describe('identity configuration through the register', function () {
  it('trusts X-Forwarded-For from a configured proxy and audits only API-key requests when asked', async () => {
    const key = newKey('key-1', 'One', 'tenant-1');
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_API_KEYS_FILE: writeKeysFile([key]),
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
        APITRAIL_AUDIT_SCOPE: 'api_key',
      },
    });
    await (await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).text();
    await (
      await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.8', 'x-api-key': key.secret },
      })
    ).text();
    await app.stop();
    const audits = app.jsonLines().filter((line) => line.event === 'apitrail.api_request');
    expect(audits).to.have.length(1);
    expect(audits[0]).to.include({ api_key_id: 'key-1', source_ip: '203.0.113.8' });
    expect(app.stderr()).to.include('APITRAIL_FINGERPRINT_KEY is not set');
  });

  for (const [variable, value] of [
    ['APITRAIL_TRUSTED_PROXIES', 'everyone'],
    ['APITRAIL_API_KEYS_FILE', '/nonexistent/keys.json'],
    ['APITRAIL_AUDIT_SCOPE', 'most'],
    ['APITRAIL_TRUST_TENANT_HEADER', 'perhaps'],
  ] as const) {
    it(`refuses to start on a malformed ${variable} and names it`, async () => {
      const error = await startApp({ script: 'examples/node-http/server.js', env: { [variable]: value } }).then(
        () => undefined,
        (failure: Error) => failure,
      );
      expect(error, 'the app must not start').to.be.instanceOf(Error);
      expect(error!.message).to.include(`apitrail: invalid configuration: ${variable}:`);
    });
  }
});

describe('within and at the end of a request, under the register', function () {
  let recorder: OtlpRecorder;
  let app: RunningApp;
  let spans: ExportedSpan[];
  let seen: Record<string, unknown>;

  const serverSpan = (requestId: string): ExportedSpan => {
    const span = spans.find(
      (candidate) => candidate.kind === SERVER_SPAN_KIND && candidate.attributes['correlation.id'] === requestId,
    );
    expect(span, `the server span of ${requestId}`).to.not.equal(undefined);
    return span!;
  };
  const audit = (requestId: string) =>
    app.jsonLines().find((line) => line.event === 'apitrail.api_request' && line.request_id === requestId);

  before(async function () {
    recorder = await startOtlpRecorder();
    app = await startApp({
      script: 'test/fixtures/request-scope-app.cjs',
      env: {
        ...jsonTracesTo(recorder),
        OTEL_LOGS_EXPORTER: 'ndjson',
      },
    });
    const call = async (requestId: string, path: string): Promise<Response> =>
      fetch(`${app.baseUrl}${path}`, { headers: { 'x-request-id': requestId } });
    expect((await call('ok', '/status/204')).status).to.equal(204);
    expect((await call('client-error', '/status/404')).status).to.equal(404);
    expect((await call('server-error', '/status/503')).status).to.equal(503);
    const correlation = await call('async-work', '/correlation');
    seen = (await correlation.json()) as Record<string, unknown>;

    const giveUp = new AbortController();
    const hanging = fetch(`${app.baseUrl}/hang`, { headers: { 'x-request-id': 'aborted' }, signal: giveUp.signal });
    hanging.catch(() => undefined);
    await waitFor('the app to have the request that hangs', () => app.jsonLines().find((line) => line.hanging));
    giveUp.abort();
    await waitFor('the audit record of the aborted request', () => audit('aborted'));
    await app.stop();
    spans = recorder.exports.flatMap((sent) => decodeSpanLines(sent.body.toString()));
  });

  after(async () => {
    await app?.stop();
    await recorder?.stop();
  });

  it('puts event.outcome on the server span when it ends, as the audit record has it', () => {
    for (const [requestId, outcome] of [
      ['ok', 'success'],
      ['client-error', 'failure'],
      ['server-error', 'failure'],
    ] as const) {
      expect(serverSpan(requestId).attributes['event.outcome'], requestId).to.equal(outcome);
      expect(serverSpan(requestId).attributes, requestId).to.not.have.property('apitrail.request.aborted');
    }
  });

  it('marks the server span of a request the client gave up on as aborted and failed', () => {
    expect(serverSpan('aborted').attributes).to.include({
      'event.outcome': 'failure',
      'apitrail.request.aborted': true,
    });
    expect(audit('aborted')).to.include({ aborted: true, status_code: 499 });
  });

  it('keeps the correlation id across await, setTimeout, setImmediate and promise chains in a request', () => {
    expect(seen).to.deep.equal(correlationSeenEverywhere('async-work'));
  });
});
