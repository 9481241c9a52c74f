// `apitrail analyze|verify` over compressed input, through the real bin: the gateway archive's
// length-prefixed zstd frames (see test/e2e/cli-archive.test.ts for one the collector wrote), zstd
// and gzip streams, the damage a file can carry, and memory that stays bounded on a large input.
import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runApitrail, type CliResult } from '../helpers/apitrail-cli.ts';
import { archiveEntry, auditLogRecords, zstdFrame } from '../helpers/archive-input.ts';
import { leakedKey, randomKeyId, testIp, type ScriptedRequest } from '../helpers/detect-scenarios.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { encodeLogsRequest } from '../helpers/otlp-json.ts';

const START_MS = Date.UTC(2026, 0, 15, 9, 0, 0);
const RESOURCE = { 'service.name': 'archive-input-test' };
const SCOPE = { name: 'apitrail' };

interface AnalyzeReport {
  records: number;
  auditRecords: number;
  malformedLines: number;
  unreadableFiles: number;
  alerts: { event: string; attributes: Record<string, unknown> }[];
}

async function tempFile(name: string, bytes: Buffer | string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'apitrail-input-')), name);
  await writeFile(file, bytes);
  return file;
}

async function analyze(
  file: string,
  options: Parameters<typeof runApitrail>[1] = {},
): Promise<CliResult & { report: AnalyzeReport }> {
  const result = await runApitrail(['analyze', '--json', file], options);
  return { ...result, report: JSON.parse(result.stdout) as AnalyzeReport };
}

/** One OTLP-JSON export per group of requests: what one archive entry holds. */
function exportsOf(groups: readonly ScriptedRequest[][]): string[] {
  return groups.map((group) => encodeLogsRequest(RESOURCE, SCOPE, auditLogRecords(group, START_MS)));
}

/** A leaked key used from 6 IPs, two requests each, as 3 exports of 4 audit records. */
function leakedKeyExports(): { keyId: string; documents: string[] } {
  const keyId = randomKeyId();
  const requests = leakedKey(keyId, 6);
  return { keyId, documents: exportsOf([requests.slice(0, 4), requests.slice(4, 8), requests.slice(8)]) };
}

function flipByteInTheMiddle(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length >> 1]! ^= 0xff;
  return copy;
}

