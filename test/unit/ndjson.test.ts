import { expect } from 'chai';
import { SeverityNumber, TraceFlags } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { PassThrough } from 'node:stream';
import {
  StreamLogRecordExporter,
  formatHumanReadable,
  isoTimestamp,
  ndjsonLine,
  ndjsonProjection,
  queryParamsObject,
  toNdjsonObject,
} from '@apitrail/export/internal';

function record(overrides: Partial<ReadableLogRecord>): ReadableLogRecord {
  return {
    hrTime: [1_705_329_022, 123_456_789],
    hrTimeObserved: [1_705_329_022, 123_456_789],
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'API Request: GET /api/v1/scans [API Key: Production Scanner]',
    eventName: 'apitrail.api_request',
    attributes: {},
    droppedAttributesCount: 0,
    instrumentationScope: { name: 'api' },
    resource: {} as ReadableLogRecord['resource'],
    ...overrides,
  };
}

describe('NDJSON audit record format', () => {
  it('writes the seed field names with the seed types, the signed ones sorted and logger, trace_flags last', () => {
    const object = toNdjsonObject(
      record({
        attributes: {
          'correlation.id': 'req-1',
          'auth.method': 'api_key',
          'auth.is_api_key_request': true,
          'api_key.id': 'a1b2',
          'api_key.name': 'Production Scanner',
          'tenant.id': 't-1',
          'http.request.method': 'GET',
          'url.path': '/api/v1/scans',
          'url.query': 'provider=aws&limit=100&tag=a&tag=b',
          'http.response.status_code': 200,
          'http.server.request.duration': 0.245,
          'client.address': '192.168.1.100',
          'user_agent.original': 'ProwlerClient/1.0',
          'custom.attribute': 'kept',
        },
        spanContext: {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: TraceFlags.SAMPLED,
        },
      }),
    );
    // The canonical order of the integrity entry (packages/integrity/README.md), so the line up to
    // `logger` is the entry: sorted by UTF-16 code units, written out rather than sorted here.
    expect(Object.keys(object)).to.deep.equal([
      'api_key_id',
      'api_key_name',
      'authentication_method',
      'custom.attribute',
      'duration',
      'event',
      'is_api_key_request',
      'level',
      'message',
      'method',
      'path',
      'query_params',
      'request_id',
      'source_ip',
      'span_id',
      'status_code',
      'tenant_id',
      'timestamp',
      'trace_id',
      'user_agent',
      'logger',
      'trace_flags',
    ]);
    expect(Object.keys(object.query_params as object)).to.deep.equal(['limit', 'provider', 'tag']);
    expect(object).to.deep.include({
      timestamp: '2024-01-15T14:30:22.123Z',
      level: 'INFO',
      logger: 'api',
      is_api_key_request: true,
      status_code: 200,
      duration: 0.245,
      query_params: { provider: 'aws', limit: '100', tag: ['a', 'b'] },
    });
  });

  it('keeps non-string bodies under `body` and derives the level from the severity number', () => {
    const object = toNdjsonObject(
      record({ body: { nested: [1, 2] }, severityText: undefined, severityNumber: SeverityNumber.WARN2 }),
    );
    expect(object.message).to.equal('');
    expect(object.body).to.deep.equal({ nested: [1, 2] });
    expect(object.level).to.equal('WARN');
  });

  it('keeps client-chosen `__proto__` and `constructor` names as plain fields', () => {
    const params = queryParamsObject('__proto__=x&constructor=y&__proto__=z');
    expect(JSON.stringify(params)).to.equal('{"__proto__":["x","z"],"constructor":"y"}');
    expect(Object.getPrototypeOf(params)).to.equal(Object.prototype);
    const hostileAttributes = JSON.parse('{"__proto__":"attr","nested":{"__proto__":"deep"}}') as Record<
      string,
      string
    >;
    const line = JSON.stringify(toNdjsonObject(record({ attributes: hostileAttributes })));
    expect(line).to.include('"__proto__":"attr"').and.to.include('"nested":{"__proto__":"deep"}');
  });

  it('gives records sharing attribute keys the keys of their own body, event, span context and null values', () => {
    const attributes = { 'http.request.method': 'GET', 'url.query': 'a=1', 'custom.attribute': 'x' };
    const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const sorted = (...keys: string[]) => [...keys.sort(), 'logger'];
    const keysOf = (overrides: Partial<ReadableLogRecord>) => Object.keys(toNdjsonObject(record(overrides)));
    // Each shape twice: the second one reuses what the first worked out.
    for (let pass = 0; pass < 2; pass++) {
      const always = ['timestamp', 'level', 'message'];
      expect(keysOf({ attributes })).to.deep.equal(
        sorted(...always, 'event', 'method', 'query_params', 'custom.attribute'),
      );
      expect(keysOf({ attributes, eventName: undefined, body: { a: 1 }, spanContext: span })).to.deep.equal([
        ...sorted(...always, 'body', 'method', 'query_params', 'custom.attribute', 'trace_id', 'span_id'),
        'trace_flags',
      ]);
      const withNulls = { ...attributes, 'url.query': null, 'custom.attribute': undefined, level: null } as never;
      const object = toNdjsonObject(record({ attributes: withNulls }));
      expect(Object.keys(object)).to.deep.equal(sorted(...always, 'event', 'method'));
      expect(object.level, 'a null attribute does not erase a field of the same name').to.equal('INFO');
      // An attribute named as a field of the line itself goes under `app.`; one named as an audit
      // field's NDJSON name takes its place.
      const overridden = toNdjsonObject(record({ attributes: { ...attributes, level: 'custom', method: 'raw' } }));
      expect(overridden).to.deep.include({ level: 'INFO', 'app.level': 'custom', method: 'raw' });
      expect(Object.keys(overridden)).to.deep.equal(
        sorted(...always, 'app.level', 'event', 'method', 'query_params', 'custom.attribute'),
      );
    }
  });

  it('formats timestamps as Date.prototype.toISOString does, across seconds, before 1970 and past year 9999', () => {
    const seconds = [
      0, -1, 1_705_329_022, 1_705_329_023, 1_705_329_022, 253_402_300_799, 253_402_300_800, -62_198_755_200,
    ];
    const nanos = [0, 999_999, 1_000_000, 9_999_999, 99_999_999, 123_456_789, 999_999_999];
    for (const second of seconds)
      for (const nano of nanos)
        expect(isoTimestamp([second, nano]), `${second}s ${nano}ns`).to.equal(
          new Date(second * 1000 + Math.floor(nano / 1e6)).toISOString(),
        );
    expect(() => isoTimestamp([Number.NaN, 0])).to.throw(RangeError);
    expect(() => isoTimestamp([8.64e12, 1_000_000])).to.throw(RangeError);
  });

  it('escapes DEL, C1 controls and U+2028/U+2029 in a line, in ASCII and non-ASCII lines, and nothing else', () => {
    for (const unsafe of ['\u007f', '\u0080', '\u0085', '\u009b', '\u009f', '\u2028', '\u2029']) {
      const escaped = `\\u${unsafe.charCodeAt(0).toString(16).padStart(4, '0')}`;
      for (const rest of ['', ' caf\u00e9']) {
        const line = ndjsonLine({ text: `a${unsafe}b${rest}` });
        expect(line).to.equal(`{"text":"a${escaped}b${rest}"}`);
        expect((JSON.parse(line) as { text: string }).text).to.equal(`a${unsafe}b${rest}`);
      }
    }
    for (const safe of ['plain ~ text', 'caf\u00e9 \u20ac \ud83d\ude00', '\u00a0', '\u007e\u00a0\u2027\u202a'])
      expect(ndjsonLine({ text: safe })).to.equal(JSON.stringify({ text: safe }));
  });

  it('builds a final record’s projection once for every reader, and the exporter writes the same line from it', async () => {
    const audit = record({ attributes: { 'http.request.method': 'GET', 'url.query': 'a=1' } });
    const first = ndjsonProjection(audit);
    // Control: toNdjsonObject builds a new object on every call, the projection does not.
    expect(toNdjsonObject(audit)).to.not.equal(toNdjsonObject(audit));
    expect(ndjsonProjection(audit)).to.equal(first);
    expect(first).to.deep.equal(toNdjsonObject(audit));

    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const exporter = new StreamLogRecordExporter({ destination: stream });
    await new Promise((resolve) => exporter.export([audit], resolve));
    expect(written).to.equal(`${ndjsonLine(toNdjsonObject(audit))}\n`);

    const frozen = Object.freeze(record({}));
    expect(ndjsonProjection(frozen)).to.deep.equal(toNdjsonObject(frozen));
  });

  it('the exporter encodes each line straight into the batch, byte for byte what ndjsonLine gives', async () => {
    const texts = ['plain', 'caf\u00e9 \u{1f600}', 'del\u007fin', 'line\u2028sep', 'c1\u0085', 'x'.repeat(70_000)];
    const records = texts.map((text, index) => record({ attributes: { 'url.path': `/${index}`, note: text } }));
    const bodyless = record({ body: { big: 10n } as unknown as string });
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exporter = new StreamLogRecordExporter({ destination: stream });
    for (const batch of [records, [...records].reverse(), [records[0]!, bodyless, records[1]!]]) {
      chunks.length = 0;
      await new Promise((resolve) => exporter.export(batch, resolve));
      const expected = batch.filter((item) => item !== bodyless).map((item) => `${ndjsonLine(toNdjsonObject(item))}\n`);
      expect(Buffer.concat(chunks).toString('utf8')).to.equal(expected.join(''));
    }
    // Raw UTF-8 stays raw; the characters ndjsonLine escapes were escaped, not written raw.
    expect(Buffer.concat(chunks).toString('utf8')).to.include('caf\u00e9 \u{1f600}');
    chunks.length = 0;
    await new Promise((resolve) => exporter.export(records, resolve));
    const written = Buffer.concat(chunks).toString('utf8');
    expect(written).to.include('del\\u007fin').and.include('line\\u2028sep').and.include('c1\\u0085');
    expect(written).to.not.match(/[\u007f\u0085\u2028]/);
  });

  it('decodes query strings like a web framework does', () => {
    expect(queryParamsObject('a=1+2&b=%2F&c')).to.deep.equal({ a: '1 2', b: '/', c: '' });
  });

  it('splits a query with nothing to decode exactly as URLSearchParams would (randomised against it)', () => {
    const reference = (query: string): string => {
      const params: Record<string, string[]> = {};
      for (const [key, value] of new URLSearchParams(query)) {
        if (!Object.hasOwn(params, key)) Object.defineProperty(params, key, { value: [], enumerable: true });
        params[key]!.push(value);
      }
      return JSON.stringify(
        Object.entries(params)
          .map(([key, values]) => [key, values.length === 1 ? values[0] : values])
          .sort(byKey),
      );
    };
    // The object lists the names in sorted order (but integer-like ones, which JavaScript puts first).
    const byKey = ([a]: unknown[], [b]: unknown[]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
    const ours = (query: string): string => {
      const entries = Object.entries(queryParamsObject(query));
      const names = entries.map(([key]) => key).filter((key) => !/^\d/.test(key));
      expect(names, query).to.deep.equal([...names].sort());
      return JSON.stringify(entries.sort(byKey));
    };
    // Both the split and the URLSearchParams branch: '%', '+', '?', a surrogate half and non-ASCII letters.
    const alphabet = ['a', 'b', '=', '&', '&', '%', '2', 'F', '+', '?', 'é', '\ud83d', '\ude00', '_', 'proto'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let split = 0;
    for (let round = 0; round < 5000; round++) {
      const length = next() % 14;
      const query = Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
      if (!/^\?|[%+\ud800-\udfff]/.test(query)) split++;
      expect(ours(query), JSON.stringify(query)).to.equal(reference(query));
    }
    expect(split).to.be.greaterThan(500);
    for (const query of ['', '&', '&&a', 'a=1=2', '=x', 'a=&a', '__proto__=1&__proto__=2', 'é=ü&constructor=1']) {
      expect(ours(query), query).to.equal(reference(query));
    }
  });

  it('the human-readable format neutralises control characters in every field', () => {
    const line = formatHumanReadable(
      record({ body: 'GET /x\r\nFAKE 200', attributes: { 'user_agent.original': 'evil\u001b[2J\nagent' } }),
      false,
    );
    expect(line).to.not.match(/[\r\n\u001b]/);
    expect(line).to.include('GET /x\\r\\nFAKE 200');
    expect(line).to.include('user_agent=evil\\u001b[2J\\nagent');
  });
});
