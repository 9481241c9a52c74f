// The gateway's retention archive (collector-config/gateway.yaml `file/archive`) across rotations:
// with APITRAIL_ARCHIVE_MAX_MEGABYTES=1 the real gateway rotates mid-stream, and every record of a
// signed stream must still be read, exactly once, from the rotated and live files together by
// `apitrail analyze`, `apitrail verify` and scripts/archive-cat.mjs; the integrity chain runs across
// the files, so verify over the live file alone reports the rotated records missing. Retention
// (APITRAIL_ARCHIVE_MAX_DAYS) deletes rotated files older than the limit and keeps younger ones.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  APITRAIL_EVENTS,
  ATTR_CORRELATION_ID,
  ATTR_INTEGRITY_SEQUENCE,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import { repoRoot } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { archiveEntry } from '../helpers/archive-input.ts';
import {
  archivedThroughClosingCheckpoint,
  sendLogs,
  startAppOnAgent,
  startGateway,
  type Gateway,
} from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { decodeLogLines, encodeLogsRequest, type ExportedLogRecord } from '../helpers/otlp-json.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const ZSTD_MAGIC = 0xfd2fb528;
const MEBIBYTE = 1024 * 1024;
const LIVE_FILE = 'logs.otlp.jsonl';
/** lumberjack's backup name: the extension after the last dot, the rotation time (UTC) before it. */
const ROTATED_FILE = /^logs\.otlp-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.jsonl$/;
const rotatedName = (rotatedAt: Date): string =>
  `logs.otlp-${rotatedAt.toISOString().replace(/:/g, '-').replace('Z', '')}.jsonl`;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The archive's log files, rotated ones first (oldest first), the live file last. */
async function archiveFiles(gateway: Gateway): Promise<string[]> {
  const names = (await readdir(gateway.archiveDir)).filter((name) => name === LIVE_FILE || ROTATED_FILE.test(name));
  return names.sort().map((name) => join(gateway.archiveDir, name));
}

async function archiveCat(files: readonly string[]): Promise<ExportedLogRecord[]> {
  const { stdout, stderr } = await run(process.execPath, ['scripts/archive-cat.mjs', ...files], {
    cwd: repoRoot,
    maxBuffer: 256 * MEBIBYTE,
  });
  expect(stderr).to.equal('');
  return decodeLogLines(stdout);
}

const requestIds = (records: readonly ExportedLogRecord[]): string[] =>
  records
    .filter((record) => record.eventName === EVENT_API_REQUEST)
    .map((record) => String(record.attributes[ATTR_CORRELATION_ID]));

