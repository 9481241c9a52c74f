// Leaves handed to the verifier in runs (`LogVerifier.addLeafRun`, which `apitrail verify` applies
// its prepared chunks with): the tree appends the hashes of whole aligned blocks the preparing
// thread computed (`perfectSubtreeDigest`, `CompactTree.appendSubtree`), and must report exactly
// what one record at a time reports, whatever the order, repeats, gaps and forgeries.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  CompactTree,
  KEPT_HEIGHT,
  LogVerifier,
  MerkleLog,
  PrefixTree,
  Signer,
  leafArray,
  leafDigest,
  perfectSubtreeDigest,
  recordEntry,
  subtreeHash,
  type PreparedRecord,
  type VerifyReport,
} from '@apitrail/integrity/internal';
import { packPrepared, unpackPrepared, type PreparedBatch } from '@apitrail/cli/internal';

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const randomLeaves = (count: number): Buffer[] => Array.from({ length: count }, () => randomBytes(32));
const latin1 = (hash: Uint8Array): string => Buffer.from(hash).toString('latin1');

describe('Merkle subtrees appended whole', () => {
  it('hashes a perfect subtree of packed leaves as RFC 9162 does', () => {
    const hashes = randomLeaves(200);
    const packed = Buffer.concat(hashes);
    for (let height = 0; height <= 6; height++) {
      for (const start of [0, 3, 64, 200 - 2 ** height]) {
        expect(perfectSubtreeDigest(packed, start * 32, height), `height ${height} from ${start}`).to.equal(
          latin1(subtreeHash(leafArray(hashes), start, start + 2 ** height)),
        );
      }
    }
    // Control: the leaves' order counts.
    const swapped = Buffer.concat([hashes[1]!, hashes[0]!]);
    expect(perfectSubtreeDigest(swapped, 0, 1)).not.to.equal(perfectSubtreeDigest(packed, 0, 1));
  });

  it('gives the roots and prefix roots of the same leaves appended one by one', () => {
    const hashes = randomLeaves(1000);
    const random = seededRandom(7);
    const oneByOne = new PrefixTree();
    const inBlocks = new PrefixTree();
    const compact = new CompactTree();
    const packed = Buffer.concat(hashes);
    for (const hash of hashes) oneByOne.append(hash);
    let blocksAppended = 0;
    while (inBlocks.size < hashes.length) {
      const size = inBlocks.size;
      // The largest aligned block that fits, sometimes; else one leaf.
      let height = KEPT_HEIGHT;
      while (height > 0 && (size % 2 ** height !== 0 || size + 2 ** height > hashes.length)) height--;
      if (height > 0 && random() < 0.7) {
        const node = perfectSubtreeDigest(packed, size * 32, height);
        inBlocks.appendSubtree(height, node);
        compact.appendSubtree(height, node);
        blocksAppended++;
      } else {
        inBlocks.append(hashes[size]!);
        compact.append(hashes[size]!);
      }
      expect(
        inBlocks.root().equals(subtreeHash(leafArray(hashes), 0, inBlocks.size)),
        `size ${inBlocks.size}`,
      ).to.equal(true);
      expect(compact.root().equals(inBlocks.root())).to.equal(true);
    }
    expect(blocksAppended).to.be.greaterThan(20);
    const leaf = (index: number): Uint8Array => hashes[index]!;
    for (let size = 1; size <= hashes.length; size += 37) {
      expect(inBlocks.prefixRoot(size, leaf).equals(oneByOne.prefixRoot(size, leaf)), `prefix ${size}`).to.equal(true);
    }
  });

  it('refuses a subtree that does not start at a multiple of its size, and one larger than a prefix tree keeps inside', () => {
    const tree = new PrefixTree();
    tree.append(randomBytes(32));
    expect(() => tree.appendSubtree(1, latin1(randomBytes(32)))).to.throw(RangeError, /cannot follow 1/);
    const empty = new PrefixTree();
    expect(() => empty.appendSubtree(KEPT_HEIGHT + 1, latin1(randomBytes(32)))).to.throw(RangeError, /at most/);
    // A plain compact tree keeps nothing inside: any height.
    new CompactTree().appendSubtree(KEPT_HEIGHT + 3, latin1(randomBytes(32)));
  });
});

