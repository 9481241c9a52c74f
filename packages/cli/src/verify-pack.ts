// The form in which prepared chunks cross between `apitrail verify`'s threads (packed runs of
// leaves, see `PackedPrepared`), and the preparing of a chunk from its lines' text. Its imports are
// what a worker thread needs, nothing that loads OpenTelemetry: the readers of records are in
// verify-batches.ts, which a worker loads only for a line that is not a leaf nor a checkpoint.
import type { LogVerifier, PreparedRecord } from '@apitrail/integrity/internal';
import {
  BLOCK_HEIGHT,
  BLOCK_LEAVES,
  leafDigest,
  perfectSubtreeDigest,
  type LineLeaf,
} from '@apitrail/integrity/line-reading';
import type { InputLine } from './input-formats.js';

/** A line of a batch that holds no record: why. */
export interface MalformedLine {
  readonly kind: 'malformed';
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/**
 * A line a worker thread sends back as text for the main thread to prepare (`packChunkText`): a
 * checkpoint, which would otherwise make the worker load the readers of records for one line in
 * hundreds.
 */
export interface UnparsedLine {
  readonly kind: 'unparsed';
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** What verification takes of a batch, in line order: each record prepared, each malformed line, each line left to the main thread. */
export type PreparedBatch = (PreparedRecord | MalformedLine | UnparsedLine)[];

/**
 * A prepared batch as it crosses back. The common item is a run: records on consecutive lines of
 * the batch's file that are leaves of one log with consecutive sequence numbers (location
 * `file:line`, ordering unit the file), with their leaves and the hashes of the aligned blocks
 * among them (`LogVerifier.addLeafRun`), all in typed arrays whose buffers are transferred, not
 * copied. Any other item (a checkpoint, a malformed line, an OTLP record) crosses whole, in
 * `others`. The thread applying it then makes no object or string per record, and hashes about
 * one node in BLOCK_LEAVES records.
 */
export interface PackedPrepared {
  readonly file: string;
  /** Per item: the line of a run's first record; unused for an item of `others`. */
  readonly lines: Int32Array;
  /** Per item: the records of a run, or 0 for the next of `others`. */
  readonly counts: Int32Array;
  readonly logIndexes: Int32Array;
  /** Per item: the sequence number of a run's first record. */
  readonly sequences: Float64Array;
  readonly logIds: string[];
  /** The runs' leaves, HASH_BYTES each, in item order. */
  readonly leaves: Uint8Array;
  /** The runs' block hashes, HASH_BYTES each, in item order. */
  readonly blocks: Uint8Array;
  readonly others: PreparedBatch;
}

const DIGEST_BYTES = 32;

/** The blocks of BLOCK_LEAVES a run of `count` leaves from sequence number `first` holds whole, aligned. */
function alignedBlocks(first: number, count: number): { readonly from: number; readonly count: number } {
  const from = Math.ceil(first / BLOCK_LEAVES) * BLOCK_LEAVES;
  return { from, count: Math.max(0, Math.floor((first + count - from) / BLOCK_LEAVES)) };
}

/** Builds a PackedPrepared item by item, runs growing while leaves follow on. */
class Packer {
  private readonly lines: Int32Array;
  private readonly counts: Int32Array;
  private readonly logIndexes: Int32Array;
  private readonly sequences: Float64Array;
  private readonly leaves: Buffer;
  private readonly logIds: string[] = [];
  private readonly others: PreparedBatch = [];
  private readonly prefix: string;
  private items = 0;
  private leafCount = 0;
  /** The item of the run leaves may still join, or -1. */
  private run = -1;

  /** `capacity`: records at most (one per line, unless a line holds several). */
  constructor(
    private readonly file: string,
    capacity: number,
  ) {
    this.lines = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
    this.logIndexes = new Int32Array(capacity);
    this.sequences = new Float64Array(capacity);
    this.leaves = Buffer.allocUnsafeSlow(capacity * DIGEST_BYTES);
    this.prefix = `${file}:`;
  }

  /** A leaf of the record that is line `line` of the file; `leaf` its digest (`leafDigest`). */
  leaf(line: number, logId: string, sequence: number, leaf: string): void {
    this.leaves.write(leaf, this.leafCount++ * DIGEST_BYTES, DIGEST_BYTES, 'latin1');
    const { run } = this;
    if (
      run >= 0 &&
      this.lines[run]! + this.counts[run]! === line &&
      this.sequences[run]! + this.counts[run]! === sequence &&
      this.logIds[this.logIndexes[run]!] === logId
    ) {
      this.counts[run]!++;
      return;
    }
    let logIndex = this.logIds.indexOf(logId);
    if (logIndex < 0) logIndex = this.logIds.push(logId) - 1;
    this.run = this.items++;
    this.lines[this.run] = line;
    this.counts[this.run] = 1;
    this.logIndexes[this.run] = logIndex;
    this.sequences[this.run] = sequence;
  }