describe('the gateway archive across rotations', function () {
  this.timeout(120_000);
  let binary: string;

  before(async function () {
    binary = await requireCollector(this);
  });

  it('rotates at APITRAIL_ARCHIVE_MAX_MEGABYTES; analyze, verify and archive-cat read every record, once', async () => {
    const gateway = await startGateway(binary, [], { APITRAIL_ARCHIVE_MAX_MEGABYTES: '1' });
    try {
      const rootKey = rootKeyFiles();
      const app = await startAppOnAgent(gateway, 'examples/node-http/server.js', {
        ...rootKey.env,
        // Each export is one archive entry; small batches keep every entry far below the file size.
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '16',
      });
      // ~6 KiB compressed per audit record (random hex does not compress below 4 bits a character):
      // 300 records are ~1.8 MiB, so the 1 MiB file rotates at least once mid-stream.
      const ids = Array.from({ length: 300 }, (_, n) => `rotation-${n}`);
      for (const id of ids) {
        const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
          headers: { 'x-request-id': id, 'user-agent': `rotation-e2e/${randomBytes(6000).toString('hex')}` },
        });
        await response.arrayBuffer();
      }
      await app.stop();
      await archivedThroughClosingCheckpoint(gateway);

      const files = await archiveFiles(gateway);
      const live = files.at(-1)!;
      const rotated = files.slice(0, -1);
      expect(live.endsWith(LIVE_FILE)).to.equal(true);
      expect(rotated, 'rotated files').to.have.length.of.at.least(1);
      for (const file of files) {
        const bytes = await readFile(file);
        expect(bytes.readUInt32LE(4), `${file}: length-prefixed zstd frames`).to.equal(ZSTD_MAGIC);
        expect(bytes.length, `${file}: within the rotation size`).to.be.at.most(MEBIBYTE);
      }

      // archive-cat: every request's audit record exactly once, and the rotation split the stream.
      const all = await archiveCat(files);
      expect(requestIds(all).sort()).to.deep.equal([...ids].sort());
      for (const file of files) {
        expect(requestIds(await archiveCat([file])), `${file} holds part of the stream`).to.not.have.length(0);
      }

      const analyzed = await runApitrail(['analyze', '--json', ...files]);
      expect(analyzed.stderr).to.equal('');
      const report = JSON.parse(analyzed.stdout) as { records: number; auditRecords: number; malformedLines: number };
      expect(report).to.include({ records: all.length, auditRecords: ids.length, malformedLines: 0 });
      let auditRecordsByFile = 0;
      for (const file of files) {
        const alone = await runApitrail(['analyze', '--json', file]);
        auditRecordsByFile += (JSON.parse(alone.stdout) as { auditRecords: number }).auditRecords;
      }
      expect(auditRecordsByFile, 'no record counted twice').to.equal(ids.length);

      // verify: the log runs across the files, in whatever order they are named.
      const verifyArgs = ['verify', '--json', '--public-key', rootKey.publicFile];
      for (const order of [files, [live, ...rotated], [...files].reverse()]) {
        const verified = await runApitrail([...verifyArgs, ...order]);
        expect(verified.stderr).to.equal('');
        const outcome = JSON.parse(verified.stdout) as { records: number; findings: unknown[] };
        expect(outcome.findings, order.join(' ')).to.deep.equal([]);
        expect(outcome.records).to.equal(all.length);
        expect(verified.code).to.equal(0);
      }
      // The live file alone lacks the records the rotated files hold. The head of the log is in the
      // rotated files, but not as an exact prefix: export batches can reach the gateway out of order,
      // so a few later records may sit in a rotated file and a few earlier ones in the live file.
      const sequences = async (which: readonly string[]): Promise<Set<number>> =>
        new Set(
          (await archiveCat(which))
            .filter((record) => record.eventName !== APITRAIL_EVENTS.integrityCheckpoint)
            .map((record) => Number(record.attributes[ATTR_INTEGRITY_SEQUENCE])),
        );
      const [rotatedSeqs, liveSeqs] = await Promise.all([sequences(rotated), sequences([live])]);
      expect(
        [...rotatedSeqs].filter((seq) => liveSeqs.has(seq)),
        'no leaf in both',
      ).to.deep.equal([]);
      expect(rotatedSeqs.size + liveSeqs.size, 'every leaf in one file or the other').to.equal(
        all.filter((record) => record.eventName !== APITRAIL_EVENTS.integrityCheckpoint).length,
      );
      expect(rotatedSeqs.has(0), 'the head of the log rotated out').to.equal(true);
      const liveOnly = await runApitrail([...verifyArgs, live]);
      const { findings } = JSON.parse(liveOnly.stdout) as { findings: { kind: string; detail: string }[] };
      // The verifier names the first run of missing leaves: from seq 0 to just before the live file's first.
      const firstHeld = Math.min(...liveSeqs);
      expect(findings.map((finding) => finding.kind)).to.deep.equal(['deleted']);
      expect(findings[0]!.detail).to.match(new RegExp(`^seq 0-${firstHeld - 1} missing`));
      expect(liveOnly.code).to.equal(1);
    } finally {
      await gateway.stop();
    }
  });

  it('deletes rotated files older than APITRAIL_ARCHIVE_MAX_DAYS and keeps younger ones', async () => {
    const gateway = await startGateway(binary, [], { APITRAIL_ARCHIVE_MAX_DAYS: '30' });
    try {
      const resource = { 'service.name': 'rotation-e2e' };
      const planted = async (ageDays: number, id: string): Promise<string> => {
        const document = encodeLogsRequest(resource, { name: 'apitrail' }, [
          { eventName: EVENT_API_REQUEST, severityNumber: 9, attributes: { [ATTR_CORRELATION_ID]: id } },
        ]);
        const file = join(gateway.archiveDir, rotatedName(new Date(Date.now() - ageDays * DAY_MS)));
        await writeFile(file, archiveEntry(document));
        return file;
      };
      const expired = await planted(31, 'rotated-31-days-ago');
      const kept = await planted(29, 'rotated-29-days-ago');
      await sendLogs(gateway.otlpHttpEndpoint, resource, { name: 'apitrail' }, [
        { eventName: EVENT_API_REQUEST, severityNumber: 9, attributes: { [ATTR_CORRELATION_ID]: 'live-1' } },
      ]);
      await waitFor('the expired rotated file deleted', async () => {
        const gone = await stat(expired).then(
          () => false,
          () => true,
        );
        return gone ? true : undefined;
      });
      await waitFor('the new record in the archive', async () =>
        requestIds(await gateway.archivedLogs()).includes('live-1') ? true : undefined,
      );
      const files = await archiveFiles(gateway);
      expect(files).to.deep.equal([kept, join(gateway.archiveDir, LIVE_FILE)]);
      expect(requestIds(await archiveCat(files)).sort()).to.deep.equal(['live-1', 'rotated-29-days-ago']);
    } finally {
      await gateway.stop();
    }
  });
});
