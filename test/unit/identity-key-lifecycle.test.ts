// The key lifecycle API, registry lifecycle fields and their diff, against a real OTel LoggerProvider
// with an in-memory exporter.
import { expect } from 'chai';
import { logs } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ApitrailConfigError } from '@apitrail/core';
import { createKeyRegistry, emitRegistryChanges, keyLifecycle, keyStatusAt } from '@apitrail/identity/internal';

const exporter = new InMemoryLogRecordExporter();
const DIGEST = 'ab'.repeat(32);

function emitted(): { name: string | undefined; severity: string | undefined; attributes: Record<string, unknown> }[] {
  return exporter.getFinishedLogRecords().map((record) => ({
    name: record.eventName,
    severity: record.severityText,
    attributes: { ...record.attributes },
  }));
}

describe('identity: key lifecycle', () => {
  before(() => {
    logs.disable();
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }));
  });
  after(() => logs.disable());
  beforeEach(() => exporter.reset());

  it('emits one OWASP event per change with token id, change, actor and reason', () => {
    keyLifecycle.created({ keyId: 'k2', actor: 'alice' });
    keyLifecycle.rotated({ keyId: 'k1', replacedBy: 'k2', actor: 'alice' });
    keyLifecycle.revoked({ keyId: 'k3', actor: 'bob', reason: 'leaked' });
    keyLifecycle.expired({ keyId: 'k4' });
    keyLifecycle.deleted({ keyId: 'k5', actor: 'carol' });
    expect(emitted().map((event) => [event.name, event.attributes['auth.token.change']])).to.deep.equal([
      ['authn_token_created', 'created'],
      ['authn_token_revoked', 'rotated'],
      ['authn_token_revoked', 'revoked'],
      ['authn_token_revoked', 'expired'],
      ['authn_token_delete', 'deleted'],
    ]);
    const [created, rotated, revoked, expired] = emitted();
    expect(created!.attributes).to.include({ 'auth.token.id': 'k2', 'auth.token.actor': 'alice' });
    expect(created!.attributes).to.not.have.property('event.reason');
    expect(rotated!.attributes).to.include({ 'auth.token.replaced_by': 'k2', 'event.reason': 'rotated' });
    expect(revoked!.attributes).to.include({ 'auth.token.actor': 'bob', 'event.reason': 'leaked' });
    expect(expired!.attributes).to.include({ 'event.reason': 'expired' });
    expect(expired!.attributes).to.not.have.property('auth.token.actor');
  });

  it('reads lifecycle fields from registry entries and tells the status at a time', () => {
    const registry = createKeyRegistry('TEST', [
      { id: 'r', sha256: DIGEST, revoked_at: '2026-03-01T00:00:00Z', revoked_by: 'ops', revocation_reason: 'leak' },
      { id: 'e', sha256: DIGEST, expires_at: '2026-03-01' },
    ]);
    const [revoked, expiring] = registry.keys;
    const before = Date.parse('2026-02-28T23:59:59Z');
    const after = Date.parse('2026-03-01T00:00:00Z');
    expect(keyStatusAt(revoked!, before)).to.equal(undefined);
    expect(keyStatusAt(revoked!, after)).to.equal('revoked');
    expect(keyStatusAt(expiring!, before)).to.equal(undefined);
    expect(keyStatusAt(expiring!, after)).to.equal('expired');
    expect(revoked!.lifecycle).to.deep.equal({ revokedBy: 'ops', revocationReason: 'leak' });
  });

  it('refuses a lifecycle time that is not an ISO date, naming the entry and the field', () => {
    for (const bad of ['yesterday', '03/01/2026', '2026-13-45']) {
      expect(() => createKeyRegistry('APITRAIL_API_KEYS_FILE', [{ id: 'x', sha256: DIGEST, revoked_at: bad }]))
        .to.throw(ApitrailConfigError)
        .with.property('message')
        .that.matches(/APITRAIL_API_KEYS_FILE.*entry 0: "revoked_at" must be an ISO 8601/);
    }
  });

  it('emits the changes between two registry versions, and nothing for unchanged entries', () => {
    const before = createKeyRegistry('TEST', [
      { id: 'same', sha256: DIGEST },
      { id: 'gone', sha256: DIGEST },
      { id: 'old', sha256: DIGEST },
      { id: 'was-revoked', sha256: DIGEST, revoked_at: '2026-01-01' },
    ]);
    const after = createKeyRegistry('TEST', [
      { id: 'same', sha256: DIGEST },
      { id: 'old', sha256: DIGEST, revoked_at: '2026-02-01', revoked_by: 'ops', rotated_to: 'new' },
      { id: 'new', sha256: DIGEST, created_by: 'ops' },
      { id: 'was-revoked', sha256: DIGEST, revoked_at: '2026-01-01' },
    ]);
    emitRegistryChanges(before, after);
    expect(
      emitted().map((event) => [event.name, event.attributes['auth.token.id'], event.attributes['auth.token.actor']]),
    ).to.deep.equal([
      ['authn_token_revoked', 'old', 'ops'],
      ['authn_token_created', 'new', 'ops'],
      ['authn_token_delete', 'gone', 'registry-file'],
    ]);
    exporter.reset();
    emitRegistryChanges(after, after);
    expect(emitted()).to.deep.equal([]);
  });
});
