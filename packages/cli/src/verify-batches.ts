import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { leafDigest, lineLeaf, prepareRecord, type PreparedRecord } from '@apitrail/integrity/internal';
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
 * A prepared batch as it crosses back: the common item — a leaf of a record that is one line of
 * the batch's file (location `file:line`, ordering unit the file) — in typed arrays whose buffers
 * are transferred, not copied; any other item (a checkpoint, a malformed line, an OTLP record)
 * whole, in `others`. The main thread then makes no object and no string per leaf.
 */
export interface PackedPrepared {
  readonly file: string;
  /** Per item: its line, or -1 for the next of `others`. */
  readonly lines: Int32Array;
  readonly logIndexes: Int32Array;
  readonly sequences: Float64Array;
  readonly logIds: string[];
  /** The leaves' digests, HASH_BYTES each, in item order. */
  readonly leaves: Uint8Array;
  readonly others: PreparedBatch;
}

const DIGEST_BYTES = 32;

/** Builds a PackedPrepared item by item. */
class Packer {
  private readonly lines: Int32Array;
  private readonly logIndexes: Int32Array;
  private readonly sequences: Float64Array;
  private readonly leaves: Buffer;
  private readonly logIds: string[] = [];
  private readonly others: PreparedBatch = [];
  private readonly prefix: string;
  private items = 0;
  private leafCount = 0;

  /** `capacity`: items at most (one per line, unless a line holds several records). */
  constructor(
    private readonly file: string,
    capacity: number,
  ) {
    this.lines = new Int32Array(capacity);
    this.logIndexes = new Int32Array(capacity);
    this.sequences = new Float64Array(capacity);
    this.leaves = Buffer.allocUnsafeSlow(capacity * DIGEST_BYTES);
    this.prefix = `${file}:`;
  }

  /** A leaf of the record that is line `line` of the file; `leaf` its digest (`leafDigest`). */
  leaf(line: number, logId: string, sequence: number, leaf: string): void {
    let logIndex = this.logIds.indexOf(logId);
    if (logIndex < 0) logIndex = this.logIds.push(logId) - 1;
    this.lines[this.items] = line;
    this.logIndexes[this.items] = logIndex;
    this.sequences[this.items++] = sequence;
    this.leaves.write(leaf, this.leafCount++ * DIGEST_BYTES, DIGEST_BYTES, 'latin1');
  }

  item(item: PreparedBatch[number]): void {
    const { prefix, file } = this;
    const line =
      item.kind === 'leaf' && item.unit === file && item.location.startsWith(prefix)
        ? Number(item.location.slice(prefix.length))
        : NaN;
    if (item.kind !== 'leaf' || !Number.isSafeInteger(line) || `${prefix}${line}` !== item.location) {
      this.lines[this.items++] = -1;
      this.others.push(item);
      return;
    }
    this.leaf(line, item.logId, item.sequence, item.leaf);
  }

  packed(): PackedPrepared {
    const { file, items, logIds, others } = this;
    return {
      file,
      lines: this.lines.slice(0, items),
      logIndexes: this.logIndexes.slice(0, items),
      sequences: this.sequences.slice(0, items),
      logIds,
      leaves: this.leaves.subarray(0, this.leafCount * DIGEST_BYTES),
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
export function transferred({ lines, logIndexes, sequences, leaves }: PackedPrepared): ArrayBuffer[] {
  return [lines.buffer, logIndexes.buffer, sequences.buffer, leaves.buffer] as ArrayBuffer[];
}

/** Receives the items of a packed batch, in order: each leaf of a `file:line` record, each other item. */
export interface PreparedSink {
  /** `leaves` holds the leaf's 32 bytes at `leafOffset`; `location()` makes its `file:line`. */
  leaf(
    logId: string,
    sequence: number,
    leaves: Uint8Array,
    leafOffset: number,
    unit: string,
    location: () => string,
  ): void;
  other(item: PreparedBatch[number]): void;
}

/** The items of a packed batch, in order, to `sink`. */
export function unpackPrepared(packed: PackedPrepared, sink: PreparedSink): void {
  const { file, lines, logIndexes, sequences, logIds, leaves, others } = packed;
  let leafOffset = 0;
  let otherIndex = 0;
  let line = 0;
  // One closure for the batch: a location string is made only for a record that is a finding.
  const location = (): string => `${file}:${line}`;
  for (let index = 0; index < lines.length; index++) {
    line = lines[index]!;
    if (line < 0) {
      sink.other(others[otherIndex++]!);
      continue;
    }
    sink.leaf(logIds[logIndexes[index]!]!, sequences[index]!, leaves, leafOffset, file, location);
    leafOffset += DIGEST_BYTES;
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
    const leaf = lineLeaf(line);
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
    const leaf = lineLeaf(line);
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

  /** `fromLineText`: see `prepareChunk`. */
  constructor(count: number, fromLineText: boolean) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(join(__dirname, 'verify-worker.js'), { workerData: { fromLineText } });
      const entry = { worker, waiting: [] as PreparePool['workers'][number]['waiting'] };
      worker.on('message', (prepared: PackedPrepared) => entry.waiting.shift()?.resolve(prepared));
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
