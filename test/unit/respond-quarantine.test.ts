// Quarantine through the programmatic API: apitrailComponents() in block mode exposes the list,
// add/lift change what the gate refuses, expiry lifts by itself, and observe mode has no list.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apitrailComponents } from '@apitrail/auto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { Quarantine, QuarantineLogRecordProcessor, quarantineGate, readResponseConfig } from '@apitrail/respond';
import { MAX_DETECTOR_FINGERPRINTS } from '@apitrail/respond/internal';
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

describe('respond: what the detector may quarantine is bounded', () => {
  /** Feeds the processor one alert about `subject` (an api_key.id or api_key.fingerprint). */
  function alertAbout(processor: QuarantineLogRecordProcessor, subject: Record<string, string>): void {
    processor.onEmit({
      attributes: {
        'event.kind': 'alert',
        'apitrail.alert.subject': 'api_key',
        'security_rule.name': 'apitrail_key_multiple_source_ips',
        ...subject,
      },
    } as unknown as ReadWriteLogRecord);
  }

  it('garbage keys (unregistered fingerprints) fill at most their cap; registered keys are still quarantined', () => {
    let now = 1_000_000;
    const quarantine = new Quarantine(undefined, () => now);
    const processor = new QuarantineLogRecordProcessor(quarantine, readResponseConfig({ APITRAIL_RESPONSE: 'block' }));
    // Each random key used from six addresses is an alert about a fingerprint the attacker chose.
    for (let n = 0; n < MAX_DETECTOR_FINGERPRINTS + 500; n++) {
      alertAbout(processor, { 'api_key.fingerprint': randomBytes(12).toString('hex') });
    }
    expect(quarantine.list()).to.have.length(MAX_DETECTOR_FINGERPRINTS);
    alertAbout(processor, { 'api_key.id': 'key-leaked' });
    expect(quarantine.blocking('key-leaked'), 'a registered key is not crowded out').to.not.equal(undefined);

    // Once those quarantines run out, they are forgotten: the cap counts live entries only.
    now += 3600_000;
    alertAbout(processor, { 'api_key.fingerprint': 'feedface' });
    expect(quarantine.blocking('fingerprint:feedface')).to.not.equal(undefined);
    expect(quarantine.size, 'expired entries are not kept').to.equal(1);
  });
});