/** A real signed log of `count` records: each record's leaf, and checkpoint notes by size. */
function signedLog(count: number, checkpointEvery: number) {
  const root = Signer.generate('apitrail-test-root');
  const log = new MerkleLog({ rootKey: Signer.parse(root.skey), epochMs: 3_600_000 });
  const leaves: string[] = [];
  const checkpoints: { afterSequence: number; note: string }[] = [];
  const provider = new LoggerProvider({
    processors: [
      {
        onEmit(record: ReadWriteLogRecord) {
          log.append(record);
          for (const sealed of log.seal()) leaves.push(leafDigest(recordEntry(sealed)));
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const logger = provider.getLogger('apitrail.audit');
  for (let n = 0; n < count; n++) {
    logger.emit({ body: `API Request ${n}`, attributes: { n } });
    if ((n + 1) % checkpointEvery === 0) {
      for (const note of log.checkpoint(false)) checkpoints.push({ afterSequence: n, note });
    }
  }
  for (const note of log.close()) checkpoints.push({ afterSequence: count - 1, note });
  return { verifier: root.verifier, logId: log.logId, leaves, checkpoints };
}

type Item = { sequence: number; leaf: string } | { note: string };

/**
 * How a log reached the files: split into files (ordering units) read in some order, some records
 * repeated, dropped, swapped or forged. Checkpoints travel in the file of the record before them.
 */
function delivered(log: ReturnType<typeof signedLog>, random: () => number, tamper: boolean): Item[][] {
  const items: Item[] = [];
  let checkpoint = 0;
  for (let sequence = 0; sequence < log.leaves.length; sequence++) {
    items.push({ sequence, leaf: log.leaves[sequence]! });
    while (log.checkpoints[checkpoint]?.afterSequence === sequence)
      items.push({ note: log.checkpoints[checkpoint++]!.note });
  }
  const files: Item[][] = [];
  for (let start = 0; start < items.length;) {
    const end = Math.min(items.length, start + 1 + Math.floor(random() * 3000));
    files.push(items.slice(start, end));
    start = end;
  }
  // Files are read in any order; a retried batch repeats a stretch of records, identical.
  files.sort(() => random() - 0.5);
  const source = files[Math.floor(random() * files.length)]!;
  const from = Math.floor(random() * source.length);
  files.push(source.slice(from, from + 1 + Math.floor(random() * 200)));
  if (tamper) {
    const file = files[Math.floor(random() * files.length)]!;
    const at = Math.floor(random() * (file.length - 1));
    const choice = Math.floor(random() * 4);
    const item = file[at]!;
    if (choice === 0 && 'leaf' in item) file[at] = { sequence: item.sequence, leaf: latin1(randomBytes(32)) };
    else if (choice === 1) file.splice(at, 1);
    else if (choice === 2) [file[at], file[at + 1]] = [file[at + 1]!, file[at]!];
    else file.splice(at, 0, { ...file[at]! });
  }
  return files;
}

/** What the verifier reports fed one record at a time, and fed runs as `apitrail verify` packs them. */
function bothWays(log: ReturnType<typeof signedLog>, files: Item[][], corruptBlock = false) {
  const preparedFiles = files.map((items, index): PreparedBatch => {
    const file = `f${index}.ndjson`;
    return items.map((item, line): PreparedRecord => {
      const at = { location: `${file}:${line + 1}`, unit: file };
      return 'note' in item
        ? { ...at, kind: 'checkpoint', logId: log.logId, note: item.note }
        : { ...at, kind: 'leaf', logId: log.logId, sequence: item.sequence, leaf: item.leaf };
    });
  });
  const oneByOne = new LogVerifier(log.verifier);
  for (const prepared of preparedFiles) for (const item of prepared) oneByOne.addPrepared(item as PreparedRecord);
  const inRuns = new LogVerifier(log.verifier);
  let blocks = 0;
  for (const [index, prepared] of preparedFiles.entries()) {
    const packed = packPrepared(`f${index}.ndjson`, prepared);
    blocks += packed.blocks.length / 32;
    if (corruptBlock && packed.blocks.length > 0) packed.blocks[packed.blocks.length - 1]! ^= 1;
    unpackPrepared(packed, {
      run: (...run) => inRuns.addLeafRun(...run),
      other: (item) => inRuns.addPrepared(item as PreparedRecord),
    });
  }
  return { oneByOne: oneByOne.finish(), inRuns: inRuns.finish(), blocks };
}

const kinds = (report: VerifyReport): string[] => report.findings.map((finding) => finding.kind);

describe('LogVerifier.addLeafRun', () => {
  // Across the leaf store's chunks of 4096 leaves.
  const log = signedLog(5000, 700);

  it('reports what one record at a time reports, for logs delivered intact and tampered with', () => {
    const seen = new Set<string>();
    let duplicates = 0;
    let blocks = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const tamper = seed % 4 !== 0;
      const files = delivered(log, seededRandom(seed), tamper);
      const { oneByOne, inRuns, blocks: packedBlocks } = bothWays(log, files);
      expect(inRuns, `seed ${seed}`).to.deep.equal(oneByOne);
      if (!tamper) expect(kinds(inRuns), `intact, seed ${seed}`).to.deep.equal([]);
      kinds(inRuns).forEach((kind) => seen.add(kind));
      duplicates += inRuns.logs[0]!.duplicates;
      blocks += packedBlocks;
    }
    // Control: the scenarios reach every path the comparison is about.
    expect([...seen]).to.include.members(['modified', 'deleted', 'inserted', 'reordered']);
    expect(duplicates).to.be.greaterThan(0);
    expect(blocks).to.be.greaterThan(1000);
  });

  it('takes the blocks it is given: a wrong block hash is a finding (control)', () => {
    const files = delivered(log, seededRandom(4), false);
    const { oneByOne, inRuns } = bothWays(log, files, true);
    expect(kinds(oneByOne)).to.deep.equal([]);
    expect(kinds(inRuns)).to.deep.equal(['modified']);
  });
});