describe('apitrail analyze|verify over compressed input', () => {
  it('reads the gateway archive (length-prefixed zstd frames) as it is', async () => {
    const { keyId, documents } = leakedKeyExports();
    const file = await tempFile('logs.otlp.jsonl', Buffer.concat(documents.map((document) => archiveEntry(document))));
    const { code, report, stderr } = await analyze(file);
    expect(stderr).to.equal('');
    expect(report.auditRecords).to.equal(12);
    expect(report.alerts.map((alert) => [alert.event, alert.attributes['api_key.id']])).to.deep.equal([
      ['apitrail.key_multiple_source_ips', keyId],
    ]);
    expect(code).to.equal(1);
  });

  it('reads the archive from stdin too', async () => {
    const { documents } = leakedKeyExports();
    const { code, report } = await analyze('-', {
      stdin: Buffer.concat(documents.map((document) => archiveEntry(document))),
    });
    expect([code, report.auditRecords]).to.deep.equal([1, 12]);
  });

  it('reports a corrupt frame as that entry of that file, and reads the entries after it', async () => {
    const { documents } = leakedKeyExports();
    const [first, second, third] = documents.map((document) => archiveEntry(document));
    const file = await tempFile('logs.otlp.jsonl', Buffer.concat([first!, flipByteInTheMiddle(second!), third!]));
    const { code, report, stderr } = await analyze(file);
    expect(stderr).to.match(new RegExp(`^apitrail: ${file}:2: skipped, corrupt zstd frame \\(.+\\)\\n$`));
    expect([report.auditRecords, report.malformedLines, code]).to.deep.equal([8, 1, 2]);
  });

  it('reports a file cut inside an entry (a live file mid-write) at that entry', async () => {
    const { documents } = leakedKeyExports();
    const whole = Buffer.concat(documents.map((document) => archiveEntry(document)));
    const file = await tempFile('logs.otlp.jsonl', whole.subarray(0, whole.length - 10));
    const { code, report, stderr } = await analyze(file);
    expect(stderr).to.match(
      new RegExp(`^apitrail: ${file}:3: skipped, truncated archive: the entry at byte \\d+ has \\d+ of the \\d+ bytes`),
    );
    expect([report.auditRecords, code]).to.deep.equal([8, 2]);

    const cutInPrefix = await tempFile('logs.otlp.jsonl', whole.subarray(0, archiveEntry(documents[0]!).length + 2));
    const inPrefix = await analyze(cutInPrefix);
    expect(inPrefix.stderr).to.include(
      `${cutInPrefix}:2: skipped, truncated archive: the file ends inside a length prefix`,
    );
    expect(inPrefix.report.auditRecords).to.equal(4);
  });

  it('refuses a length prefix announcing 4 GB at once, without waiting for or holding the bytes', async () => {
    const { documents } = leakedKeyExports();
    const bogus = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), zstdFrame(documents[1]!)]);
    const file = await tempFile('logs.otlp.jsonl', Buffer.concat([archiveEntry(documents[0]!), bogus]));
    const { code, report, stderr } = await analyze(file);
    expect(stderr).to.include(
      `${file}:2: skipped, corrupt archive: the length prefix at byte ${archiveEntry(documents[0]!).length} announces 4294967295 bytes`,
    );
    expect([report.auditRecords, code]).to.deep.equal([4, 2]);
  });

  it('checks each frame is whole, which Node 22’s decoder does not (it decodes a cut frame quietly)', async () => {
    const { documents } = leakedKeyExports();
    const frame = zstdFrame(documents[1]!);
    const cases: [Buffer, string][] = [
      [frame.subarray(0, frame.length - 3), 'zstd frame cut short'],
      [frame.subarray(0, frame.length >> 1), 'zstd frame cut short'],
      [Buffer.concat([frame, Buffer.from('{}\n')]), '3 stray bytes after the zstd frame'],
      [Buffer.from(documents[1]!), 'not a zstd frame'],
    ];
    for (const [damaged, reason] of cases) {
      const entries = [archiveEntry(documents[0]!), archiveEntry(documents[1]!, damaged), archiveEntry(documents[2]!)];
      const file = await tempFile('logs.otlp.jsonl', Buffer.concat(entries));
      const { report, stderr } = await analyze(file);
      expect(stderr, reason).to.include(`${file}:2: skipped, ${reason}`);
      expect(report.auditRecords, reason).to.equal(8);
    }
  });

  it('makes a corrupt archive entry a `modified` finding of verify, at that entry', async () => {
    const { documents } = leakedKeyExports();
    const [first, second] = documents.map((document) => archiveEntry(document));
    const file = await tempFile('logs.otlp.jsonl', Buffer.concat([first!, flipByteInTheMiddle(second!)]));
    const { code, stdout } = await runApitrail(['verify', '--json', '--public-key', rootKeyFiles().publicFile, file]);
    const report = JSON.parse(stdout) as { findings: { kind: string; location?: string; detail: string }[] };
    const finding = report.findings.find((candidate) => candidate.location === `${file}:2`);
    expect(finding?.kind).to.equal('modified');
    expect(finding?.detail).to.match(/corrupt zstd frame/);
    expect(code).to.equal(1);
  });

  it('makes an archive entry that is not valid UTF-8 a `modified` finding of verify, at that entry', async () => {
    const { documents } = leakedKeyExports();
    // One byte of a path replaced by one a lenient decoding would read as U+FFFD.
    const second = Buffer.from(documents[1]!);
    second[second.indexOf('/api')] = 0xff;
    const file = await tempFile('logs.otlp.jsonl', Buffer.concat([archiveEntry(documents[0]!), archiveEntry(second)]));
    const { code, stdout } = await runApitrail(['verify', '--json', '--public-key', rootKeyFiles().publicFile, file]);
    const report = JSON.parse(stdout) as { findings: { kind: string; location?: string; detail: string }[] };
    expect(report.findings).to.deep.include({
      kind: 'modified',
      location: `${file}:2`,
      detail: 'unreadable line: not valid UTF-8',
    });
    expect(code).to.equal(1);
    const { stderr, report: analyzed } = await analyze(file);
    expect(stderr).to.include(`${file}:2: skipped, not valid UTF-8`);
    expect(analyzed.auditRecords).to.equal(4);
  });

  it('skips a line longer than 64 MiB as malformed, at once and in bounded memory, and reads the records after it', async () => {
    // 2 MB of gzip holding one 80 MiB line: before, each chunk re-split the whole unfinished line
    // (quadratic: a 600 MiB line ran for minutes) and the line was held whole.
    const line = Buffer.alloc(80 * 1024 * 1024, 'A');
    const record = JSON.stringify({
      timestamp: new Date(START_MS).toISOString(),
      event: 'apitrail.api_request',
      api_key_id: 'k1',
      source_ip: '203.0.113.5',
      status_code: 200,
    });
    const file = await tempFile('long-line.ndjson.gz', gzipSync(Buffer.concat([line, Buffer.from(`\n${record}\n`)])));
    const { code, stderr, report } = await analyze(file);
    expect(code, stderr).to.equal(2);
    expect(stderr).to.include(`${file}:1: skipped, line longer than 64 MiB`);
    expect(report).to.include({ records: 1, auditRecords: 1, malformedLines: 1, unreadableFiles: 0 });
  });

  it('reads an empty file as no records, without complaint', async () => {
    const { code, report, stderr } = await analyze(await tempFile('empty.otlp.jsonl', ''));
    expect([code, report.records, report.malformedLines, report.unreadableFiles, stderr]).to.deep.equal([
      0,
      0,
      0,
      0,
      '',
    ]);
  });

  it('reads zstd streams of several frames (a line may span two) and pzstd’s skippable frames, and gzip', async () => {
    const { keyId, documents } = leakedKeyExports();
    const text = Buffer.from(`${documents.join('\n')}\n`);
    const split = text.indexOf('\n') + 40;
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
    const zstd = Buffer.concat([
      skippable,
      zstdFrame(text.subarray(0, split).toString()),
      zstdFrame(text.subarray(split).toString()),
    ]);
    for (const [name, bytes] of [
      ['logs.ndjson.zst', zstd],
      ['logs.ndjson.gz', gzipSync(text)],
    ] as const) {
      const { code, report, stderr } = await analyze(await tempFile(name, bytes));
      expect([stderr, report.auditRecords, report.alerts[0]?.attributes['api_key.id'], code], name).to.deep.equal([
        '',
        12,
        keyId,
        1,
      ]);
    }
  });

  it('names a cut zstd or gzip stream as unreadable, after reading the lines before the cut', async () => {
    const { documents } = leakedKeyExports();
    const lines = documents.map((document) => `${document}\n`);
    const zstd = Buffer.concat(lines.map((line) => zstdFrame(line)));
    const gzip = gzipSync(lines.join(''));
    for (const [name, bytes, reason] of [
      ['logs.ndjson.zst', zstd.subarray(0, zstd.length - 10), 'corrupt zstd stream (the input ends inside'],
      ['logs.ndjson.gz', gzip.subarray(0, gzip.length - 10), 'corrupt gzip stream (unexpected end of file)'],
    ] as const) {
      const file = await tempFile(name, bytes);
      const { code, report, stderr } = await analyze(file);
      expect(stderr, name).to.include(`apitrail: cannot read ${file}: ${reason}`);
      expect([report.unreadableFiles, code], name).to.deep.equal([1, 2]);
      if (name.endsWith('.zst')) expect(report.auditRecords, 'the two whole frames').to.equal(8);
    }
  });

  it('analyzes 200k lines in a heap far smaller than the input, as text and as an archive', async function () {
    this.timeout(180_000);
    const keys = Array.from({ length: 50 }, randomKeyId);
    const requests: ScriptedRequest[] = Array.from({ length: 200_000 }, (_, n) => ({
      offsetSeconds: n,
      apiKeyId: keys[n % keys.length],
      sourceIp: testIp(n % keys.length),
      statusCode: 200,
      path: `/api/v1/scans/${n}`,
    }));
    const documents = exportsOf(Array.from({ length: 200 }, (_, n) => requests.slice(n * 1000, (n + 1) * 1000)));
    const text = `${documents.join('\n')}\n`;
    // Held whole (the file's text, or every entry decompressed), either input would be about 70 MB
    // of strings before a single record is decoded: that cannot fit the heap the bin is given.
    const heapMegabytes = 24;
    expect(text.length).to.be.greaterThan(2 * heapMegabytes * 1024 * 1024);
    const inputs = [
      await tempFile('big.otlp.jsonl', text),
      await tempFile('big-archive.otlp.jsonl', Buffer.concat(documents.map((document) => archiveEntry(document)))),
    ];
    for (const file of inputs) {
      const { code, report, stderr } = await analyze(file, { nodeFlags: [`--max-old-space-size=${heapMegabytes}`] });
      expect([code, stderr, report.auditRecords], file).to.deep.equal([0, '', 200_000]);
    }
  });
});
