// The canonical entry taken from the NDJSON line's text (the sealer's `recordEntry`, the verifier's
// `lineLeaf`) against the one built from the parsed fields (`canonicalEntry`), and the two-pass
// `apitrail verify` that relies on it: equal for every record, never accepting a line that means
// something else than the signed record.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
} from '@apitrail/core/internal';
import { inCanonicalOrder, ndjsonProjection, ndjsonText } from '@apitrail/export/internal';
import {
  LogVerifier,
  MerkleLog,
  PrefixTree,
  Signer,
  canonicalEntry,
  leafArray,
  leafHash,
  lineLeaf,
  prepareRecord,
  recordEntry,
  subtreeHash,
} from '@apitrail/integrity/internal';
import { verifyFiles } from '@apitrail/cli';
import { prepareChunk, unpackPrepared, type PackedPrepared } from '@apitrail/cli/internal';
import { checkpointLine as checkpointOf } from '../helpers/integrity-lines.ts';

/** A log attribute or body value (the logs API's AnyValue, written out: it is not a dependency here). */
type AnyValue = string | number | boolean | AnyValue[] | AnyValueMap | undefined;
interface AnyValueMap {
  [key: string]: AnyValue;
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Emitted {
  readonly record: ReadWriteLogRecord;
}

/** A Merkle log and a logger whose records it seals, as the integrity processor does. */
function sealingLogger(root: Signer) {
  const log = new MerkleLog({ rootKey: Signer.parse(root.skey), epochMs: 3_600_000 });
  const sealed: Emitted[] = [];
  const provider = new LoggerProvider({
    processors: [
      {
        onEmit(record: ReadWriteLogRecord) {
          log.append(record);
          for (const record of log.seal()) sealed.push({ record });
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const checkpointLine = (note: string): string => checkpointOf(log.logId, note);
  return { log, sealed, logger: provider.getLogger('api'), checkpointLine };
}

/** Keys that have tripped canonicalisers, and the names the line and the entry treat apart. */
const KEYS = [
  'a',
  'Z',
  '0',
  '9x',
  '__proto__',
  '€',
  '😀',
  'a.nested',
  'custom.attribute',
  'duration',
  'logger',
  'trace_flags',
  'timestamp',
  'level',
  'http.server.request.duration',
  'url.query',
  'api_key.id',
  'api_key.name',
  'client.address',
];

function randomValue(random: () => number, depth: number): AnyValue {
  const pick = Math.floor(random() * (depth > 0 ? 12 : 10));
  switch (pick) {
    case 0:
      return 'plain';
    case 1:
      return 'quote " back \\ slash { [ "duration":1';
    case 2:
      return 0.004213;
    case 3:
      return [-0, 1e-7, 1e21, -5, 123456789.123][Math.floor(random() * 5)]!;
    case 4:
      return random() < 0.5;
    case 5:
      return 'line\u2028break \u0000 \u007f';
    case 6:
      return Math.floor(random() * 1e6);
    case 7:
      return 'provider=aws&2=b&page=2&a=1';
    case 8:
      return ['x', 2, true];
    case 9:
      return '';
    default: {
      const map: AnyValueMap = {};
      for (let index = 0; index < 1 + Math.floor(random() * 3); index++) {
        map[KEYS[Math.floor(random() * KEYS.length)]!] = randomValue(random, depth - 1);
      }
      return map;
    }
  }
}

/** An audit record as the HTTP package writes it: no map, the duration a number. */
function auditAttributes(n: number): AnyValueMap {
  return {
    'api_key.id': `key_${n % 7}`,
    'api_key.name': 'ci-scanner',
    'http.request.method': 'GET',
    'url.path': `/api/v1/scans/${n}`,
    'url.query': 'provider=aws&page=2&sort=-inserted_at',
    'http.response.status_code': 200,
    'http.server.request.duration': 0.004213 + n / 1e7,
    'client.address': '203.0.113.17',
  };
}

/** A chunk prepared in this thread, given to `verifier` as `apitrail verify` gives it (malformed lines left out). */
function applyPacked(verifier: LogVerifier, packed: PackedPrepared): void {
  unpackPrepared(packed, {
    run: (...run) => verifier.addLeafRun(...run),
    other: (item) => {
      // Only a worker thread leaves a line unparsed.
      if (item.kind === 'unparsed') throw new Error(`line ${item.line} left unparsed in this thread`);
      if (item.kind !== 'malformed') verifier.addPrepared(item);
    },
  });
}

const SPAN = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

describe('the canonical entry taken from the NDJSON line', () => {
  it('equals the entry built from the fields for random records, and the line gives the same leaf', () => {
    const random = seededRandom(0x11e);
    const { sealed, logger } = sealingLogger(Signer.generate('apitrail-test-root'));
    for (let n = 0; n < 3000; n++) {
      const attributes: AnyValueMap = n % 3 === 0 ? auditAttributes(n) : {};
      for (let index = 0; index < Math.floor(random() * 8); index++) {
        attributes[KEYS[Math.floor(random() * KEYS.length)]!] = randomValue(random, 2);
      }
      const body = random() < 0.7 ? `message ${n}` : random() < 0.5 ? randomValue(random, 2) : undefined;
      logger.emit({
        body,
        attributes,
        ...(random() < 0.5 ? { eventName: 'apitrail.api_request' } : {}),
        ...(random() < 0.5 ? { context: trace.setSpanContext(ROOT_CONTEXT, SPAN) } : {}),
      });
    }
    let fromLine = 0;
    for (const [index, { record }] of sealed.entries()) {
      const fields = ndjsonProjection(record);
      const expected = canonicalEntry(fields);
      expect(recordEntry(record), `record ${index}`).to.equal(expected);
      const line = ndjsonText(record);
      const leaf = lineLeaf(line);
      expect(canonicalEntry(JSON.parse(line) as Record<string, unknown>), `record ${index}, read back`).to.equal(
        expected,
      );
      if (leaf === undefined) continue;
      fromLine++;
      // A line out of canonical order (an integer-like key) may give another entry: its hash is then
      // not the leaf, and `apitrail verify` parses every line again (tested below).
      if (!inCanonicalOrder(fields)) continue;
      expect(leaf.entry, `record ${index}, from its line`).to.equal(expected);
      expect(leaf.logId).to.equal(fields[ATTR_INTEGRITY_LOG_ID]);
      expect(leaf.sequence).to.equal(fields[ATTR_INTEGRITY_SEQUENCE]);
    }
    // The path is taken, not just allowed: every audit-shaped record (a third) and more.
    expect(fromLine).to.be.greaterThan(1000);
  });

  it('takes every audit record from its line', () => {
    const { sealed, logger } = sealingLogger(Signer.generate('apitrail-test-root'));
    for (let n = 0; n < 200; n++) {
      logger.emit({
        body: `API Request: GET /api/v1/scans/${n}`,
        eventName: 'apitrail.api_request',
        attributes: auditAttributes(n),
        context: trace.setSpanContext(ROOT_CONTEXT, SPAN),
      });
    }
    const missed = sealed.filter(({ record }) => lineLeaf(ndjsonText(record)) === undefined);
    expect(missed).to.have.length(0);
  });

  it('refuses a line whose duration was swapped with a nested one, which hashes like the signed entry once misread', async () => {
    const root = Signer.generate('apitrail-test-root');
    const { log, sealed, logger, checkpointLine } = sealingLogger(root);
    // A map attribute sorting before `duration`, holding a `duration` of its own (an integer).
    logger.emit({
      body: 'API Request',
      attributes: { ...auditAttributes(1), 'a.nested': { duration: 500000000 } },
    });
    const closing = log.close().map(checkpointLine);
    const signed = canonicalEntry(ndjsonProjection(sealed[0]!.record));
    const topLevel =
      /"duration":(\d+),"event"|"duration":(\d+),"http/.exec(signed) ?? /,"duration":(\d+),/.exec(signed);
    expect(signed).to.include('"a.nested":{"duration":500000000}');
    expect(topLevel).not.to.equal(null);
    // The forgery: the nested value written in seconds (0.5 × 10⁹ is exact), the top-level one left
    // as the signed nanoseconds, now read as seconds (hours instead of 4 ms).
    const forged = `${signed.slice(0, -1).replace('"a.nested":{"duration":500000000}', '"a.nested":{"duration":0.5}')},"logger":"api"}`;
    expect((JSON.parse(forged) as { duration: number }).duration).to.be.greaterThan(4_000_000);
    // Control: converting the first `"duration":` found rebuilds the signed entry byte for byte.
    const misread = `${forged.slice(0, forged.lastIndexOf(',"logger":'))}}`.replace(
      '"duration":0.5',
      '"duration":500000000',
    );
    expect(misread).to.equal(signed);
    expect(leafHash(misread).equals(leafHash(signed))).to.equal(true);
    // The line path does not take it; `apitrail verify` finds the edit.
    expect(lineLeaf(forged)?.entry).not.to.equal(signed);
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-forged-'));
    const file = join(directory, 'audit.ndjson');
    writeFileSync(file, [forged, ...closing].join('\n') + '\n');
    const quiet = { write: () => true };
    for (const workers of [0, 1]) {
      const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never, undefined, {
        workers,
      });
      expect(report.findings.map((finding) => finding.kind)).to.deep.equal(['modified']);
    }
    // And the honest line verifies.
    writeFileSync(file, [ndjsonText(sealed[0]!.record), ...closing].join('\n') + '\n');
    const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never);
    expect(report.findings).to.deep.equal([]);
  });

  it('does not take a line whose tail JSON.parse reads as more fields (a member after it, a duplicate key)', async () => {
    const root = Signer.generate('apitrail-test-root');
    const { log, sealed, logger, checkpointLine } = sealingLogger(root);
    logger.emit({
      body: 'API Request',
      attributes: auditAttributes(1),
      context: trace.setSpanContext(ROOT_CONTEXT, SPAN),
    });
    const closing = log.close().map(checkpointLine);
    const honest = ndjsonText(sealed[0]!.record);
    expect(honest.endsWith(',"logger":"api","trace_flags":1}')).to.equal(true);
    expect(lineLeaf(honest)).not.to.equal(undefined);
    // JSON.parse keeps the last of repeated keys: each forgery reads as another API key or status.
    const forgeries = [
      honest.replace(/}$/, ',"api_key_id":"key_evil"}'),
      honest.replace(',"trace_flags":1}', ',"trace_flags":1,"status_code":500}'),
      honest.replace(',"logger":"api"', ',"logger":"api","api_key_id":"key_evil","logger":"api"'),
    ];
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-tail-'));
    const file = join(directory, 'audit.ndjson');
    const quiet = { write: () => true };
    for (const forged of forgeries) {
      expect(lineLeaf(forged)?.entry, forged).not.to.equal(lineLeaf(honest)!.entry);
      writeFileSync(file, [forged, ...closing].join('\n') + '\n');
      const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never);
      expect(
        report.findings.map((finding) => finding.kind),
        forged,
      ).to.deep.equal(['modified']);
    }
    // Control: the honest line verifies, and so does one whose logger name (not signed) changed, escapes
    // and all: it reads as one string, not as more fields.
    const renamed = honest.replace(',"logger":"api"', ',"logger":"api\\u0022,\\u0022api_key_id\\u0022:\\u0022x"');
    expect((JSON.parse(renamed) as { api_key_id: string }).api_key_id).to.equal('key_1');
    for (const line of [honest, renamed]) {
      writeFileSync(file, [line, ...closing].join('\n') + '\n');
      const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never);
      expect(report.findings, line).to.deep.equal([]);
    }
  });

  it('verifies lines written another way by parsing them again, where their text alone would be a finding', async () => {
    const root = Signer.generate('apitrail-test-root');
    const { log, sealed, logger, checkpointLine } = sealingLogger(root);
    for (let n = 0; n < 50; n++) logger.emit({ body: `API Request ${n}`, attributes: auditAttributes(n) });
    const closing = log.close().map(checkpointLine);
    // The same records, one of them with a character escaped as JSON allows: the same fields.
    const lines = sealed.map(({ record }) => ndjsonText(record));
    lines[7] = lines[7]!.replace('"ci-scanner"', '"ci-sc\\u0061nner"');
    expect(JSON.parse(lines[7]!)).to.deep.equal(ndjsonProjection(sealed[7]!.record));
    const text = [...lines, ...closing].join('\n') + '\n';
    // Control: from the lines' text alone, that record's leaf is not the signed one.
    const fromText = new LogVerifier(root.verifier);
    applyPacked(fromText, prepareChunk({ file: 'f', firstLine: 1, bytes: Buffer.from(text) }, true));
    expect(fromText.finish().findings.map((finding) => finding.kind)).to.deep.equal(['modified']);
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-escaped-'));
    const file = join(directory, 'audit.ndjson');
    writeFileSync(file, text);
    const quiet = { write: () => true };
    const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never);
    expect(report.findings).to.deep.equal([]);
    expect(report.records).to.equal(51);
  });

  it('parses the lines no checkpoint checked again when a log has no closing checkpoint', async () => {
    const root = Signer.generate('apitrail-test-root');
    const { log, sealed, logger, checkpointLine } = sealingLogger(root);
    const emitMany = (count: number) => {
      for (let n = 0; n < count; n++) logger.emit({ body: `API Request ${n}`, attributes: auditAttributes(n) });
    };
    emitMany(40);
    const checkpoint = log.checkpoint(false).map(checkpointLine);
    // The process goes on (no closing checkpoint): a tail no checkpoint covers, one record of which
    // (an application's, no duration) carries, in a map sorting first, what reads as another log
    // position from its text.
    emitMany(5);
    logger.emit({
      body: 'app event',
      attributes: { 'api_key.id': 'key_1', a: { [ATTR_INTEGRITY_LOG_ID]: log.logId, [ATTR_INTEGRITY_SEQUENCE]: 500 } },
    });
    emitMany(3);
    const lines = sealed.map(({ record }) => ndjsonText(record));
    const text = [...lines.slice(0, 40), ...checkpoint, ...lines.slice(40)].join('\n') + '\n';
    expect(lineLeaf(lines[45]!)?.sequence, 'the text path misreads that record').to.equal(500);
    const reportOf = (fromLineText: boolean) => {
      const verifier = new LogVerifier(root.verifier);
      applyPacked(verifier, prepareChunk({ file: 'f', firstLine: 1, bytes: Buffer.from(text) }, fromLineText));
      return verifier.finish();
    };
    const parsed = reportOf(false);
    expect(parsed.findings.map((finding) => finding.kind)).to.deep.equal(['truncated']);
    // Control: from the text alone the tail reads otherwise (up to seq 500).
    expect(reportOf(true).findings[0]!.detail).not.to.equal(parsed.findings[0]!.detail);
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-live-'));
    const file = join(directory, 'audit.ndjson');
    writeFileSync(file, text);
    const quiet = { write: () => true };
    for (const workers of [0, 1]) {
      const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never, undefined, {
        workers,
      });
      expect(report.findings).to.deep.equal(parsed.findings);
      expect(report.logs).to.deep.equal(parsed.logs);
    }
    // Without that record, the tail reads the same either way, and the text path's report stands.
    const honest = [...lines.slice(0, 40), ...checkpoint, ...lines.slice(40, 45), ...lines.slice(46)].join('\n') + '\n';
    writeFileSync(file, honest);
    const { report } = await verifyFiles([file], root.verifier, { out: quiet, err: quiet } as never);
    expect(report.findings.map((finding) => finding.kind)).to.deep.equal(['truncated']);
  });

