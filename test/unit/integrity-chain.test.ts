import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { ExportResultCode } from '@opentelemetry/core';
import {
  APITRAIL_EVENTS,
  ApitrailConfigError,
  ATTR_INTEGRITY_CHAIN_ID,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_MAC,
  ATTR_INTEGRITY_SEQUENCE,
  EVENT_API_REQUEST,
  HmacSha256,
} from '@apitrail/core';
import { toNdjsonObject } from '@apitrail/export';
import {
  ChainVerifier,
  IntegrityLogRecordProcessor,
  RecordMac,
  canonicalJson,
  readIntegrityConfig,
  type ExportedRecord,
  type FindingKind,
} from '@apitrail/integrity';
import { repoRoot } from '../helpers/app.ts';

const newKey = (): Buffer => Buffer.from(randomBytes(32).toString('base64'));

/** Emits `count` records through a real LoggerProvider with the integrity processor, then shuts down. */
async function signedRecords(key: Buffer, count: number): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  const exporter: LogRecordExporter = {
    export: (batch, done) => {
      records.push(...batch.map((record) => toNdjsonObject(record)));
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const integrity = new IntegrityLogRecordProcessor({
    key,
    checkpointIntervalMs: 3_600_000,
    downstream: [new SimpleLogRecordProcessor({ exporter })],
  });
  const provider = new LoggerProvider({ processors: [integrity] });
  const logger = provider.getLogger('api');
  for (let n = 0; n < count; n++) {
    logger.emit({
      eventName: EVENT_API_REQUEST,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: `API Request: GET /api/v1/scans/${n}`,
      attributes: {
        'api_key.id': 'k1',
        'http.response.status_code': 200,
        'http.server.request.duration': 0.001 * n + 0.0004,
        'url.query': 'a=1&b=2&b=3',
        'client.address': '203.0.113.1',
        tags: ['x', 'y'],
        ok: n % 2 === 0,
      },
    });
  }
  await provider.shutdown();
  return records;
}

function verify(
  key: Buffer,
  records: readonly Record<string, unknown>[],
  unitOf: (index: number) => string = () => 'file',
) {
  const verifier = new ChainVerifier(key);
  records.forEach((fields, n) =>
    verifier.add({ location: `f:${n + 1}`, unit: unitOf(n), fields } satisfies ExportedRecord),
  );
  return verifier.finish();
}

const kinds = (report: { findings: { kind: FindingKind }[] }): FindingKind[] => report.findings.map((f) => f.kind);

describe('integrity chain', () => {
  let key: Buffer;
  let records: Record<string, unknown>[];

  before(async () => {
    key = newKey();
    records = await signedRecords(key, 20);
  });

  it('signs every record in sequence and closes the chain with a final checkpoint', () => {
    expect(records).to.have.length(21);
    expect(records.map((r) => r[ATTR_INTEGRITY_SEQUENCE])).to.deep.equal(Array.from({ length: 21 }, (_, n) => n + 1));
    expect(new Set(records.map((r) => r[ATTR_INTEGRITY_CHAIN_ID])).size).to.equal(1);
    const last = records.at(-1)!;
    expect(last.event).to.equal(APITRAIL_EVENTS.integrityCheckpoint);
    expect(last[ATTR_INTEGRITY_FINAL]).to.equal(true);
    const report = verify(key, records);
    expect(report.findings).to.deep.equal([]);
    expect(report.chains).to.have.length(1);
    expect(report.chains[0]).to.include({ records: 21, firstSequence: 1, lastSequence: 21, closed: true });
  });

  it('accepts records reordered across ordering units (collector batches)', () => {
    const shuffled = [...records.slice(10), ...records.slice(0, 10)];
    expect(verify(key, shuffled, (n) => (n < 11 ? 'batch-2' : 'batch-1')).findings).to.deep.equal([]);
  });

  it('detects an edited value, even a type change that JSON would hide', () => {
    const edited = records.map((r) => ({ ...r }));
    edited[4] = { ...edited[4], status_code: 500 };
    edited[6] = { ...edited[6], ok: 'true' };
    const report = verify(key, edited);
    expect(kinds(report)).to.deep.equal(['modified', 'modified', 'deleted', 'deleted']);
    expect(report.findings[0]!.location).to.equal('f:5');
  });

  it('detects a deleted record as a gap', () => {
    const report = verify(key, [...records.slice(0, 7), ...records.slice(8)]);
    expect(report.findings).to.deep.equal([
      { kind: 'deleted', chainId: records[0]![ATTR_INTEGRITY_CHAIN_ID], detail: 'seq 8-8 missing' },
    ]);
  });

  it('detects a deleted head', () => {
    expect(kinds(verify(key, records.slice(3)))).to.deep.equal(['deleted']);
  });

  it('detects an inserted unsigned record and a replayed (duplicated) one', () => {
    const forged = { ...records[2], [ATTR_INTEGRITY_MAC]: undefined };
    expect(kinds(verify(key, [...records.slice(0, 3), forged, ...records.slice(3)]))).to.deep.equal(['inserted']);
    expect(kinds(verify(key, [...records.slice(0, 3), records[1]!, ...records.slice(3)]))).to.deep.equal(['inserted']);
  });

  it('detects a forged record with a guessed MAC at the next sequence number', () => {
    const forged = {
      ...records[19],
      message: 'nothing happened',
      [ATTR_INTEGRITY_MAC]: randomBytes(32).toString('hex'),
    };
    expect(kinds(verify(key, [...records.slice(0, 19), forged, ...records.slice(20)]))).to.deep.equal([
      'modified',
      'deleted',
    ]);
  });

  it('detects records swapped inside one ordering unit', () => {
    const swapped = [...records];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(kinds(verify(key, swapped))).to.deep.equal(['reordered']);
  });

  it('detects a truncated tail (no closing checkpoint)', () => {
    expect(kinds(verify(key, records.slice(0, 15)))).to.deep.equal(['truncated']);
  });

  it('does not pass an input with no signed records: emptied, or left with unsigned records only', () => {
    expect(kinds(verify(key, []))).to.deep.equal(['truncated']);
    const unsigned = { ...records[2], [ATTR_INTEGRITY_MAC]: undefined, [ATTR_INTEGRITY_CHAIN_ID]: undefined };
    expect(kinds(verify(key, [unsigned]))).to.include('truncated');
  });

  it('reports a wrong key once per chain instead of a flood of MAC mismatches', () => {
    const report = verify(newKey(), records);
    expect(kinds(report)).to.deep.equal(['wrong_key']);
  });

  it('recomputing a MAC needs the key: the same record under another key does not verify', () => {
    const record = records[0]!;
    expect(new RecordMac(key).of(record)).to.equal(record[ATTR_INTEGRITY_MAC]);
    expect(new RecordMac(newKey()).of(record)).to.not.equal(record[ATTR_INTEGRITY_MAC]);
  });

  it('keeps separate chains apart (two processes in one file)', async () => {
    const other = await signedRecords(key, 5);
    const interleaved = records.flatMap((r, n) => (other[n] === undefined ? [r] : [r, other[n]!]));
    const report = verify(key, interleaved);
    expect(report.findings).to.deep.equal([]);
    expect(report.chains).to.have.length(2);
  });

  it('hands the exporters a signed record whose attributes are a fast-mode object, members unchanged', () => {
    // An HTTP audit record has 15 attributes; the SDK adds each by computed key, and the chain
    // attributes take the object to 20, where V8 makes it a dictionary the OTLP serializer walks
    // slowly. The control shows that threshold still holds on this V8 (else the copy is moot).
    const script = `
      const { randomBytes } = require('node:crypto');
      const { LoggerProvider } = require('@opentelemetry/sdk-logs');
      const core = require('@apitrail/core');
      const { ChainSigner } = require('@apitrail/integrity');
      const chainAttributes = [core.ATTR_INTEGRITY_CHAIN_ID, core.ATTR_INTEGRITY_SEQUENCE,
        core.ATTR_INTEGRITY_PREVIOUS_MAC, core.ATTR_INTEGRITY_KEY_ID, core.ATTR_INTEGRITY_MAC];
      const attributes = Object.fromEntries(Array.from({ length: 15 }, (_, n) => ['attribute.' + n, 'value ' + n]));
      const emitThrough = (onEmit) => new LoggerProvider({ processors: [{ onEmit, forceFlush: async () => {}, shutdown: async () => {} }] })
        .getLogger('api').emit({ body: 'b', attributes });
      const result = {};
      emitThrough((record) => {
        for (const name of chainAttributes) record.setAttribute(name, 'x');
        result.control = %HasFastProperties(record.attributes);
      });
      const signer = new ChainSigner(randomBytes(32));
      emitThrough((record) => {
        signer.sign(record);
        result.signed = %HasFastProperties(record.attributes);
        result.keys = Object.keys(record.attributes).sort();
        result.attributesMatch = Object.entries(attributes).every(([key, value]) => record.attributes[key] === value);
      });
      process.stdout.write(JSON.stringify({ ...result, expectedKeys: [...Object.keys(attributes), ...chainAttributes].sort() }));
    `;
    const output = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const { control, signed, keys, expectedKeys, attributesMatch } = JSON.parse(output) as Record<string, unknown>;
    expect({ control, signed }).to.deep.equal({ control: false, signed: true });
    expect(keys).to.deep.equal(expectedKeys);
    expect(attributesMatch).to.equal(true);
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code unit, at every depth, with ECMAScript numbers', () => {
    expect(
      canonicalJson({ b: [3, { z: 1, a: 'é' }], a: 1e21, '\u20ac': 0.1, '\ud83d\ude00': -0, c: undefined }),
    ).to.equal('{"a":1e+21,"b":[3,{"a":"é","z":1}],"\u20ac":0.1,"\ud83d\ude00":0}');
    expect(canonicalJson('line\nbreak\u2028')).to.equal('"line\\nbreak\u2028"');
    // Integer-like keys sort as strings (V8 would enumerate them numerically), at any depth.
    expect(canonicalJson({ q: { '10': 'a', '9': 'b', b: 1, '1x': 2 }, a: [{ '2': 0, '10': 1 }] })).to.equal(
      '{"a":[{"10":1,"2":0}],"q":{"10":"a","1x":2,"9":"b","b":1}}',
    );
    // A __proto__ member parsed from a file is data: it must count, not vanish.
    const parsed = JSON.parse('{"a":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(parsed)).to.equal('{"__proto__":{"x":1},"a":1}');
  });

  it('gives the v1 MAC of a fixed record (files signed by earlier versions still verify)', () => {
    // Key and record are fixtures, not secrets; the MAC was computed by the signer before its fast paths.
    const record = JSON.parse(
      '{"timestamp":"2026-01-15T09:00:00.123Z","level":"INFO","message":"GET /x \u00e9\\u2028","logger":"api",' +
        '"query_params":{"b":["2","3"],"a":"1","10":"x","9":"y"},"status_code":200,"duration":0.004213,' +
        '"tags":["x",{"z":1,"a":-0}],"__proto__":{"k":true},"\u20ac":1e21,"apitrail.integrity.seq":3,' +
        '"apitrail.integrity.mac":"ignored"}',
    ) as Record<string, unknown>;
    expect(new RecordMac(Buffer.alloc(32, 0x0b)).of(record)).to.equal(
      '8ab204eb68b1d4fd56683ecac83792dd04a309c1bb233bd5e148fd6c6e65d129',
    );
  });

  it('equals an independent RFC 8785 serialisation for random records, also in the MAC', () => {
    const random = seededRandom(0x8785);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const key = newKey();
    const macs = new RecordMac(key);
    const hmac = new HmacSha256(key);
    // Record layouts recur (the canonicaliser caches them): few enough to repeat, more than it keeps.
    const layouts = Array.from({ length: 24 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 30) }, () => pick(HOSTILE_KEYS)),
    );
    for (let round = 0; round < 3000; round++) {
      const keys = pick(layouts);
      const record = objectOf(round % 7 === 0 ? [...keys].reverse() : keys, () => randomValue(random, 2));
      const expected = rfc8785(record);
      expect(canonicalJson(record), `round ${round}`).to.equal(expected);
      expect(canonicalJson(JSON.parse(JSON.stringify(record))), `round ${round}, read back`).to.equal(expected);
      const withoutMac = { ...record, [ATTR_INTEGRITY_MAC]: undefined };
      expect(macs.of(record), `round ${round}, MAC`).to.equal(hmac.hex('apitrail-integrity-v1\n', rfc8785(withoutMac)));
    }
  });
});

