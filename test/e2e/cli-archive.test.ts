// `apitrail analyze|verify` over the retention archive exactly as the real gateway
// (collector-config/gateway.yaml, `compression: zstd`) writes it: no decompression step first.
import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { auditLogRecords } from '../helpers/archive-input.ts';
import {
  archivedThroughClosingCheckpoint,
  sendLogs,
  startAppOnAgent,
  startGateway,
  type Gateway,
} from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { leakedKey, randomKeyId } from '../helpers/detect-scenarios.ts';
import { waitFor } from '../helpers/wait.ts';

const ZSTD_MAGIC = 0xfd2fb528;

async function withGateway(binary: string, use: (gateway: Gateway, archive: string) => Promise<void>): Promise<void> {
  const gateway = await startGateway(binary);
  try {
    await use(gateway, join(gateway.archiveDir, 'logs.otlp.jsonl'));
  } finally {
    await gateway.stop();
  }
}

/** The archive file's entries' [start, end) byte ranges, read through their length prefixes. */
function entryRanges(archive: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < archive.length; start = ranges.at(-1)![1]) {
    ranges.push([start, start + 4 + archive.readUInt32BE(start)]);
  }
  return ranges;
}

describe('apitrail analyze|verify over the archive the real gateway wrote', function () {
  this.timeout(120_000);
  let binary: string;

  before(async function () {
    binary = await requireCollector(this);
  });

  it('analyze reads the compressed archive as it is, from a file and from stdin', async () => {
    await withGateway(binary, async (gateway, archive) => {
      const keyId = randomKeyId();
      const requests = leakedKey(keyId, 6);
      const records = auditLogRecords(requests, Date.UTC(2026, 0, 15, 9, 0, 0));
      for (let n = 0; n < records.length; n += 4) {
        await sendLogs(
          gateway.otlpHttpEndpoint,
          { 'service.name': 'cli-archive-e2e' },
          { name: 'apitrail' },
          records.slice(n, n + 4),
        );
      }
      await waitFor('every record in the archive', async () =>
        (await gateway.archivedLogs()).length === records.length ? true : undefined,
      );
      const bytes = await readFile(archive);
      expect(bytes.readUInt32LE(4), 'length-prefixed zstd frames, not text').to.equal(ZSTD_MAGIC);
      expect(entryRanges(bytes), 'one entry per export').to.have.length(3);

      for (const [file, stdin] of [
        [archive, undefined],
        ['-', bytes],
      ] as const) {
        const { code, stdout, stderr } = await runApitrail(['analyze', '--json', file], { stdin });
        const report = JSON.parse(stdout) as {
          auditRecords: number;
          alerts: { event: string; attributes: Record<string, unknown> }[];
        };
        expect(stderr, file).to.equal('');
        expect(report.auditRecords, file).to.equal(records.length);
        expect(
          report.alerts.map((alert) => [alert.event, alert.attributes['api_key.id']]),
          file,
        ).to.deep.equal([['apitrail.key_multiple_source_ips', keyId]]);
        expect(code, file).to.equal(1);
      }
    });
  });

  it('verify passes the signed archive as it is, and names a corrupt entry by file and number', async () => {
    await withGateway(binary, async (gateway, archive) => {
      const rootKey = rootKeyFiles();
      const app = await startAppOnAgent(gateway, 'examples/node-http/server.js', rootKey.env);
      for (let n = 0; n < 20; n++) {
        const response = await fetch(`${app.baseUrl}/api/v1/scans?page=${n}`, {
          headers: { 'x-request-id': `cli-archive-${n}` },
        });
        await response.arrayBuffer();
      }
      await app.stop();
      await archivedThroughClosingCheckpoint(gateway);
      const bytes = await readFile(archive);
      expect(bytes.readUInt32LE(4), 'length-prefixed zstd frames, not text').to.equal(ZSTD_MAGIC);
      const verifyArgs = ['verify', '--json', '--public-key', rootKey.publicFile];

      const clean = await runApitrail([...verifyArgs, archive]);
      expect(clean.stderr).to.equal('');
      expect((JSON.parse(clean.stdout) as { records: number }).records).to.be.greaterThan(20);
      expect(JSON.parse(clean.stdout).findings).to.deep.equal([]);
      expect(clean.code).to.equal(0);

      const ranges = entryRanges(bytes);
      const corrupted = Buffer.from(bytes);
      const [start, end] = ranges[0]!;
      corrupted[(start + 4 + end) >> 1]! ^= 0xff;
      const copy = join(await mkdtemp(join(tmpdir(), 'apitrail-cli-archive-')), 'logs.otlp.jsonl');
      await writeFile(copy, corrupted);
      const caught = await runApitrail([...verifyArgs, copy]);
      const findings = (
        JSON.parse(caught.stdout) as { findings: { kind: string; location?: string; detail: string }[] }
      ).findings;
      const atEntry = findings.find((finding) => finding.location === `${copy}:1`);
      expect(atEntry?.kind).to.equal('modified');
      expect(atEntry?.detail).to.match(/corrupt zstd frame/);
      expect(caught.code).to.equal(1);
    });
  });
});
