import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE, EVENT_API_REQUEST } from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';
import { LogVerifier, MerkleLog, Signer, type Verifier } from '@apitrail/integrity/internal';
import { verifyFiles } from '@apitrail/cli';
import {
  chunkLines,
  packPrepared,
  prepareBatch,
  readRecords,
  transferred,
  unpackPrepared,
  type PreparedBatch,
} from '@apitrail/cli/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { encodeLogsRequest } from '../helpers/otlp-json.ts';
import { checkpointLine as checkpointOf } from '../helpers/integrity-lines.ts';

/** NDJSON lines of a signed log of `count` records, a checkpoint every 1000, closed; `extra` attributes on each (or on record `n`). */
function signedLines(
  root: Signer,
  count: number,
  extra: Record<string, unknown> | ((n: number) => Record<string, unknown>) = {},
): string[] {
  const log = new MerkleLog({ rootKey: Signer.parse(root.skey), epochMs: 3_600_000 });
  const lines: string[] = [];
  const checkpointLine = (note: string): string => checkpointOf(log.logId, note);
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
      attributes: {
        'api_key.id': `key_${n % 7}`,
        'http.response.status_code': 200,
        'url.query': `page=${n}`,
        ...((typeof extra === 'function' ? extra(n) : extra) as Record<string, never>),
      },
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

/**
 * What `apitrail verify` must report, worked out another way: records read line by line with
 * `readline` (as `apitrail analyze` reads them) and fed to the verifier one by one.
 */
async function lineByLine(files: string[], rootKey: Verifier) {
  const verifier = new LogVerifier(rootKey);
  const malformed: string[][] = [];
  let unreadableFiles = 0;
  await readRecords(files, {
    record: (record) => verifier.add(record),
    malformed: (file, line, reason) => malformed.push([`${file}:${line}`, reason]),
    unreadable: () => unreadableFiles++,
  });
  const report = verifier.finish();
  for (const [location, reason] of malformed)
    report.findings.push({ kind: 'modified', location, detail: `unreadable line: ${reason}` });
  return { report, unreadableFiles };
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

  it('takes leaves from the text in a worker that loads no OpenTelemetry module, the checkpoints left to the main thread', async () => {
    const file = join(dir, 'intact-bin.ndjson');
    writeFileSync(file, `${intact.join('\n')}\n`);
    const publicKey = join(dir, 'root-modules.pub');
    writeFileSync(publicKey, `${root.verifier.vkey}\n`);
    // Preloaded in every thread of the bin: each module a worker thread loads, one line each.
    const loads = join(dir, 'worker-modules.txt');
    const preload = join(dir, 'record-worker-modules.cjs');
    writeFileSync(
      preload,
      `const { isMainThread } = require('node:worker_threads');
       const Module = require('node:module');
       const { appendFileSync } = require('node:fs');
       if (!isMainThread) {
         const load = Module._load;
         Module._load = function (request, ...rest) {
           appendFileSync(${JSON.stringify(loads)}, request + '\\n');
           return load.call(this, request, ...rest);
         };
       }`,
    );
    const run = async (input: string) => {
      writeFileSync(loads, '');
      const result = await runApitrail(['verify', '--workers', '1', '--public-key', publicKey, input], {
        nodeFlags: ['--require', preload],
      });
      return { ...result, modules: readFileSync(loads, 'utf8').split('\n').filter(Boolean) };
    };
    const plain = await run(file);
    expect(plain.code, plain.stdout).to.equal(0);
    expect(plain.modules, 'the worker ran').to.include('@apitrail/integrity/line-reading');
    expect(plain.modules.filter((request) => request.includes('opentelemetry'))).to.deep.equal([]);
    // Control, that the check sees such a load: a record outside the log is a finding, and the
    // second pass parses every line in workers that load the readers of records.
    const unaudited = JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', message: 'not audited' });
    const mixed = join(dir, 'intact-and-other.ndjson');
    writeFileSync(mixed, `${intact.join('\n')}\n${unaudited}\n`);
    const other = await run(mixed);
    expect(other.code, other.stdout).to.equal(1);
    expect(other.modules.some((request) => request.includes('opentelemetry'))).to.equal(true);
  });

  it('reads a record whose attributes are named as fields of the line or of another shape as that record, on both paths', async () => {
    // Attributes an app (or metadata copied from a request) may carry, each a key by which a reader
    // tells a line's shape or fields apart: left as they are, `apitrail analyze` and the parsing pass
    // would read the line as an ECS document, an OTLP payload or a HEC event, or with another time.
    const shapes = {
      '@timestamp': '1999-01-01T00:00:00Z',
      _source: { '@timestamp': '1999-01-01T00:00:00Z', message: 'forged' },
      resourceLogs: [],
      time: 5,
      fields: { a: 1 },
      timestamp: 5,
      logger: 'forged',
    };
    const lines = signedLines(root, 30, shapes);
    expect(Object.keys(JSON.parse(lines[0]!) as object)).to.include.members(
      Object.keys(shapes).map((name) => (name === 'time' ? name : `app.${name}`)),
    );
    const file = join(dir, 'shapes.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect((await verifyWith([file], root.verifier, 0)).report.findings).to.deep.equal([]);
    expect((await lineByLine([file], root.verifier)).report.findings).to.deep.equal([]);
    const times: number[] = [];
    await readRecords([file], {
      record: (record) => times.push(record.timeMs),
      malformed: () => {},
      unreadable: () => {},
    });
    expect(times.length).to.be.above(30);
    expect(times.every((ms) => ms > Date.UTC(2020, 0, 1))).to.equal(true);
  });

  it('finds a line whose unsigned tail is no JSON (trace flags with a leading zero)', async () => {
    const lines = signedLines(root, 30);
    lines[3] = `${lines[3]!.slice(0, -1)},"trace_flags":007}`;
    const file = join(dir, 'leading-zero.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { report } = await verifyWith([file], root.verifier, 0);
    expect(report.findings.some((finding) => /unreadable line/.test(finding.detail))).to.equal(true);
  });

  it('hands prepared batches back whole: leaves in transferred buffers, every other kind of item as it is', () => {
    const lines = [intact[0]!, '', 'not json', intact[1]!, 'ünïcode ✓'];
    const prepared: PreparedBatch = prepareBatch({ file: 'a.ndjson', firstLine: 41, lines });
    expect(prepared.map((item) => item.kind)).to.deep.equal(['leaf', 'malformed', 'leaf', 'malformed']);
    // A record whose location is not `file:line` (an OTLP payload's) travels whole.
    prepared.push({ ...(prepared[0] as object), location: 'a.ndjson:7#2', unit: 'a.ndjson:7#0.0' } as never);
    const packed = packPrepared('a.ndjson', prepared);
    const crossed = structuredClone(packed, { transfer: transferred(packed) });
    expect(packed.leaves.byteLength, 'transferred, not copied').to.equal(0);
    const received: unknown[] = [];
    unpackPrepared(crossed, {
      run: (logId, first, count, leaves, offset, _blocks, _blockOffset, unit, location) => {
        for (let index = 0; index < count; index++) {
          const from = offset + index * 32;
          received.push({
            kind: 'leaf',
            location: location(index),
            unit,
            logId,
            sequence: first + index,
            leaf: Buffer.from(leaves.subarray(from, from + 32)).toString('latin1'),
          });
        }
      },
      other: (item) => received.push(item),
    });
    expect(received).to.deep.equal(prepared);
  });

  it('splits a chunk into lines as readline does: CRLF, LF, a lone CR, blank lines, a last line without a break', () => {
    const text = 'a\r\nb\n\nc\rd\r\n\r\nü ✓\re';
    expect(chunkLines(Buffer.from(text))).to.deep.equal(['a', 'b', '', 'c', 'd', '', 'ü ✓', 'e']);
    // Without a lone CR (each line decoded on its own).
    expect(chunkLines(Buffer.from('a\r\nü ✓\r\n\r\nc\nd'))).to.deep.equal(['a', 'ü ✓', '', 'c', 'd']);
    expect(chunkLines(Buffer.from('x\r'))).to.deep.equal(['x']);
    expect(chunkLines(Buffer.from('\n'))).to.deep.equal(['']);
    expect(chunkLines(Buffer.alloc(0))).to.deep.equal([]);
  });

  it('splits a chunk that is not valid UTF-8 at the same line breaks, each line that is not one refused', () => {
    const bytes = Buffer.concat([
      Buffer.from('a\r\n\xff\nb\rc\u00fc\n', 'latin1'),
      Buffer.from('ü ✓\r\n'),
      Buffer.from([0xc0, 0xaf, 0x0d, 0xe2, 0x82]),
    ]);
    const refused = { reason: 'not valid UTF-8' };
    expect(chunkLines(bytes)).to.deep.equal(['a', refused, 'b', refused, 'ü ✓', refused, refused]);
  });

  describe('refuses a line that is not valid UTF-8 though a lenient decoding reads the signed text', () => {
    // Two signed U+FFFD (EF BF BD each) on every line; on line 5, other bytes a lenient decoder
    // reads as the same two U+FFFD: an invalid byte each, a three-byte sequence cut short each, an
    // overlong encoding of '/' (two invalid bytes).
    const signed = signedLines(root, 30, { note: 'before \uFFFD\uFFFD after' });
    const intactText = Buffer.from(`${signed.join('\n')}\n`);
    const replaced = (bytes: number[]): Buffer => {
      const at = intactText.indexOf('\uFFFD\uFFFD', Buffer.byteLength(`${signed.slice(0, 4).join('\n')}\n`));
      return Buffer.concat([intactText.subarray(0, at), Buffer.from(bytes), intactText.subarray(at + 6)]);
    };
    const variants: [string, Buffer][] = [
      ['invalid-byte', replaced([0xff, 0xff])],
      ['cut-sequence', replaced([0xef, 0xbf, 0xef, 0xbf])],
      ['overlong', replaced([0xc0, 0xaf])],
    ];
    const containers: [string, (bytes: Buffer) => Buffer][] = [
      ['ndjson', (bytes) => bytes],
      ['ndjson.gz', (bytes) => gzipSync(bytes)],
      ['ndjson.zst', (bytes) => zstdCompressSync(bytes)],
    ];

    for (const [extension, contain] of containers) {
      it(`.${extension}`, async () => {
        const intact = join(dir, `fffd-intact.${extension}`);
        writeFileSync(intact, contain(intactText));
        // Control: the signed U+FFFD verifies.
        expect((await verifyWith([intact], root.verifier, 0)).report.findings).to.deep.equal([]);
        for (const [name, tampered] of variants) {
          expect(tampered.toString(), `${name} reads as the signed text`).to.equal(intactText.toString());
          const file = join(dir, `fffd-${name}.${extension}`);
          writeFileSync(file, contain(tampered));
          expect((await verifyWith([file], root.verifier, 0)).report.findings, name).to.deep.include({
            kind: 'modified',
            location: `${file}:5`,
            detail: 'unreadable line: not valid UTF-8',
          });
        }
      });
    }

    it('through the real bin, from a file and from stdin: exit code 1, the line named', async () => {
      const publicKey = join(dir, 'root.pub');
      writeFileSync(publicKey, `${root.verifier.vkey}\n`);
      const file = join(dir, 'fffd-bin.ndjson');
      writeFileSync(file, variants[0]![1]);
      for (const [input, stdin] of [
        [file, undefined],
        ['-', variants[0]![1]],
      ] as const) {
        const { code, stdout } = await runApitrail(['verify', '--public-key', publicKey, input], { stdin });
        expect(stdout, input).to.match(new RegExp(`modified +${input}:5 .*unreadable line: not valid UTF-8`));
        expect(code, input).to.equal(1);
      }
    });

    it('where the first read of a file ends inside the line, with 0, 1 and 2 workers', async () => {
      // Lines of about 2.4 KB, about 1.2 MB in all: the first buffer a plain file is read into
      // (1 MiB) ends inside a line, which starts the second chunk (a compressed file is chunked
      // elsewhere, but in two chunks too). A first log finds that line and where its note lies; a
      // second, of lines of the same lengths, has a U+FFFD in that note whose first byte is the
      // buffer's last.
      const lastOfFirstRead = 1024 * 1024 - 1;
      const pad = 'a'.repeat(2000);
      const probe = signedLines(root, 500, { note: pad });
      let line = 0;
      let lineStart = 0;
      while (lineStart + Buffer.byteLength(probe[line]!) <= lastOfFirstRead)
        lineStart += Buffer.byteLength(probe[line++]!) + 1;
      const padAt = lastOfFirstRead - lineStart - probe[line]!.indexOf(pad);
      const record = Number((JSON.parse(probe[line]!) as Record<string, unknown>)[ATTR_INTEGRITY_SEQUENCE]);
      const lines = signedLines(root, 500, (n) => ({
        note: n === record ? `${pad.slice(0, padAt)}\uFFFD${pad.slice(padAt + 3)}` : pad,
      }));
      const intactText = Buffer.from(`${lines.join('\n')}\n`);
      expect(intactText.subarray(lastOfFirstRead, lastOfFirstRead + 3).toString()).to.equal('\uFFFD');
      const tamperedText = Buffer.concat([
        intactText.subarray(0, lastOfFirstRead),
        Buffer.from([0xff]),
        intactText.subarray(lastOfFirstRead + 3),
      ]);
      for (const [extension, contain] of containers) {
        const intact = join(dir, `boundary-intact.${extension}`);
        writeFileSync(intact, contain(intactText));
        const file = join(dir, `boundary.${extension}`);
        writeFileSync(file, contain(tamperedText));
        for (const workers of [0, 1, 2]) {
          const where = `${extension}, ${workers} workers`;
          // Control: a character cut by the read is no finding.
          expect((await verifyWith([intact], root.verifier, workers)).report.findings, where).to.deep.equal([]);
          expect((await verifyWith([file], root.verifier, workers)).report.findings, where).to.deep.include({
            kind: 'modified',
            location: `${file}:${line + 1}`,
            detail: 'unreadable line: not valid UTF-8',
          });
        }
      }
    });
  });

  describe('reports what a line-by-line reading reports, with 0, 1 and 2 workers', () => {
    // About 9 MB: records cut across the 1 MiB chunks, and across reads of 64 KiB (and gzip's 16 KiB).
    const tampered = [...intact];
    // A line longer than a chunk; lines with multi-byte characters; a blank line; a lone CR in a line.
    tampered.splice(3000, 0, `{"x":"${'ü'.repeat(700_000)}`);
    tampered.splice(7000, 0, 'ünïcode ✓ not json', '', 'not json\ralso not json');
    // OTLP-JSON payloads: records whose location is `file:line#index`; one repeats a sequence with other content.
    const fifth = JSON.parse(intact[5]!) as Record<string, unknown>;
    const logId = String(fifth[ATTR_INTEGRITY_LOG_ID]);
    tampered.splice(
      9000,
      0,
      encodeLogsRequest({ 'service.name': 'api' }, { name: 'apitrail.audit' }, [
        { eventName: EVENT_API_REQUEST, body: 'forged', attributes: { [ATTR_INTEGRITY_LOG_ID]: logId } },
        {
          eventName: EVENT_API_REQUEST,
          body: 'forged',
          attributes: {
            [ATTR_INTEGRITY_LOG_ID]: logId,
            [ATTR_INTEGRITY_SEQUENCE]: Number(fifth[ATTR_INTEGRITY_SEQUENCE]),
          },
        },
      ]),
    );
    // A lone CR early on, so the line numbers of every later chunk depend on counting it.
    tampered.splice(10, 0, 'cut\rin two');
    const lf = `${tampered.join('\n')}\n`;
    const inputs: [string, string | Buffer][] = [
      ['lf.ndjson', lf],
      ['crlf.ndjson', `${tampered.join('\r\n')}\r\n`],
      ['no-final-break.ndjson', tampered.join('\n')],
      ['lf.ndjson.gz', gzipSync(lf)],
      ['lf.ndjson.zst', zstdCompressSync(lf)],
      ['intact.ndjson', `${intact.join('\n')}\n`],
    ];
    for (const [name, content] of inputs) {
      it(name, async () => {
        const file = join(dir, name);
        writeFileSync(file, content);
        const expected = await lineByLine([file], root.verifier);
        // Control: the damage is found where it is (an intact log: nothing found).
        const locations = expected.report.findings.map((finding) => finding.location);
        if (name === 'intact.ndjson') expect(expected.report.findings).to.deep.equal([]);
        else
          expect(locations).to.include.members([
            `${file}:11`,
            `${file}:12`,
            `${file}:3003`,
            `${file}:7003`,
            `${file}:7005`,
            `${file}:7006`,
            `${file}:9004#1`,
            `${file}:9004#2`,
          ]);
        for (const workers of [0, 1, 2]) {
          expect(await verifyWith([file], root.verifier, workers), `${workers} workers`).to.deep.equal(expected);
        }
      });
    }

    it('long-lines.ndjson: lines longer than the buffers a file is read into, one after another', async () => {
      const file = join(dir, 'long-lines.ndjson');
      const lines = [...intact];
      lines.splice(
        100,
        0,
        `{"x":"${'a'.repeat(1_500_000)}`,
        `{"y":"${'ü'.repeat(1_200_000)}`,
        `{"z":"${'b'.repeat(2_500_000)}`,
      );
      writeFileSync(file, `${lines.join('\n')}\n`);
      const expected = await lineByLine([file], root.verifier);
      // Control: each long line is found where it is.
      expect(expected.report.findings.map((finding) => finding.location)).to.include.members([
        `${file}:101`,
        `${file}:102`,
        `${file}:103`,
      ]);
      for (const workers of [0, 1, 2]) {
        expect(await verifyWith([file], root.verifier, workers), `${workers} workers`).to.deep.equal(expected);
      }
    });
  });
});