  item(item: PreparedBatch[number]): void {
    const { prefix, file } = this;
    const line =
      item.kind === 'leaf' && item.unit === file && item.location.startsWith(prefix)
        ? Number(item.location.slice(prefix.length))
        : NaN;
    if (item.kind !== 'leaf' || !Number.isSafeInteger(line) || `${prefix}${line}` !== item.location) {
      this.run = -1;
      this.counts[this.items++] = 0;
      this.others.push(item);
      return;
    }
    this.leaf(line, item.logId, item.sequence, item.leaf);
  }

  packed(): PackedPrepared {
    const { file, items, logIds, others, counts, sequences } = this;
    let blockCount = 0;
    for (let item = 0; item < items; item++) blockCount += alignedBlocks(sequences[item]!, counts[item]!).count;
    const blocks = Buffer.allocUnsafeSlow(blockCount * DIGEST_BYTES);
    let leafOffset = 0;
    let blockOffset = 0;
    for (let item = 0; item < items; item++) {
      const first = sequences[item]!;
      const aligned = alignedBlocks(first, counts[item]!);
      for (let block = 0; block < aligned.count; block++) {
        const from = leafOffset + (aligned.from - first + block * BLOCK_LEAVES) * DIGEST_BYTES;
        blocks.write(perfectSubtreeDigest(this.leaves, from, BLOCK_HEIGHT), blockOffset, DIGEST_BYTES, 'latin1');
        blockOffset += DIGEST_BYTES;
      }
      leafOffset += counts[item]! * DIGEST_BYTES;
    }
    return {
      file,
      lines: this.lines.slice(0, items),
      counts: counts.slice(0, items),
      logIndexes: this.logIndexes.slice(0, items),
      sequences: sequences.slice(0, items),
      logIds,
      leaves: this.leaves.subarray(0, this.leafCount * DIGEST_BYTES),
      blocks,
      others,
    };
  }
}

export function packPrepared(file: string, prepared: PreparedBatch): PackedPrepared {
  const packer = new Packer(file, prepared.length);
  for (const item of prepared) packer.item(item);
  return packer.packed();
}

/** The buffers of a packed batch, transferred rather than copied to the thread that applies it. */
export function transferred({ lines, counts, logIndexes, sequences, leaves, blocks }: PackedPrepared): ArrayBuffer[] {
  return [
    lines.buffer,
    counts.buffer,
    logIndexes.buffer,
    sequences.buffer,
    leaves.buffer,
    blocks.buffer,
  ] as ArrayBuffer[];
}

/** Receives the items of a packed batch, in order: each run of leaves (see PackedPrepared), each other item. */
export interface PreparedSink {
  run(...run: Parameters<LogVerifier['addLeafRun']>): void;
  other(item: PreparedBatch[number]): void;
}

/** The items of a packed batch, in order, to `sink`. */
export function unpackPrepared(packed: PackedPrepared, sink: PreparedSink): void {
  const { file, lines, counts, logIndexes, sequences, logIds, leaves, blocks, others } = packed;
  let leafOffset = 0;
  let blockOffset = 0;
  let otherIndex = 0;
  for (let item = 0; item < counts.length; item++) {
    const count = counts[item]!;
    if (count === 0) {
      sink.other(others[otherIndex++]!);
      continue;
    }
    const line = lines[item]!;
    const first = sequences[item]!;
    // A location string is made only for a record that is a finding.
    const location = (index: number): string => `${file}:${line + index}`;
    sink.run(logIds[logIndexes[item]!]!, first, count, leaves, leafOffset, blocks, blockOffset, file, location);
    leafOffset += count * DIGEST_BYTES;
    blockOffset += alignedBlocks(first, count).count * DIGEST_BYTES;
  }
}

/**
 * Packs the leaves of a chunk's lines taken from their text (`lineLeaf`, see `prepareChunk` for
 * why that is sound); every other line goes to `other`, which prepares it. Undefined when a line
 * holds more than one record (a line of an OTLP-JSON payload): the packer makes room for one a
 * line, and the caller prepares the whole chunk parsed.
 */
export function packChunkText(
  file: string,
  firstLine: number,
  lines: readonly InputLine[],
  lineLeaf: (line: string) => LineLeaf | undefined,
  other: (line: InputLine, number: number) => PreparedBatch,
): PackedPrepared | undefined {
  const packer = new Packer(file, lines.length);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const leaf = typeof line === 'string' ? lineLeaf(line) : undefined;
    if (leaf !== undefined) {
      packer.leaf(firstLine + index, leaf.logId, leaf.sequence, leafDigest(leaf.entry));
      continue;
    }
    const others = other(line, firstLine + index);
    if (others.length > 1) return undefined;
    for (const item of others) packer.item(item);
  }
  return packer.packed();
}
