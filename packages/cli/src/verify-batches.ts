import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { prepareRecord, type PreparedRecord } from '@apitrail/integrity/internal';
import { CorruptEntry } from './gateway-archive.js';
import type { InputLine } from './input-formats.js';
import { decodeBatch, type LineBatch } from './records.js';

/**
 * A batch as it crosses to a worker: its lines joined into one string with their lengths beside
 * (-1: an archive entry that could not be decoded, whose reason is in `corrupt`). Cloning one
 * string costs a copy; cloning thousands costs far more per line than preparing it.
 */
export interface PackedBatch {
  readonly file: string;
  readonly firstLine: number;
  readonly text: string;
  readonly lengths: Int32Array;
  readonly corrupt: string[];
}

export function pack({ file, firstLine, lines }: LineBatch): PackedBatch {
  const lengths = new Int32Array(lines.length);
  const corrupt: string[] = [];
  const texts: string[] = [];
  lines.forEach((line, index) => {
    if (typeof line === 'string') {
      lengths[index] = line.length;
      texts.push(line);
    } else {
      lengths[index] = -1;
      corrupt.push(line.reason);
    }
  });
  return { file, firstLine, text: texts.join(''), lengths, corrupt };
}

export function unpack({ file, firstLine, text, lengths, corrupt }: PackedBatch): LineBatch {
  const lines: InputLine[] = [];
  let offset = 0;
  let corruptIndex = 0;
  for (const length of lengths) {
    if (length < 0) lines.push(new CorruptEntry(corrupt[corruptIndex++]!));
    else lines.push(text.slice(offset, (offset += length)));
  }
  return { file, firstLine, lines };
}

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
 * the batch's file (location `file:line`, ordering unit the file) — in typed arrays and one string
 * of digests; any other item whole, in `others`. Cloning thousands of small objects would cost
 * the main thread more per record than reading it.
 */
export interface PackedPrepared {
  readonly file: string;
  /** Per item: its line, or -1 for the next of `others`. */
  readonly lines: Int32Array;
  readonly logIndexes: Int32Array;
  readonly sequences: Float64Array;
  readonly logIds: string[];
  /** The leaves' binary-string digests, HASH_BYTES characters each, in item order. */
  readonly leaves: string;
  readonly others: PreparedBatch;
}

const DIGEST_CHARS = 32;

export function packPrepared(file: string, prepared: PreparedBatch): PackedPrepared {
  const lines = new Int32Array(prepared.length);
  const logIndexes = new Int32Array(prepared.length);
  const sequences = new Float64Array(prepared.length);
  const logIds: string[] = [];
  const leaves: string[] = [];
  const others: PreparedBatch = [];
  const prefix = `${file}:`;
  prepared.forEach((item, index) => {
    const line =
      item.kind === 'leaf' && item.unit === file && item.location.startsWith(prefix)
        ? Number(item.location.slice(prefix.length))
        : NaN;
    if (item.kind !== 'leaf' || !Number.isSafeInteger(line) || `${prefix}${line}` !== item.location) {
      lines[index] = -1;
      others.push(item);
      return;
    }
    let logIndex = logIds.indexOf(item.logId);
    if (logIndex < 0) logIndex = logIds.push(item.logId) - 1;
    lines[index] = line;
    logIndexes[index] = logIndex;
    sequences[index] = item.sequence;
    leaves.push(item.leaf);
  });
  return { file, lines, logIndexes, sequences, logIds, leaves: leaves.join(''), others };
}

/** The items of a packed batch, in order, to `add`. */
export function unpackPrepared(packed: PackedPrepared, add: (item: PreparedBatch[number]) => void): void {
  const { file, lines, logIndexes, sequences, logIds, leaves, others } = packed;
  let leafOffset = 0;
  let otherIndex = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line < 0) {
      add(others[otherIndex++]!);
      continue;
    }
    const leaf = leaves.slice(leafOffset, (leafOffset += DIGEST_CHARS));
    add({
      kind: 'leaf',
      location: `${file}:${line}`,
      unit: file,
      logId: logIds[logIndexes[index]!]!,
      sequence: sequences[index]!,
      leaf,
    });
  }
}

/**
 * Worker threads for `apitrail verify`: one less than the machine's processors (the main thread
 * reads the input and runs the verifier), at most 8, and none below three processors: the main
 * thread's share is about a third of a record's work, and the handing over costs more CPU than one
 * worker beside it saves on two processors.
 */
export function defaultVerifyWorkers(): number {
  const processors = availableParallelism();
  return processors < 3 ? 0 : Math.min(8, processors - 1);
}

/**
 * Worker threads that prepare batches, each in its own turn: `prepare` returns the batches'
 * results in the order it was called, whichever worker finishes first. A worker that fails
 * fails the batches it holds.
 */
export class PreparePool {
  private readonly workers: {
    worker: Worker;
    waiting: { resolve(batch: PackedPrepared): void; reject(error: Error): void }[];
  }[];
  private next = 0;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(join(__dirname, 'verify-worker.js'));
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

  prepare(batch: LineBatch): Promise<PackedPrepared> {
    const entry = this.workers[this.next]!;
    this.next = (this.next + 1) % this.workers.length;
    const prepared = new Promise<PackedPrepared>((resolve, reject) => {
      entry.waiting.push({ resolve, reject });
      entry.worker.postMessage(pack(batch));
    });
    // Awaited in order by the caller; one failing after the caller gave up must not go unhandled.
    prepared.catch(() => undefined);
    return prepared;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
