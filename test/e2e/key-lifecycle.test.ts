// The key lifecycle end to end: a plain node:http app under the zero-code register with a registry
// file holding an active, a revoked and an expired key. Revoked and expired keys are recognised
// (not "unknown"), reported as authn_token_reuse (CRITICAL) and counted by the detector; editing
// the file while the app runs emits the lifecycle events and takes effect without a restart. All of
// it is read at the real collector.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

describe('key lifecycle end to end: register → real collector', function () {
  const active = newKey('key-active', 'Active', 'tenant-a');
  const revoked = {
    ...newKey('key-revoked', 'Revoked', 'tenant-a'),
    lifecycle: { revoked_at: '2026-01-02T03:04:05Z', revoked_by: 'ops-alice', revocation_reason: 'leaked' },
  };
  const expired = { ...newKey('key-expired', 'Expired', 'tenant-b'), lifecycle: { expires_at: '2026-01-01' } };
  const future = { ...newKey('key-future', 'Future', 'tenant-b'), lifecycle: { expires_at: '2999-01-01' } };
  const successor = { ...newKey('key-successor', 'Successor', 'tenant-a'), lifecycle: { created_by: 'ops-bob' } };

  let collector: RunningCollector;
  let app: RunningApp;
  let logs: ExportedLogRecord[];
  let rotatedRequestId: string;

  async function call(requestId: string, secret: string): Promise<number> {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
      headers: { 'x-request-id': requestId, 'x-api-key': secret },
    });
    await response.arrayBuffer();
    return response.status;
  }

  const audit = (requestId: string) =>
    app.jsonLines().find((line) => line.event === 'apitrail.api_request' && line.request_id === requestId);
  const atCollector = (eventName: string, requestId?: string) =>
    logs.filter(
      (log) =>
        log.eventName === eventName && (requestId === undefined || log.attributes['correlation.id'] === requestId),
    );

  before(async function () {
    const keysFile = writeKeysFile([active, revoked, expired, future]);
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'key-lifecycle-e2e',
      logsExporters: 'otlp,ndjson',
      env: { APITRAIL_API_KEYS_FILE: keysFile, APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex') },
    }));
    expect(await call('active', active.secret)).to.equal(200);
    expect(await call('future', future.secret)).to.equal(200);
    expect(await call('revoked-1', revoked.secret)).to.equal(200);
    expect(await call('revoked-2', revoked.secret)).to.equal(200);
    expect(await call('expired', expired.secret)).to.equal(200);
    // An operator rotates the active key: revoked by alice, replaced by a new key bob created.
    const rotatedAt = new Date(Date.now() - 1000).toISOString();
    const rotated = {
      ...active,
      lifecycle: {
        revoked_at: rotatedAt,
        revoked_by: 'ops-alice',
        revocation_reason: 'scheduled',
        rotated_to: successor.id,
      },
    };
    writeKeysFile([rotated, revoked, expired, future, successor], keysFile);
    let attempt = 0;
    const rotatedSeen = await waitFor('the rotated key to be recognised as revoked', async () => {
      const requestId = `after-rotation-${attempt++}`;
      await call(requestId, active.secret);
      await waitFor('its audit record', () => audit(requestId));
      return audit(requestId)!.api_key_status === 'revoked' ? requestId : undefined;
    });
    rotatedRequestId = rotatedSeen;
    expect(await call('successor', successor.secret)).to.equal(200);
    await app.stop();
    logs = await waitFor('the reuse events and alerts at the collector', async () => {
      const records = await collector.logs();
      const reuse = records.filter((record) => record.eventName === 'authn_token_reuse');
      return reuse.length >= 6 ? records : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  it('recognises a revoked key as that key, with its status, and reports authn_token_reuse at CRITICAL', () => {
    expect(audit('revoked-1')).to.include({
      api_key_id: 'key-revoked',
      tenant_id: 'tenant-a',
      api_key_status: 'revoked',
    });
    const [event] = atCollector('authn_token_reuse', 'revoked-1').filter(
      (log) => log.attributes['event.kind'] === 'event',
    );
    expect(event, 'authn_token_reuse of revoked-1').to.not.equal(undefined);
    expect(event!.severityText).to.equal('CRITICAL');
    expect(event!.attributes).to.include({
      'auth.token.id': 'key-revoked',
      'api_key.id': 'key-revoked',
      'api_key.status': 'revoked',
      'event.reason': 'revoked_api_key',
      'event.outcome': 'failure',
    });
  });

  it('recognises an expired key; a key expiring later and the active key are normal requests (control)', () => {
    expect(audit('expired')).to.include({ api_key_id: 'key-expired', api_key_status: 'expired' });
    expect(atCollector('authn_token_reuse', 'expired')[0]!.attributes).to.include({
      'event.reason': 'expired_api_key',
    });
    for (const requestId of ['active', 'future', 'successor']) {
      expect(audit(requestId), requestId).to.have.property('api_key_id');
      expect(audit(requestId), requestId).to.not.have.property('api_key_status');
      expect(atCollector('authn_token_reuse', requestId), requestId).to.deep.equal([]);
    }
  });

  it('counts reuse in the detector: one CRITICAL alert per key per cooldown', () => {
    const alerts = atCollector('authn_token_reuse').filter((log) => log.attributes['event.kind'] === 'alert');
    const byKey = new Map(alerts.map((alert) => [alert.attributes['api_key.id'], alert]));
    expect([...byKey.keys()].sort()).to.deep.equal(['key-active', 'key-expired', 'key-revoked']);
    expect(alerts).to.have.length(3);
    expect(byKey.get('key-revoked')!.severityText).to.equal('CRITICAL');
    expect(byKey.get('key-revoked')!.attributes['security_rule.name']).to.equal('apitrail_revoked_key_reuse');
  });

  it('emits the lifecycle events of a registry file edit, with actor and reason, and applies it live', () => {
    const [revocation] = atCollector('authn_token_revoked');
    expect(revocation!.attributes).to.include({
      'auth.token.id': 'key-active',
      'auth.token.change': 'rotated',
      'auth.token.actor': 'ops-alice',
      'auth.token.replaced_by': 'key-successor',
      'event.reason': 'scheduled',
    });
    const [creation] = atCollector('authn_token_created');
    expect(creation!.attributes).to.include({
      'auth.token.id': 'key-successor',
      'auth.token.change': 'created',
      'auth.token.actor': 'ops-bob',
    });
    // Entries that did not change emit nothing.
    expect(atCollector('authn_token_revoked')).to.have.length(1);
    expect(atCollector('authn_token_created')).to.have.length(1);
    expect(audit(rotatedRequestId)).to.include({ api_key_id: 'key-active', api_key_status: 'revoked' });
  });
});
