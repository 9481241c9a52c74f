import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogVerifier } from '@apitrail/integrity';
import {
  BLOCK_HEIGHT,
  BLOCK_LEAVES,
  leafDigest,
  lineLeaf,
  perfectSubtreeDigest,
  prepareRecord,
  type PreparedRecord,
} from '@apitrail/integrity/internal';
import { decodeBatch, type LineBatch } from './records.js';
import { chunkLines, type TextChunk } from './text-chunks.js';

/** A line of a batch that holds no record: why. */
export interface MalformedLine {
  readonly kind: 'malformed';
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** What verification takes of a batch, in line order: each record prepared, each malformed line. */
export type PreparedBatch = (PreparedRecord | MalformedLine)[];

/**
 * Decodes a batch and prepares its records for the verifier (`prepareRecord`: the canonical entry
 * and leaf hash, nearly all of verification's work). Runs in the verify command's worker threads,
 * or in its own thread for a small input.
 */
export function prepareBatch(batch: LineBatch): PreparedBatch {
  const prepared: PreparedBatch = [];
  decodeBatch(batch, {
    record: (record) => prepared.push(prepareRecord(record)),
    malformed: (file, line, reason) => prepared.push({ kind: 'malformed', file, line, reason }),
  });
  return prepared;
}

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
 * Splits a chunk into lines, prepares them, and packs the result (in a worker thread, or in the
 * main one). With `fromLineText`, the leaf of a line apitrail's NDJSON exporter wrote is taken from
 * its text without parsing it (`lineLeaf`), and every other line is decoded; that is sound only
 * because `verifyFiles` decides any finding by preparing every line again without it.
 */
export function prepareChunk({ file, firstLine, bytes }: TextChunk, fromLineText: boolean): PackedPrepared {
  const lines = chunkLines(bytes);
  if (!fromLineText) return packPrepared(file, prepareBatch({ file, firstLine, lines }));
  const packer = new Packer(file, lines.length);
  const others: PreparedBatch = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const leaf = typeof line === 'string' ? lineLeaf(line) : undefined;
    if (leaf !== undefined) {
      packer.leaf(firstLine + index, leaf.logId, leaf.sequence, leafDigest(leaf.entry));
      continue;
    }
    others.length = 0;
    decodeBatch(
      { file, firstLine: firstLine + index, lines: [line] },
      {
        record: (record) => others.push(prepareRecord(record)),
        malformed: (_, number, reason) => others.push({ kind: 'malformed', file, line: number, reason }),
      },
    );
    // A line of an OTLP-JSON payload holds many records; the packer makes room for at most one.
    if (others.length > 1) return packPrepared(file, prepareBatch({ file, firstLine, lines }));
    for (const item of others) packer.item(item);
  }
  return packer.packed();
}

/** Per log id, the sequence number from which its leaves were not checked against a checkpoint. */
export type UncheckedFrom = ReadonlyMap<string, number>;

/**
 * Whether every line of the chunk whose leaf `prepareChunk` took from its text, and which no
 * checkpoint then checked (its sequence number at or past its log's in `unchecked`), gives the same
 * record when parsed: its log, sequence number and leaf. Every other line was parsed already, or
 * its leaf is the signed one.
 */
export function sameWhenParsed({ file, firstLine, bytes }: TextChunk, unchecked: UncheckedFrom): boolean {
  const lines = chunkLines(bytes);
  const parsed: PreparedBatch = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const leaf = typeof line === 'string' ? lineLeaf(line) : undefined;
    if (leaf === undefined || !(leaf.sequence >= (unchecked.get(leaf.logId) ?? 0))) continue;
    parsed.length = 0;
    decodeBatch(
      { file, firstLine: firstLine + index, lines: [line] },
      {
        record: (record) => parsed.push(prepareRecord(record)),
        malformed: (_, number, reason) => parsed.push({ kind: 'malformed', file, line: number, reason }),
      },
    );
    const item = parsed.length === 1 ? parsed[0] : undefined;
    const same =
      item?.kind === 'leaf' &&
      item.logId === leaf.logId &&
      item.sequence === leaf.sequence &&
      item.leaf === leafDigest(leaf.entry);
    if (!same) return false;
  }
  return true;
}

/**
 * Worker threads for `apitrail verify`: one less than the machine's processors, at most 8. The
 * main thread reads the input, walks the trees and prepares the chunks that find every worker
 * busy, so on two processors one worker and the main thread share the preparing
 * (docs/integrity.md).
 */
export function defaultVerifyWorkers(): number {
  return Math.min(8, availableParallelism() - 1);
}

/**
 * Worker threads that prepare chunks, each in its own turn: `prepare` returns the chunks'
 * results in the order it was called, whichever worker finishes first. A worker that fails
 * fails the batches it holds.
 */
export class PreparePool {
  private readonly workers: {
    worker: Worker;
    waiting: { resolve(batch: PackedPrepared): void; reject(error: Error): void }[];
  }[];

  /** `fromLineText`: see `prepareChunk`. `recycle` takes each chunk's bytes back once prepared. */
  constructor(count: number, fromLineText: boolean, recycle: (bytes: Uint8Array) => void) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(join(__dirname, 'verify-worker.js'), { workerData: { fromLineText } });
      const entry = { worker, waiting: [] as PreparePool['workers'][number]['waiting'] };
      worker.on('message', ({ packed, bytes }: { packed: PackedPrepared; bytes: Uint8Array }) => {
        recycle(bytes);
        entry.waiting.shift()?.resolve(packed);
      });
      const fail = (error: Error): void => {
        for (const waiting of entry.waiting.splice(0)) waiting.reject(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`a verify worker exited (code ${code})`)));
      return entry;
    });
  }

  /** Chunks sent to the least loaded worker and not yet back. */
  queued(): number {
    return Math.min(...this.workers.map(({ waiting }) => waiting.length));
  }

  /** Prepares `chunk` in the least loaded worker; its bytes are transferred, so the caller must not use them again. */
  prepare(chunk: TextChunk): Promise<PackedPrepared> {
    const entry = this.workers.reduce((least, worker) =>
      worker.waiting.length < least.waiting.length ? worker : least,
    );
    const prepared = new Promise<PackedPrepared>((resolve, reject) => {
      entry.waiting.push({ resolve, reject });
      entry.worker.postMessage(chunk, [chunk.bytes.buffer as ArrayBuffer]);
    });
    // Awaited in order by the caller; one failing after the caller gave up must not go unhandled.
    prepared.catch(() => undefined);
    return prepared;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
