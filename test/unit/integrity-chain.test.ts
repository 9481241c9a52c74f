import { expect } from 'chai';
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
});

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