/** Keys that have tripped canonicalisers: integer-like, prototype names, non-BMP, lone surrogates, the MAC field. */
const HOSTILE_KEYS = [
  'a',
  'b',
  'Z',
  '_',
  '',
  '0',
  '9',
  '10',
  '1x',
  '01',
  '4294967295',
  '__proto__',
  'constructor',
  'toString',
  'toJSON',
  'valueOf',
  '\u00e9',
  '\u20ac',
  '\ud83d\ude00',
  '\ud800',
  '\uffff',
  ATTR_INTEGRITY_MAC,
  ATTR_INTEGRITY_SEQUENCE,
  'query_params',
  'timestamp',
];
const HOSTILE_STRINGS = [
  '',
  'plain',
  'quote " back \\ slash',
  'line\nbreak\u2028\u0000\u007f\u009b',
  '\ud800\udc00',
  '\udfff',
  '\u00e9\u20ac',
];
const NUMBERS = [0, -0, 1, -1, 0.1, 200, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, 0.004213, -123.456, Number.NaN];

/** An object with `keys` as own data members (`__proto__` included), later duplicates overwriting earlier ones. */
function objectOf(keys: readonly string[], valueOf: () => unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const key of keys)
    Object.defineProperty(object, key, { value: valueOf(), enumerable: true, writable: true, configurable: true });
  return object;
}

