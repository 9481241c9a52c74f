import { expect } from 'chai';
import { createHmac, randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ApitrailConfigError,
  FIELD_MAPPINGS,
  UNAUTHENTICATED,
  getCorrelationId,
  getRequestContext,
  guard,
  faultCounts,
  HmacSha256,
  neutralizeControlCharacters,
  readBoolean,
  readEnum,
  readEnumList,
  readNumber,
  setRequestContext,
  truncate,
} from '@apitrail/core/internal';

describe('@apitrail/core', () => {
  describe('environment readers', () => {
    it('return defaults for unset and blank variables', () => {
      expect(readBoolean({}, 'X', true)).to.equal(true);
      expect(readBoolean({ X: '  ' }, 'X', false)).to.equal(false);
      expect(readNumber({}, 'N', 7)).to.equal(7);
      expect(readEnum({}, 'E', ['a', 'b'], 'b')).to.equal('b');
    });

    it('parse valid values case-insensitively', () => {
      expect(readBoolean({ X: 'TRUE' }, 'X', false)).to.equal(true);
      expect(readBoolean({ X: '0' }, 'X', true)).to.equal(false);
      expect(readNumber({ N: '12' }, 'N', 1, { integer: true })).to.equal(12);
      expect(readEnumList({ L: 'OTLP, ndjson' }, 'L', ['otlp', 'ndjson'], [])).to.deep.equal(['otlp', 'ndjson']);
    });

    const malformed: [string, () => unknown][] = [
      ['APITRAIL_FLAG', () => readBoolean({ APITRAIL_FLAG: 'yes please' }, 'APITRAIL_FLAG', false)],
      ['APITRAIL_COUNT', () => readNumber({ APITRAIL_COUNT: '1.5' }, 'APITRAIL_COUNT', 1, { integer: true })],
      ['APITRAIL_COUNT', () => readNumber({ APITRAIL_COUNT: '99' }, 'APITRAIL_COUNT', 1, { max: 10 })],
      ['APITRAIL_COUNT', () => readNumber({ APITRAIL_COUNT: 'NaN' }, 'APITRAIL_COUNT', 1)],
      ['APITRAIL_MODE', () => readEnum({ APITRAIL_MODE: 'fast' }, 'APITRAIL_MODE', ['safe'], 'safe')],
      ['APITRAIL_LIST', () => readEnumList({ APITRAIL_LIST: 'a,zzz' }, 'APITRAIL_LIST', ['a'], [])],
    ];
    for (const [variable, read] of malformed) {
      it(`reject a malformed ${variable} with an error naming it`, () => {
        expect(read).to.throw(ApitrailConfigError, new RegExp(`^${variable}: `));
      });
    }
  });

  describe('request context', () => {
    before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
    after(() => context.disable());

    it('travels in the OTel Context and is absent outside a request', () => {
      expect(getRequestContext(ROOT_CONTEXT)).to.equal(undefined);
      const requestContext = { correlationId: 'abc', identity: { ...UNAUTHENTICATED } };
      const ctx = setRequestContext(ROOT_CONTEXT, requestContext);
      expect(getRequestContext(ctx)).to.equal(requestContext);
      expect(context.with(ctx, () => getCorrelationId())).to.equal('abc');
    });
  });

  describe('neutralizeControlCharacters (CWE-117)', () => {
    it('escapes CR, LF, tabs, ANSI escapes, DEL, C1 controls and Unicode line separators', () => {
      const hostile = 'ok\r\nFAKE LINE\t\u001b[31mred\u007f\u0085\u2028end';
      const safe = neutralizeControlCharacters(hostile);
      expect(safe).to.equal('ok\\r\\nFAKE LINE\\t\\u001b[31mred\\u007f\\u0085\\u2028end');
      expect(safe).to.not.match(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    });

    it('leaves printable text, including non-ASCII, alone', () => {
      expect(neutralizeControlCharacters('Grüße — 日本 🙂')).to.equal('Grüße — 日本 🙂');
    });
  });

  it('truncate marks what it cut', () => {
    expect(truncate('abcdef', 10)).to.equal('abcdef');
    expect(truncate('abcdef', 2)).to.equal('ab…[truncated 4]');
  });

  it('guard returns the fallback and counts the fault instead of throwing', () => {
    const before = faultCounts().get('unit-test component') ?? 0;
    const result = guard(
      'unit-test component',
      () => {
        throw new Error('boom');
      },
      'fallback',
    );
    expect(result).to.equal('fallback');
    expect(faultCounts().get('unit-test component')).to.equal(before + 1);
  });

  it('the field mapping has no duplicate attribute or NDJSON name', () => {
    const attributes = FIELD_MAPPINGS.map((mapping) => mapping.attribute);
    const ndjson = FIELD_MAPPINGS.map((mapping) => mapping.ndjson);
    expect(new Set(attributes).size).to.equal(attributes.length);
    expect(new Set(ndjson).size).to.equal(ndjson.length);
  });

  describe('HmacSha256', () => {
    it('matches RFC 4231 test case 1 and node:crypto for keys shorter, equal to and longer than a block', () => {
      expect(new HmacSha256(Buffer.alloc(20, 0x0b)).hex('Hi ', 'There')).to.equal(
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      );
      const hmac = new HmacSha256(Buffer.from('key'));
      expect(hmac.hex('a')).to.equal(hmac.hex('a'), 'the key is reused, never consumed');
      for (const length of [1, 32, 63, 64, 65, 200]) {
        const key = randomBytes(length);
        const message = randomBytes(300).toString('latin1');
        expect(new HmacSha256(key).hex(message), `key of ${length} bytes`).to.equal(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }
    });

    it('equals createHmac for messages around block boundaries, beyond its buffer, multi-part and non-ASCII', () => {
      const key = randomBytes(32);
      const hmac = new HmacSha256(key);
      const reference = (...parts: string[]) => {
        const expected = createHmac('sha256', key);
        for (const part of parts) expected.update(part, 'utf8');
        return expected.digest('hex');
      };
      // Lengths around SHA-256's 55/56/64-byte padding edges, at the reused buffer's room (4 KB for
      // 3 bytes per character), past it, past what it keeps (64 KB), then a short message after them.
      for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1365, 1366, 30_000, 70_000, 3]) {
        const message = randomBytes(length).toString('hex').slice(0, length);
        expect(hmac.hex(message), `${length} characters`).to.equal(reference(message));
      }
      const unicode = ['é€😀', '\u0000\u2028', '\ud800 lone surrogate \udfff', 'ü'.repeat(3000)];
      for (const message of unicode) expect(hmac.hex(message)).to.equal(reference(message));
      expect(hmac.hex(...unicode)).to.equal(reference(...unicode));
      expect(hmac.hex()).to.equal(reference());
    });
  });
});
