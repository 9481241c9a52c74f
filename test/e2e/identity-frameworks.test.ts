// Express 5 and Fastify 5 apps under the register: the app's own auth middleware / hook calls
// setIdentity(), and error responses become OWASP security events at the real collector.
import { expect } from 'chai';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

const SERVER_SPAN_KIND = 2;

/** Request (by correlation id) → expected automatic event: OWASP name and level; and the audit record's level. */
const AUTOMATIC_EVENTS = [
  {
    requestId: 'unauthenticated',
    path: '/api/v1/scans',
    status: 401,
    event: 'authn_login_fail',
    level: 'WARN',
    auditLevel: 'WARN',
  },
  {
    requestId: 'wrong-key',
    path: '/api/v1/scans',
    status: 401,
    event: 'authn_login_fail',
    level: 'WARN',
    auditLevel: 'WARN',
  },
  {
    requestId: 'other-tenant',
    path: '/api/v1/tenants/tenant-z/scans',
    status: 403,
    event: 'authz_fail',
    level: 'CRITICAL',
    auditLevel: 'WARN',
  },
  {
    requestId: 'limited',
    path: '/api/v1/limited',
    status: 429,
    event: 'excess_rate_limit_exceeded',
    level: 'WARN',
    auditLevel: 'WARN',
  },
  {
    requestId: 'invalid',
    path: '/api/v1/scans',
    status: 422,
    event: 'input_validation_fail',
    level: 'WARN',
    auditLevel: 'WARN',
  },
  {
    requestId: 'malformed',
    path: '/api/v1/scans',
    status: 400,
    event: 'input_validation_fail',
    level: 'WARN',
    auditLevel: 'WARN',
  },
  {
    requestId: 'boom',
    path: '/api/v1/boom',
    status: 500,
    event: 'apitrail.server_error',
    level: 'ERROR',
    auditLevel: 'ERROR',
  },
] as const;

