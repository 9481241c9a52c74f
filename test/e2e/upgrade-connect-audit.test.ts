// Requests a node:http server hands to its 'upgrade' and 'connect' listeners (a WebSocket handshake,
// a CONNECT to a forward proxy) instead of 'request': the app answers on the raw socket, and each must
// still get exactly one audit record, with the status the app wrote (101, 401, 403, 200), the caller's
// identity (the app's setIdentity() from the listener too), the automatic security event of a 401 or
// 403, and 499/aborted when the client gave up before any answer. A WebSocket that stays open and
// then closes is one record, not two. Real app under the register (test/fixtures/upgrade-app.cjs),
// raw sockets as clients, NDJSON.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { type RunningApp } from '../helpers/app.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { auditRecords, otherEvents, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';
import { waitFor } from '../helpers/wait.ts';

/** Opens a connection, writes `head`, and resolves with the socket once the first bytes come back. */
function handshake(port: number, head: string): Promise<{ socket: Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    socket.once('data', (chunk) => resolve({ socket, answer: chunk.toString('latin1') }));
    socket.once('error', reject);
  });
}

describe('requests answered by upgrade and connect listeners, under the register', function () {
  const key = newSecret();
  let app: RunningApp;
  let port: number;

  const records = (requestId: string) => auditRecords(app, requestId);
  const events = (requestId: string) => otherEvents(app, requestId);
  const upgrade = (requestId: string, path: string, extra = '') =>
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
    `X-Request-ID: ${requestId}\r\nX-API-Key: ${key}\r\n${extra}\r\n`;
  const connectTo = (requestId: string, authority: string) =>
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nX-Request-ID: ${requestId}\r\n\r\n`;

  before(async function () {
    app = await startNdjsonApp('test/fixtures/upgrade-app.cjs');
    port = Number(new URL(app.baseUrl).port);

    const open = await handshake(port, upgrade('ws-open', '/ws'));
    expect(open.answer).to.match(/^HTTP\/1\.1 101 /);
    const identified = await handshake(port, upgrade('ws-identity', '/ws-identity'));
    expect(identified.answer).to.match(/^HTTP\/1\.1 101 /);
    identified.socket.end();
    const denied = await handshake(port, upgrade('ws-denied', '/ws', 'X-Deny: 1\r\n'));
    expect(denied.answer).to.match(/^HTTP\/1\.1 401 /);
    const refused = await handshake(port, connectTo('connect-refused', 'blocked.test:443'));
    expect(refused.answer).to.match(/^HTTP\/1\.1 403 /);
    const tunnel = await handshake(port, connectTo('connect-allowed', 'allowed.test:443'));
    expect(tunnel.answer).to.match(/^HTTP\/1\.1 200 /);

    const hanging = connect(port, '127.0.0.1', () => hanging.write(upgrade('ws-abandoned', '/ws-hang')));
    hanging.on('error', () => undefined);
    await waitFor('the app to have the hanging handshake', () => app.jsonLines().find((line) => line.hanging));
    hanging.destroy();

    // The open WebSocket lives on for a while, then the client closes it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    open.socket.end();
    await new Promise((resolve) => open.socket.once('close', resolve));

    const ids = ['ws-open', 'ws-identity', 'ws-denied', 'connect-refused', 'connect-allowed', 'ws-abandoned'];
    await waitForAuditRecords(app, ids);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('records a WebSocket handshake once, with status 101 and the key’s fingerprint, though the socket lived on', () => {
    expect(records('ws-open')).to.have.length(1);
    expect(records('ws-open')[0]).to.include({
      method: 'GET',
      path: '/ws',
      status_code: 101,
      authentication_method: 'api_key',
      is_api_key_request: true,
    });
    expect(records('ws-open')[0]!.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect(records('ws-open')[0]).to.not.have.property('aborted');
  });

  it('puts the identity the upgrade listener set on the record', () => {
    expect(records('ws-identity')).to.have.length(1);
    expect(records('ws-identity')[0]).to.include({
      status_code: 101,
      api_key_id: 'key-ws',
      api_key_name: 'WebSocket Client',
      tenant_id: 'tenant-ws',
    });
  });

  it('records a refused handshake as the 401 it was, with authn_login_fail', () => {
    expect(records('ws-denied')).to.have.length(1);
    expect(records('ws-denied')[0]).to.include({ status_code: 401, level: 'WARN', event_outcome: 'failure' });
    expect(events('ws-denied').map((event) => event.event)).to.deep.equal(['authn_login_fail']);
  });

  it('records CONNECT requests with the status the listener wrote, and authz_fail for a 403', () => {
    expect(records('connect-refused')).to.have.length(1);
    expect(records('connect-refused')[0]).to.include({ method: 'CONNECT', status_code: 403 });
    expect(events('connect-refused').map((event) => event.event)).to.deep.equal(['authz_fail']);
    expect(records('connect-allowed')).to.have.length(1);
    expect(records('connect-allowed')[0]).to.include({ method: 'CONNECT', status_code: 200 });
  });

  it('records a handshake the client gave up on before any answer as 499, aborted', () => {
    expect(records('ws-abandoned')).to.have.length(1);
    expect(records('ws-abandoned')[0]).to.include({ status_code: 499, aborted: true });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const form of leakForms(key)) expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
  });
});

describe('a quarantined key on a WebSocket handshake (APITRAIL_RESPONSE=block), under the register', function () {
  const quarantined = newKey('key-ws-quarantined', 'Quarantined', 'tenant-q');
  const allowed = newKey('key-ws-allowed', 'Allowed', 'tenant-q');
  let app: RunningApp;
  const answers: Record<string, string> = {};

  const handshakeWith = (requestId: string, secret: string) =>
    `GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
    `X-Request-ID: ${requestId}\r\nX-API-Key: ${secret}\r\n\r\n`;

  before(async function () {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
    const add = await runApitrail(['quarantine', 'add', quarantined.id, '--file', file, '--seconds', '600']);
    expect(add.code, add.stderr).to.equal(0);
    app = await startNdjsonApp('test/fixtures/upgrade-app.cjs', {
      APITRAIL_API_KEYS_FILE: writeKeysFile([quarantined, allowed]),
      APITRAIL_RESPONSE: 'block',
      APITRAIL_QUARANTINE_FILE: file,
    });
    const port = Number(new URL(app.baseUrl).port);
    for (const [requestId, secret] of [
      ['ws-quarantined', quarantined.secret],
      ['ws-allowed', allowed.secret],
    ] as const) {
      const { socket, answer } = await handshake(port, handshakeWith(requestId, secret));
      answers[requestId] = answer;
      socket.destroy();
    }
    await waitForAuditRecords(app, ['ws-quarantined', 'ws-allowed']);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('refuses the handshake with 403 problem+json before the app’s upgrade listener, and records the block', () => {
    expect(answers['ws-quarantined']).to.match(/^HTTP\/1\.1 403 /);
    expect(answers['ws-quarantined']!.toLowerCase()).to.include('content-type: application/problem+json');
    const lines = app.jsonLines().filter((line) => line.request_id === 'ws-quarantined');
    expect(lines.filter((line) => line.event === 'apitrail.api_request')).to.have.length(1);
    expect(lines.find((line) => line.event === 'apitrail.api_request')).to.include({
      status_code: 403,
      api_key_id: quarantined.id,
    });
    expect(lines.filter((line) => line.event === 'apitrail.quarantine_block')).to.have.length(1);
  });

  it('lets another key’s handshake through to the app (101)', () => {
    expect(answers['ws-allowed']).to.match(/^HTTP\/1\.1 101 /);
  });
});