  it('reads a record with a sequence number as a leaf, whatever its event', () => {
    const fields = {
      event: APITRAIL_EVENTS.integrityCheckpoint,
      [ATTR_INTEGRITY_LOG_ID]: 'log',
      [ATTR_INTEGRITY_CHECKPOINT]: 'not a note',
      [ATTR_INTEGRITY_SEQUENCE]: 3,
    };
    expect(prepareRecord({ location: 'f:1', unit: 'f', fields }).kind).to.equal('leaf');
    const checkpoint = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== ATTR_INTEGRITY_SEQUENCE));
    expect(prepareRecord({ location: 'f:1', unit: 'f', fields: checkpoint }).kind).to.equal('checkpoint');
  });
});

describe('PrefixTree', () => {
  it('gives the root at every size it has passed, as RFC 9162 defines it', () => {
    const leaves = Array.from({ length: 700 }, (_, index) => leafHash(`leaf ${index}`));
    const tree = new PrefixTree();
    for (const leaf of leaves) tree.append(leaf);
    const leaf = (index: number) => leaves[index]!;
    for (let size = 0; size <= leaves.length; size++) {
      expect(tree.prefixRoot(size, leaf).equals(subtreeHash(leafArray(leaves), 0, size)), `size ${size}`).to.equal(
        true,
      );
    }
    expect(tree.root().equals(subtreeHash(leafArray(leaves), 0, leaves.length))).to.equal(true);
    expect(() => tree.prefixRoot(leaves.length + 1, leaf)).to.throw(RangeError);
  });
});
