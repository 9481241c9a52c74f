// An HTTP/2 server (node:http2's compatibility API) under the register: each request (a stream) gets
// its one audit record, with the caller's identity (a key's fingerprint, the app's setIdentity()),
// the status, the automatic security event of a 401, the correlation id echoed, and 499/aborted for
// a stream the client cancelled. Real app (test/fixtures/http2-app.cjs), node:http2 client, NDJSON.
import { expect } from 'chai';
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { type RunningApp } from '../helpers/app.ts';
import { leakForms, newSecret } from '../helpers/identity-keys.ts';
import { auditRecords, otherEvents, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';
import { waitFor } from '../helpers/wait.ts';

/** One request on `session`: resolves with the response headers once the stream has closed. */
function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let answer: Record<string, unknown> = {};
    stream.on('response', (received) => (answer = received));
    stream.on('error', reject);
    stream.resume();
    stream.on('close', () => resolve(answer));
    stream.end();
  });
}

describe('HTTP/2 requests, under the register', function () {
  const key = newSecret();
  let app: RunningApp;
  const answers: Record<string, Record<string, unknown>> = {};

  const records = (requestId: string) => auditRecords(app, requestId);
  const events = (requestId: string) => otherEvents(app, requestId);

  before(async function () {
    app = await startNdjsonApp('test/fixtures/http2-app.cjs');
    const session = connect(app.baseUrl);
    try {
      // Concurrent streams on one connection, as HTTP/2 clients send them.
      const sent: [string, OutgoingHttpHeaders][] = [
        ['h2-key', { ':path': '/api/v1/scans?provider=aws', 'x-api-key': key }],
        ['h2-identity', { ':path': '/identity' }],
        ['h2-denied', { ':path': '/status/401', authorization: `Bearer ${newSecret()}` }],
        ['h2-head', { ':path': '/api/v1/scans', ':method': 'HEAD' }],
      ];
      await Promise.all(
        sent.map(async ([requestId, headers]) => {
          answers[requestId] = await request(session, { 'x-request-id': requestId, ...headers });
        }),
      );
      const hanging = session.request({ ':path': '/hang', 'x-request-id': 'h2-cancelled' });
      hanging.on('error', () => undefined);
      hanging.end();
      await waitFor('the app to have the stream that hangs', () => app.jsonLines().find((line) => line.hanging));
      hanging.close(constants.NGHTTP2_CANCEL);
      await waitForAuditRecords(app, ['h2-key', 'h2-identity', 'h2-denied', 'h2-head', 'h2-cancelled']);
    } finally {
      session.close();
    }
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('records a request with an API key once, by fingerprint, with its path, query and status', () => {
    expect(records('h2-key')).to.have.length(1);
    expect(records('h2-key')[0]).to.include({
      method: 'GET',
      path: '/api/v1/scans',
      status_code: 200,
      authentication_method: 'api_key',
      is_api_key_request: true,
      source_ip: '127.0.0.1',
    });
    expect(records('h2-key')[0]!.query_params).to.deep.equal({ provider: 'aws' });
    expect(records('h2-key')[0]!.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect(answers['h2-key']!['x-request-id'], 'the correlation id echoed').to.equal('h2-key');
  });

  it('puts the identity the app set after an await on the record', () => {
    expect(records('h2-identity')).to.have.length(1);
    expect(records('h2-identity')[0]).to.include({ api_key_id: 'key-h2', tenant_id: 'tenant-h2' });
  });

  it('records a 401 with authn_login_fail, and a HEAD', () => {
    expect(records('h2-denied')).to.have.length(1);
    expect(records('h2-denied')[0]).to.include({ status_code: 401, level: 'WARN' });
    expect(events('h2-denied').map((event) => event.event)).to.deep.equal(['authn_login_fail']);
    expect(records('h2-head')).to.have.length(1);
    expect(records('h2-head')[0]).to.include({ method: 'HEAD', status_code: 200 });
  });

  it('records a stream the client cancelled before an answer as 499, aborted', () => {
    expect(records('h2-cancelled')).to.have.length(1);
    expect(records('h2-cancelled')[0]).to.include({ status_code: 499, aborted: true });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const form of leakForms(key)) expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
  });
});
