// Quarantine end to end (APITRAIL_RESPONSE=block): a plain node:http app under the zero-code
// register. A revoked key's reuse makes the detector quarantine it: its next request is answered
// 403 with an RFC 9457 problem document before the app sees it, and each block is a security event.
// An operator quarantines and lifts keys in the running process with `apitrail quarantine` (the real
// bin). Default mode (observe) never blocks: the control.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import { waitFor } from '../helpers/wait.ts';

const active = newKey('key-active', 'Active', 'tenant-a');
const revoked = { ...newKey('key-revoked', 'Revoked', 'tenant-a'), lifecycle: { revoked_at: '2026-01-01T00:00:00Z' } };

async function call(
  app: RunningApp,
  secret: string,
  requestId: string,
): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
    headers: { 'x-api-key': secret, 'x-request-id': requestId },
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

function startWith(env: Record<string, string>): Promise<RunningApp> {
  return startApp({
    script: 'examples/node-http/server.js',
    env: {
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'ndjson',
      APITRAIL_API_KEYS_FILE: writeKeysFile([active, revoked]),
      ...env,
    },
  });
}

describe('quarantine end to end: APITRAIL_RESPONSE=block', function () {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('blocks a flagged key with problem+json before the app, records each block, and lifts it by CLI', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
    app = await startWith({ APITRAIL_RESPONSE: 'block', APITRAIL_QUARANTINE_FILE: file });
    const running = app;
    // The first reuse is answered by the app (the detector has not seen it yet) and flags the key.
    expect((await call(running, revoked.secret, 'reuse-1')).status).to.equal(200);
    const blocked = await waitFor('the revoked key to be blocked', async () => {
      const answer = await call(running, revoked.secret, `reuse-${Date.now()}`);
      return answer.status === 403 ? answer : undefined;
    });
    expect(blocked.type).to.equal('application/problem+json');
    const problem = JSON.parse(blocked.body) as Record<string, unknown>;
    expect(problem).to.include({ status: 403, title: 'Forbidden: API key temporarily blocked' });
    expect(problem.type).to.be.a('string');
    expect(blocked.body, 'the app never saw it').to.not.include('scans');
    expect(blocked.body, 'the caller is not told why').to.not.include('revoked');
    expect((await call(running, active.secret, 'active-1')).status, 'control: another key').to.equal(200);

    // The operator quarantines the active key, then lifts both.
    const add = await runApitrail([
      'quarantine',
      'add',
      'key-active',
      '--file',
      file,
      '--seconds',
      '600',
      '--reason',
      'incident-42',
    ]);
    expect(add.code, add.stderr).to.equal(0);
    await waitFor('the marked key to be blocked', async () =>
      (await call(running, active.secret, `marked-${Date.now()}`)).status === 403 ? true : undefined,
    );
    const listed = await runApitrail(['quarantine', 'list', '--json', '--file', file]);
    expect((JSON.parse(listed.stdout) as { key: string; by: string }[]).map((entry) => entry.key).sort()).to.deep.equal(
      ['key-active', 'key-revoked'],
    );
    for (const key of ['key-active', 'key-revoked']) {
      const lift = await runApitrail(['quarantine', 'lift', key, '--file', file]);
      expect(lift.code, lift.stderr).to.equal(0);
    }
    await waitFor('the keys to be answered by the app again', async () =>
      (await call(running, active.secret, `lifted-${Date.now()}`)).status === 200 &&
      (await call(running, revoked.secret, `lifted-r-${Date.now()}`)).status === 200
        ? true
        : undefined,
    );

    await running.stop();
    const lines = running.jsonLines();
    const blocks = lines.filter((line) => line.event === 'apitrail.quarantine_block');
    const refusedAudits = lines.filter((line) => line.event === 'apitrail.api_request' && line.status_code === 403);
    expect(blocks.length, 'one security event per block').to.equal(refusedAudits.length);
    expect(blocks.length).to.be.at.least(2);
    expect(blocks.find((line) => line.api_key_id === 'key-revoked')).to.include({
      level: 'WARN',
      event_reason: 'quarantined',
      'apitrail.quarantine.by': 'detector',
    });
    expect(blocks.find((line) => line.api_key_id === 'key-active')).to.include({
      'apitrail.quarantine.by': process.env.USER ?? 'operator',
    });
    // The detector's decision is itself a security event, in the OWASP vocabulary (a lock), once.
    const locks = lines.filter((line) => line.event === 'authn_login_lock');
    expect(locks, 'one lock event, when the detector quarantined the key').to.have.length(1);
    expect(locks[0]).to.include({
      level: 'WARN',
      api_key_id: 'key-revoked',
      event_reason: 'quarantined',
      'apitrail.quarantine.by': 'detector',
    });
    expect(locks[0]!['apitrail.quarantine.until']).to.be.a('string');
  });

  it('strangers typing a key’s public prefix with wrong secrets from many addresses do not get it quarantined', async () => {
    // A registry entry known by its public prefix (Prowler's pk_XXXXXXXX): the first characters of
    // the key name it, the rest is the secret only the app checks. Behind a trusted proxy, so each
    // stranger has an address of its own, as on the Internet.
    const prefix = `pk_${randomBytes(6).toString('hex')}`;
    const customer = `${prefix}${randomBytes(24).toString('base64url')}`;
    const registry = join(mkdtempSync(join(tmpdir(), 'apitrail-keys-')), 'keys.json');
    writeFileSync(registry, JSON.stringify([{ id: 'key-customer', name: 'Customer', tenant_id: 't1', prefix }]), {
      mode: 0o600,
    });
    app = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_API_KEYS_FILE: registry,
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
        APITRAIL_RESPONSE: 'block',
      },
    });
    const running = app;
    const fromAddress = async (secret: string, address: string): Promise<number> =>
      (
        await fetch(`${running.baseUrl}/api/v1/scans`, {
          headers: { 'x-api-key': secret, 'x-forwarded-for': address },
        })
      ).status;
    // Eight strangers: more distinct addresses than the rule's 5, on an endpoint the app answers.
    for (let i = 1; i <= 8; i++) {
      await fromAddress(`${prefix}${randomBytes(24).toString('base64url')}`, `203.0.113.${i}`);
    }
    for (let i = 0; i < 3; i++) {
      expect(await fromAddress(customer, '198.51.100.7'), 'the customer is still served').to.equal(200);
    }
    await running.stop();
    const lines = running.jsonLines();
    expect(lines.filter((line) => line.event === 'apitrail.quarantine_block')).to.deep.equal([]);
    // The detector still says what happened, about the prefix: not about the key.
    const alert = lines.find((line) => line.event === 'apitrail.key_multiple_source_ips');
    expect(alert, 'the spread of the claimed prefix is still an alert').to.include({ api_key_prefix: prefix });
    expect(alert).to.not.have.property('api_key_id');
  });

  it('a quarantined key is refused wherever else the request carries it, whatever Authorization says', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
    const until = new Date(Date.now() + 600_000).toISOString();
    writeFileSync(
      file,
      JSON.stringify({ entries: [{ key: 'key-active', until, reason: 'incident-42', by: 'alice' }] }),
    );
    app = await startWith({ APITRAIL_RESPONSE: 'block', APITRAIL_QUARANTINE_FILE: file });
    const running = app;
    const status = async (headers: Record<string, string>): Promise<number> =>
      (await fetch(`${running.baseUrl}/api/v1/scans`, { headers })).status;
    expect(await status({ 'x-api-key': active.secret }), 'control: the key alone').to.equal(403);
    // An app reading X-API-Key authenticates each of these with the quarantined key.
    const decoys: Record<string, string> = {
      'another key in Authorization': `Bearer ${randomBytes(24).toString('base64url')}`,
      'Basic credentials': `Basic ${Buffer.from('someone:pw').toString('base64')}`,
      'a JWT-shaped bearer': 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    };
    for (const [name, authorization] of Object.entries(decoys)) {
      expect(await status({ authorization, 'x-api-key': active.secret }), name).to.equal(403);
    }
    expect(
      await status({ authorization: `Bearer ${randomBytes(24).toString('base64url')}`, 'x-api-key': revoked.secret }),
      'control: another key is served',
    ).to.equal(200);
  });

  it('observe mode (the default) never blocks, whatever the detector says', async () => {
    app = await startWith({});
    for (let i = 0; i < 5; i++) expect((await call(app, revoked.secret, `observe-${i}`)).status).to.equal(200);
    await app.stop();
    expect(
      app.jsonLines().filter((line) => line.event === 'authn_token_reuse' && line.event_kind === 'alert'),
    ).to.have.length(1);
    expect(app.jsonLines().filter((line) => line.event === 'apitrail.quarantine_block')).to.deep.equal([]);
  });
});
