import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ATTR_INTEGRITY_CHECKPOINT } from '@apitrail/core/internal';
import { LINE_FIELD_NAMES, leafDigest, lineLeaf, prepareRecord } from '@apitrail/integrity/internal';
import type { LineFieldNames } from '@apitrail/integrity/line-reading';
import { chunkLines, type TextChunk } from './chunk-lines.js';
import type { InputLine } from './input-formats.js';
import { decodeBatch, type LineBatch } from './records.js';
import { packChunkText, packPrepared, type PackedPrepared, type PreparedBatch } from './verify-pack.js';

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
 * Splits a chunk into lines, prepares them, and packs the result (in a worker thread, or in the
 * main one). With `fromLineText`, the leaf of a line apitrail's NDJSON exporter wrote is taken from
 * its text without parsing it (`lineLeaf`), and every other line is decoded; that is sound only
 * because `verifyFiles` decides any finding by preparing every line again without it.
 */
export function prepareChunk({ file, firstLine, bytes }: TextChunk, fromLineText: boolean): PackedPrepared {
  const lines = chunkLines(bytes);
  const fromText = fromLineText ? packChunkText(file, firstLine, lines, lineLeaf, parseLine(file)) : undefined;
  return fromText ?? packPrepared(file, prepareBatch({ file, firstLine, lines }));
}

/** Prepares one line of `file` by parsing it: its records, or why it holds none. */
export function parseLine(file: string): (line: InputLine, number: number) => PreparedBatch {
  return (line, number) => {
    const prepared: PreparedBatch = [];
    decodeBatch(
      { file, firstLine: number, lines: [line] },
      {
        record: (record) => prepared.push(prepareRecord(record)),
        malformed: (_, at, reason) => prepared.push({ kind: 'malformed', file, line: at, reason }),
      },
    );
    return prepared;
  };
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
  const parse = parseLine(file);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const leaf = typeof line === 'string' ? lineLeaf(line) : undefined;
    if (leaf === undefined || !(leaf.sequence >= (unchecked.get(leaf.logId) ?? 0))) continue;
    const parsed = parse(line, firstLine + index);
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
 * What a worker thread is started with: whether to take leaves from the lines' text, the names to
 * read them by and the member that marks a checkpoint (`@apitrail/core`'s, which the worker does
 * not load: it loads the readers of records only for a line that needs them, see verify-pack.ts).
 */
export interface VerifyWorkerData {
  readonly fromLineText: boolean;
  readonly names: LineFieldNames;
  readonly checkpointMember: string;
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
      const workerData: VerifyWorkerData = {
        fromLineText,
        names: LINE_FIELD_NAMES,
        checkpointMember: JSON.stringify(ATTR_INTEGRITY_CHECKPOINT),
      };
      const worker = new Worker(join(__dirname, 'verify-worker.js'), { workerData });
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
