// apitrail's OTLP/protobuf log encoder against the SDK's serializer it replaces on the export path:
// for generated records of every shape (all AnyValue kinds, non-ASCII and lone-surrogate strings,
// 64-bit and negative integers, doubles, missing trace context, several resources and scopes) the
// bytes must be the same, so the collector cannot tell which one produced a request.
import { expect } from 'chai';
import { SeverityNumber, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { encodeLogsExportRequest } from '@apitrail/export/internal';

/** mulberry32: the same records on every run, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '',
  'GET',
  '/api/v1/tenants/acme/scans/42',
  'x'.repeat(127),
  'y'.repeat(128),
  'z'.repeat(20_000),
  'café',
  '日本語のテキスト',
  'emoji 😀 pair',
  'lone high \uD800 surrogate',
  'lone low \uDC00',
  'trailing high \uD83D',
  '\u007f\u0080\u07ff\u0800\uffff',
  'é'.repeat(70),
];
const NUMBERS = [
  0,
  1,
  127,
  128,
  -1,
  -128,
  2 ** 31,
  2 ** 32,
  2 ** 32 - 1,
  2 ** 53,
  -(2 ** 53),
  2 ** 62,
  -(2 ** 63),
  2 ** 63,
  9.2e18,
  0.004213,
  -0.5,
  -0,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

function anyValue(next: () => number, depth: number): unknown {
  switch (Math.floor(next() * (depth > 2 ? 4 : 9))) {
    case 0:
      return pick(next, STRINGS);
    case 1:
      return pick(next, NUMBERS);
    case 2:
      return next() < 0.5;
    case 3:
      return Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256));
    case 4:
      return Array.from({ length: Math.floor(next() * 5) }, () => anyValue(next, depth + 1));
    case 5:
      return Array.from({ length: Math.floor(next() * 300) }, (_, i) => `item ${i}`);
    case 6:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 5) }, (_, i) => [
          `k${i}${pick(next, ['', 'é', '😀'])}`,
          anyValue(next, depth + 1),
        ]),
      );
    case 7:
      return null;
    default:
      return undefined;
  }
}

function attributes(next: () => number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const count = Math.floor(next() * 25);
  for (let i = 0; i < count; i += 1) {
    const key = pick(next, ['http.request.method', 'url.path', '', 'ключ', 'k😀', `attr.${i}`, 'x'.repeat(200)]);
    result[key + (next() < 0.5 ? '' : String(i))] = anyValue(next, 0);
  }
  return result;
}

function hrTime(next: () => number): HrTime {
  return pick(next, [
    [0, 0],
    [1_765_000_000, 123_456_789],
    [Math.floor(next() * 2 ** 32), Math.floor(next() * 1e9)],
    [4_294_967_295, 999_999_999],
  ]);
}

const RESOURCES = [
  resourceFromAttributes({ 'service.name': 'api', 'service.version': '1.2.3', 'host.cpus': 2 }),
  resourceFromAttributes({ 'service.name': 'другой', tags: ['a', 'b'] }),
];
const SCOPES: ReadableLogRecord['instrumentationScope'][] = [
  { name: 'apitrail.audit', version: '0.1.0' },
  { name: 'app', schemaUrl: 'https://opentelemetry.io/schemas/1.38.0' },
  { name: '' },
];

function generatedRecord(next: () => number): ReadableLogRecord {
  const hex = (length: number): string =>
    Array.from({ length }, () => pick(next, [...'0123456789abcdef', ...'ABCDEF'])).join('');
  const traced = next();
  const body = next() < 0.3 ? undefined : anyValue(next, 0);
  return {
    hrTime: hrTime(next),
    hrTimeObserved: hrTime(next),
    ...(traced < 0.3
      ? {}
      : {
          spanContext: {
            traceId: traced < 0.9 ? hex(32) : 'zz-not-hex-at-all-but-even-len!!',
            spanId: hex(16),
            traceFlags: pick(next, [0, 1, 3]),
          },
        }),
    ...(next() < 0.5 ? {} : { severityNumber: pick(next, [SeverityNumber.UNSPECIFIED, SeverityNumber.INFO, 24]) }),
    ...(next() < 0.5 ? {} : { severityText: pick(next, ['', 'INFO', 'ПРЕДУПРЕЖДЕНИЕ']) }),
    ...(body === undefined ? {} : { body: body as ReadableLogRecord['body'] }),
    ...(next() < 0.5 ? {} : { eventName: pick(next, ['', 'apitrail.api_request', 'événement']) }),
    resource: pick(next, RESOURCES),
    instrumentationScope: pick(next, SCOPES),
    attributes: attributes(next) as ReadableLogRecord['attributes'],
    droppedAttributesCount: pick(next, [0, 0, 5, 300, 2 ** 31]),
  };
}

/** Records as the SDK hands them to an exporter (the write-behind path exports these objects). */
function sdkRecords(): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('apitrail.audit', '0.1.0');
  logger.emit({ body: 'plain', attributes: { 'http.response.status_code': 200, 'request.duration': 0.0042 } });
  logger.emit({
    eventName: 'apitrail.api_request',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: { message: 'kv', nested: { bytes: new Uint8Array([1, 2, 255]), list: [1, 'two', false] } },
    attributes: { 'user.name': 'Zoë', flags: [true, false], counts: [1, 2.5] },
  });
  return exporter.getFinishedLogRecords();
}

function sameBytes(ours: Uint8Array, sdk: Uint8Array): boolean {
  return Buffer.from(ours.buffer, ours.byteOffset, ours.length).equals(
    Buffer.from(sdk.buffer, sdk.byteOffset, sdk.length),
  );
}

function bothEncodings(records: ReadableLogRecord[]): { ours: Uint8Array; sdk: Uint8Array } {
  const ours = encodeLogsExportRequest(records);
  // Undefined would mean the exporter falls back to the SDK serializer: nothing compared.
  expect(ours, 'the encoder declined the batch').to.be.instanceOf(Uint8Array);
  return { ours: ours!, sdk: ProtobufLogsSerializer.serializeRequest(records)! };
}

describe('OTLP/protobuf log encoding (byte-identical to the SDK serializer)', () => {
  it('encodes 400 batches of generated records of every shape to the same bytes', () => {
    const next = random(0x5eed);
    for (let batch = 0; batch < 400; batch += 1) {
      const records = Array.from({ length: 1 + Math.floor(next() * 12) }, () => generatedRecord(next));
      const { ours, sdk } = bothEncodings(records);
      expect(sameBytes(ours, sdk), `batch ${batch}`).to.equal(true);
    }
  });

  it('encodes records built by the SDK, and an empty batch, to the same bytes', () => {
    for (const records of [sdkRecords(), []]) {
      const { ours, sdk } = bothEncodings(records);
      expect(sameBytes(ours, sdk)).to.equal(true);
    }
  });

  it('control: a one-byte difference fails the comparison', () => {
    const { ours, sdk } = bothEncodings(sdkRecords());
    expect(sameBytes(ours, sdk)).to.equal(true);
    const altered = Uint8Array.from(ours);
    altered[Math.floor(altered.length / 2)]! ^= 1;
    expect(sameBytes(altered, sdk)).to.equal(false);
  });

  it('declines an odd-length trace id (left to the SDK serializer)', () => {
    const [record] = sdkRecords();
    const odd = { ...record!, spanContext: { traceId: 'abc', spanId: '0123456789abcdef', traceFlags: 1 } };
    expect(encodeLogsExportRequest([odd])).to.equal(undefined);
  });
});
