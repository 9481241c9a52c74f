import { expect } from 'chai';
import { DEFAULT_CORRELATION_HEADERS, decideCorrelationId, uuidv7 } from '@apitrail/identity';

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
