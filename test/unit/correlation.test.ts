import { expect } from 'chai';
import { DEFAULT_CORRELATION_HEADERS, decideCorrelationId, uuidv7 } from '@apitrail/identity/internal';
import { createRedactor } from '@apitrail/redaction';
import { randomFrom } from '../helpers/credential-samples.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation id', () => {
  it('accepts a well-formed incoming id from the first configured header that has one', () => {
    expect(decideCorrelationId({ 'x-correlation-id': 'abc.DEF_1:2-3' }, DEFAULT_CORRELATION_HEADERS)).to.deep.equal({
      correlationId: 'abc.DEF_1:2-3',
    });
    expect(
      decideCorrelationId({ 'x-request-id': 'first', 'x-correlation-id': 'second' }, DEFAULT_CORRELATION_HEADERS)
        .correlationId,
    ).to.equal('first');
  });

  const hostile = [
    'evil\r\ninjected: 1',
    'a'.repeat(129),
    '',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    'id with spaces',
    '\u001b[31mred',
    'ünïcode',
  ];
  for (const value of hostile) {
    it(`replaces the hostile id ${JSON.stringify(value.slice(0, 20))} and records only its length`, () => {
      const decision = decideCorrelationId({ 'x-request-id': value }, DEFAULT_CORRELATION_HEADERS);
      expect(decision.correlationId).to.match(UUID_V7);
      expect(decision.rejectedLength).to.equal(value.length);
      expect(JSON.stringify(decision)).to.not.include(value === '' ? '""' : value);
    });
  }

  describe('a credential sent as the id', () => {
    const redactor = createRedactor();
    const isCredential = (value: string): boolean => redactor.redactText(value) !== value;
    const token = `ghp_${randomFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 36)}`;

    it('is replaced by a generated id, flagged as a credential, its length recorded and its value kept nowhere', () => {
      const decision = decideCorrelationId({ 'x-request-id': token }, DEFAULT_CORRELATION_HEADERS, isCredential);
      expect(decision.correlationId).to.match(UUID_V7);
      expect(decision).to.deep.include({ rejectedLength: token.length, rejectedAsCredential: true });
      expect(JSON.stringify(decision)).to.not.include(token.slice(4));
    });

    it('falls back to the next header when it holds an ordinary id', () => {
      const decision = decideCorrelationId(
        { 'x-request-id': token, 'x-correlation-id': 'ordinary-42' },
        DEFAULT_CORRELATION_HEADERS,
        isCredential,
      );
      expect(decision).to.deep.equal({ correlationId: 'ordinary-42' });
    });

    it('control: without the check the credential is taken as the id', () => {
      expect(decideCorrelationId({ 'x-request-id': token }, DEFAULT_CORRELATION_HEADERS).correlationId).to.equal(token);
    });

    it('keeps ordinary ids that look random (UUIDs, hex trace ids) under the check', () => {
      for (const id of [uuidv7(), 'b7ad6b7169203331b7ad6b7169203331', 'req-2026-000042']) {
        expect(decideCorrelationId({ 'x-request-id': id }, DEFAULT_CORRELATION_HEADERS, isCredential)).to.deep.equal({
          correlationId: id,
        });
      }
    });
  });

  it('generates a UUIDv7 when none is sent', () => {
    const decision = decideCorrelationId({}, DEFAULT_CORRELATION_HEADERS);
    expect(decision.correlationId).to.match(UUID_V7);
    expect(decision).to.not.have.property('rejectedLength');
  });

  it('generates UUIDv7s that are unique and sort by creation time', () => {
    const ids = Array.from({ length: 2000 }, (_, index) => uuidv7(1_700_000_000_000 + index));
    expect(new Set(ids).size).to.equal(ids.length);
    expect([...ids].sort()).to.deep.equal(ids);
    expect(uuidv7(0x0123456789ab).startsWith('01234567-89ab-7')).to.equal(true);
  });
});