for (const framework of ['express', 'fastify'] as const) {
  describe(`${framework}: setIdentity and automatic security events, through the real collector`, function () {
    const key = newKey(`key-${framework}`, `${framework} client`, 'tenant-a');
    const wrongKey = newSecret();
    let collector: RunningCollector;
    let app: RunningApp;
    let logs: ExportedLogRecord[];

    async function call(requestId: string, path: string, init: RequestInit = {}): Promise<number> {
      const response = await fetch(`${app.baseUrl}${path}`, {
        ...init,
        headers: { 'x-request-id': requestId, 'x-api-key': key.secret, ...(init.headers as Record<string, string>) },
      });
      await response.arrayBuffer();
      return response.status;
    }

    const byRequest = (requestId: string, eventName: string) =>
      logs.filter((log) => log.eventName === eventName && log.attributes['correlation.id'] === requestId);

    before(async function () {
      ({ collector, app } = await startAppBehindCollector(this, {
        serviceName: `identity-${framework}`,
        script: `examples/${framework}/server.js`,
        env: { EXAMPLE_API_KEYS_FILE: writeKeysFile([key]) },
      }));
      const json = { 'content-type': 'application/json' };
      expect(await call('ok', '/api/v1/scans')).to.equal(200);
      expect(await call('unauthenticated', '/api/v1/scans', { headers: { 'x-api-key': '' } })).to.equal(401);
      expect(await call('wrong-key', '/api/v1/scans', { headers: { 'x-api-key': wrongKey } })).to.equal(401);
      expect(await call('other-tenant', '/api/v1/tenants/tenant-z/scans')).to.equal(403);
      expect(await call('limited', '/api/v1/limited')).to.equal(429);
      expect(await call('invalid', '/api/v1/scans', { method: 'POST', headers: json, body: '{}' })).to.equal(422);
      expect(await call('malformed', '/api/v1/scans', { method: 'POST', headers: json, body: '{"a":' })).to.equal(400);
      expect(await call('boom', '/api/v1/boom')).to.equal(500);
      expect(await call('token', '/api/v1/tokens', { method: 'POST' })).to.equal(201);
      await app.stop();
      logs = await waitFor('nine audit records at the collector', async () => {
        const records = await collector.logs();
        return records.filter((record) => record.eventName === 'apitrail.api_request').length >= 9
          ? records
          : undefined;
      });
    });

    after(async () => {
      await app?.stop();
      await collector?.stop();
    });

    it('puts the identity set by the app on the audit record, the span and the app’s own log records', async () => {
      const [record] = byRequest('ok', 'apitrail.api_request');
      expect(record!.body).to.equal(`API Request: GET /api/v1/scans [API Key: ${framework} client]`);
      expect(record!.attributes).to.include({
        'api_key.id': `key-${framework}`,
        'api_key.name': `${framework} client`,
        'tenant.id': 'tenant-a',
        'auth.method': 'api_key',
        'auth.is_api_key_request': true,
      });
      const [appLog] = logs.filter((log) => log.scope === `example-${framework}`);
      expect(appLog!.body).to.equal('listing scans');
      expect(appLog!.attributes).to.include({
        'api_key.id': `key-${framework}`,
        'api_key.name': `${framework} client`,
        'tenant.id': 'tenant-a',
        'correlation.id': 'ok',
      });
      expect(appLog!.attributes, 'only audit records count as requests').to.not.have.property(
        'auth.is_api_key_request',
      );
      // Spans are a separate export, written to the collector's file apart from the logs waited for.
      const span = await waitFor('the request’s server span at the collector', async () =>
        (await collector.spans()).find(
          (candidate) => candidate.kind === SERVER_SPAN_KIND && candidate.attributes['correlation.id'] === 'ok',
        ),
      );
      expect(span!.attributes).to.include({ 'api_key.id': `key-${framework}`, 'tenant.id': 'tenant-a' });
      expect(span!.traceId).to.equal(record!.traceId);
    });

    for (const expected of AUTOMATIC_EVENTS) {
      it(`emits ${expected.event} (${expected.level}) for a ${expected.status} response (${expected.requestId}), audited as ${expected.auditLevel}`, () => {
        const events = byRequest(expected.requestId, expected.event);
        expect(events, `${expected.event} for ${expected.requestId}`).to.have.length(1);
        const [event] = events;
        expect(event).to.include({ scope: 'apitrail.security', severityText: expected.level });
        expect(event!.attributes).to.include({
          'http.response.status_code': expected.status,
          'event.action': expected.event,
          'event.outcome': 'failure',
          'event.kind': 'event',
        });
        const [audit] = byRequest(expected.requestId, 'apitrail.api_request');
        expect(audit!.attributes['http.response.status_code']).to.equal(expected.status);
        expect(audit!.severityText, 'the audit record’s level').to.equal(expected.auditLevel);
        expect(event!.traceId).to.equal(audit!.traceId);
      });
    }

    it('reports the exception the framework caught (recordRequestException) once, sanitised, with its stack', () => {
      const events = byRequest('boom', 'apitrail.server_error');
      expect(events).to.have.length(1);
      expect(events[0]!.attributes).to.include({
        'event.reason': 'caught_exception',
        'exception.type': 'Error',
        'exception.message': 'scan backend unavailable',
      });
      const stack = String(events[0]!.attributes['exception.stacktrace']);
      expect(stack.startsWith('Error: scan backend unavailable'), stack).to.equal(true);
      expect(stack)
        .to.include('examples')
        .and.not.match(/[\r\n]/);
    });

    it('says who tried and why authentication failed, when it can tell', () => {
      const [missing] = byRequest('unauthenticated', 'authn_login_fail');
      expect(missing!.attributes).to.include({
        'event.reason': 'missing_credentials',
        'auth.method': 'unauthenticated',
      });
      const [wrong] = byRequest('wrong-key', 'authn_login_fail');
      expect(wrong!.attributes['auth.method']).to.equal('api_key');
      expect(wrong!.attributes['api_key.fingerprint']).to.match(/^[0-9a-f]{24}$/);
    });

    it('emits the app’s explicit tokenCreated event with its id', () => {
      const [event] = byRequest('token', 'authn_token_created');
      expect(event).to.include({ severityText: 'INFO', body: 'API token created' });
      expect(event!.attributes['auth.token.id']).to.match(/^[0-9a-f-]{36}$/);
      expect(event!.attributes).to.include({ 'api_key.id': `key-${framework}`, 'event.category': 'iam' });
    });

    it('leaks neither the valid nor the wrong key', async () => {
      const exported = await collector.rawOutput();
      for (const secret of [key.secret, wrongKey]) {
        for (const form of leakForms(secret)) expect(exported.includes(form)).to.equal(false);
      }
    });
  });
}