function randomValue(random: () => number, depth: number): unknown {
  const kind = Math.floor(random() * (depth > 0 ? 8 : 6));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  switch (kind) {
    case 0:
    case 1:
      return pick(HOSTILE_STRINGS);
    case 2:
      return pick(NUMBERS);
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth - 1));
    default:
      return objectOf(
        Array.from({ length: Math.floor(random() * 5) }, () => pick(HOSTILE_KEYS)),
        () => randomValue(random, depth - 1),
      );
  }
}

/** RFC 8785 written out plainly: the oracle for the optimised canonicaliser. */
function rfc8785(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : rfc8785(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${rfc8785(object[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** mulberry32: a reproducible stream, so a failing round can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

describe('readIntegrityConfig', () => {
  it('is off without a key, and reads a key or a key file', () => {
    expect(readIntegrityConfig({}).key).to.equal(undefined);
    const secret = randomBytes(24).toString('hex');
    expect(readIntegrityConfig({ APITRAIL_INTEGRITY_KEY: secret }).key).to.deep.equal(Buffer.from(secret));
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-key-')), 'key');
    writeFileSync(file, `${secret}\n`);
    expect(readIntegrityConfig({ APITRAIL_INTEGRITY_KEY_FILE: file }).key).to.deep.equal(Buffer.from(secret));
  });

  for (const [env, name] of [
    [{ APITRAIL_INTEGRITY_KEY: 'short' }, 'APITRAIL_INTEGRITY_KEY'],
    [{ APITRAIL_INTEGRITY_KEY_FILE: '/nonexistent/apitrail.key' }, 'APITRAIL_INTEGRITY_KEY_FILE'],
    [{ APITRAIL_INTEGRITY_KEY: 'x'.repeat(40), APITRAIL_INTEGRITY_KEY_FILE: '/tmp/k' }, 'APITRAIL_INTEGRITY_KEY_FILE'],
    [{ APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS: '5' }, 'APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS'],
  ] as const) {
    it(`rejects ${JSON.stringify(env).slice(0, 60)}, naming ${name}`, () => {
      expect(() => readIntegrityConfig(env))
        .to.throw(ApitrailConfigError)
        .with.property('setting', name);
    });
  }
});
