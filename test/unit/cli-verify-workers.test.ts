import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  EVENT_API_REQUEST,
  NDJSON_FIELDS,
} from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';
import { MerkleLog, Signer, type Verifier } from '@apitrail/integrity/internal';
import { verifyFiles } from '@apitrail/cli';
import { CorruptEntry, pack, packPrepared, prepareBatch, unpack, unpackPrepared } from '@apitrail/cli/internal';

/** NDJSON lines of a signed log of `count` records, a checkpoint every 1000, closed. */
function signedLines(root: Signer, count: number): string[] {
  const log = new MerkleLog({ rootKey: Signer.parse(root.skey), epochMs: 3_600_000 });
  const lines: string[] = [];
  const checkpointLine = (note: string): string =>
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'INFO',
      message: 'integrity checkpoint',
      logger: 'apitrail.security',
      [NDJSON_FIELDS.event]: APITRAIL_EVENTS.integrityCheckpoint,
      [ATTR_INTEGRITY_LOG_ID]: log.logId,
      [ATTR_INTEGRITY_CHECKPOINT]: note,
    });
  const provider = new LoggerProvider({
    processors: [
      {
        onEmit(record: ReadWriteLogRecord) {
          log.append(record);
          for (const sealed of log.seal()) lines.push(JSON.stringify(toNdjsonObject(sealed)));
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const logger = provider.getLogger('apitrail.audit');
  for (let n = 0; n < count; n++) {
    logger.emit({
      eventName: EVENT_API_REQUEST,
      severityText: 'INFO',
      body: `API Request: GET /api/v1/scans/${n}`,
      attributes: { 'api_key.id': `key_${n % 7}`, 'http.response.status_code': 200, 'url.query': `page=${n}` },
    });
    if ((n + 1) % 1000 === 0) lines.push(...log.checkpoint(false).map(checkpointLine));
  }
  lines.push(...log.close().map(checkpointLine));
  return lines;
}

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const output = { out: quiet, err: quiet };

async function verifyWith(files: string[], rootKey: Verifier, workers: number) {
  return verifyFiles(files, rootKey, output as never, undefined, { workers });
}

describe('apitrail verify in worker threads', () => {
  const root = Signer.generate('apitrail-root');
  // Many batches (4,096 lines or 1 MiB each), so the workers take part.
  const intact = signedLines(root, 12_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-verify-workers-'));

  it('reports the same findings, in file order, with and without workers', async () => {
    // The verifier stops a log at its first bad checkpoint interval: one deletion, then findings
    // that do not depend on the tree.
    const tampered = [...intact];
    tampered.splice(5000, 1);
    tampered.splice(8000, 0, 'not json {');
    tampered.splice(8500, 0, JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', message: 'x' }));
    [tampered[9000], tampered[9001]] = [tampered[9001]!, tampered[9000]!];
    const file = join(dir, 'tampered.ndjson');
    writeFileSync(file, `${tampered.join('\n')}\n`);
    const other = join(dir, 'other-log.ndjson');
    writeFileSync(other, `${signedLines(root, 5000).join('\n')}\n`);
    const files = [file, join(dir, 'missing.ndjson'), other];

    const inline = await verifyWith(files, root.verifier, 0);
    // Control: the tampering is found, and the missing file is an error.
    expect(inline.report.findings.map((finding) => finding.kind)).to.include.members([
      'modified',
      'deleted',
      'inserted',
      'reordered',
    ]);
    expect(inline.report.findings.some((finding) => /unreadable line/.test(finding.detail))).to.equal(true);
    expect(inline.unreadableFiles).to.equal(1);
    for (const workers of [1, 2, 3]) {
      const parallel = await verifyWith(files, root.verifier, workers);
      expect(parallel, `${workers} workers`).to.deep.equal(inline);
    }
  });

  it('finds nothing in an intact log with workers', async () => {
    const file = join(dir, 'only-intact.ndjson');
    writeFileSync(file, `${intact.join('\n')}\n`);
    const { report, unreadableFiles } = await verifyWith([file], root.verifier, 2);
    expect(report.findings).to.deep.equal([]);
    expect(unreadableFiles).to.equal(0);
    expect(report.records).to.equal(intact.length);
  });

  it('hands batches across threads whole: lines, corrupt archive entries, and every kind of prepared record', () => {
    const lines = [intact[0]!, '', new CorruptEntry('corrupt zstd frame'), 'not json', intact[1]!, 'ünïcode ✓'];
    const batch = { file: 'a.ndjson', firstLine: 41, lines };
    const crossed = structuredClone(pack(batch));
    expect(unpack(crossed)).to.deep.equal(batch);
    expect(unpack(crossed).lines[2]).to.be.instanceOf(CorruptEntry);

    const prepared = prepareBatch(batch);
    expect(prepared.map((item) => item.kind)).to.deep.equal(['leaf', 'malformed', 'malformed', 'leaf', 'malformed']);
    // A record whose location is not `file:line` (an OTLP payload's) travels whole.
    prepared.push({ ...(prepared[0] as object), location: 'a.ndjson:7#2', unit: 'a.ndjson:7#0.0' } as never);
    const received: unknown[] = [];
    unpackPrepared(structuredClone(packPrepared('a.ndjson', prepared)), (item) => received.push(item));
    expect(received).to.deep.equal(prepared);
  });
});
