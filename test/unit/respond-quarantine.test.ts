// Quarantine through the programmatic API: apitrailComponents() in block mode exposes the list,
// add/lift change what the gate refuses, expiry lifts by itself, and observe mode has no list.
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apitrailComponents } from '@apitrail/auto';
import { Quarantine, quarantineGate, readResponseConfig } from '@apitrail/respond';
import type { RequestContext } from '@apitrail/core';

const env = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', APITRAIL_GEOIP_DB: 'none' };

function requestOf(identity: Partial<RequestContext['identity']>): RequestContext {
  return { correlationId: 'req-1', identity: { authenticationMethod: 'api_key', isApiKeyRequest: true, ...identity } };
}

describe('respond: quarantine API', () => {
  it('apitrailComponents exposes the list in block mode; add and lift change what is refused', () => {
    const { quarantine } = apitrailComponents({ env: { ...env, APITRAIL_RESPONSE: 'block' } });
    expect(quarantine).to.not.equal(undefined);
    const gate = quarantineGate(quarantine!, 403);
    expect(gate.refusal(requestOf({ apiKeyId: 'k1' })), 'nothing quarantined yet').to.equal(undefined);
    quarantine!.add('k1', 60, 'incident', 'alice');
    quarantine!.add('fingerprint:00ff', 60, 'incident', 'alice');
    const refusal = gate.refusal(requestOf({ apiKeyId: 'k1' }))!;
    expect(refusal).to.include({ status: 403, reason: 'quarantined' });
    expect(JSON.parse(refusal.body)).to.include({ status: 403, request_id: 'req-1' });
    expect(gate.refusal(requestOf({ apiKeyFingerprint: '00ff' }))).to.not.equal(undefined);
    expect(gate.refusal(requestOf({ apiKeyId: 'k2' })), 'control: another key').to.equal(undefined);
    expect(quarantine!.lift('k1')).to.equal(true);
    expect(gate.refusal(requestOf({ apiKeyId: 'k1' }))).to.equal(undefined);
    expect(quarantine!.lift('k1')).to.equal(false);
  });

  it('observe (the default) builds no list', () => {
    expect(apitrailComponents({ env }).quarantine).to.equal(undefined);
    expect(readResponseConfig({}).mode).to.equal('observe');
    expect(() => readResponseConfig({ APITRAIL_RESPONSE: 'kill' })).to.throw(/APITRAIL_RESPONSE/);
  });

  it('an entry expires by itself, and the file holds what the process decided', () => {
    let now = 1_000_000;
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-q-')), 'q.json');
    const quarantine = new Quarantine(file, () => now);
    quarantine.add('k1', 10, 'apitrail_revoked_key_reuse', 'detector');
    expect(JSON.parse(readFileSync(file, 'utf8')).entries[0]).to.include({ key: 'k1', by: 'detector' });
    expect(new Quarantine(file, () => now).blocking('k1'), 'read back from the file').to.not.equal(undefined);
    now += 10_000;
    expect(quarantine.blocking('k1')).to.equal(undefined);
    expect(quarantine.list()).to.deep.equal([]);
  });
});
