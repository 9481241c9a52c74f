import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  NDJSON_FIELDS,
} from '@apitrail/core/internal';
import { canonicalEntry } from './canonical.js';
import { CheckpointVerifier, type VerifiedCheckpoint } from './epochs.js';
import { logOrigin } from './log.js';
import { BLOCK_HEIGHT, BLOCK_LEAVES, HASH_BYTES, PrefixTree, leafDigest } from './merkle.js';
import { NoteError, verifyCosignature, type Verifier } from './note.js';

/** A record as read back from a file: its NDJSON object (see the README for the other shapes). */
export interface ExportedRecord {
  /** `file:line` or `file:line#index`, for the report. */
  readonly location: string;
  /**
   * Records of one ordering unit keep their emit order through any exporter (an NDJSON file per
   * writer, one OTLP `logRecords` array); across units the order means nothing.
   */
  readonly unit: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What a verifier finding says happened to a log: a record modified, deleted, inserted or reordered, the log truncated, or (`wrong_key`) a log whose certificate the given root key did not sign. */
export type FindingKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'wrong_key';

/** One piece of tampering evidence: its kind, the log and position it is about, and a human-readable detail. */
export interface Finding {
  readonly kind: FindingKind;
  readonly logId?: string;
  readonly location?: string;
  readonly detail: string;
}

/** One Merkle log (one process) as the verifier saw it: records, duplicates, checkpoints, the size verified, epochs, and whether it was closed at shutdown. */
export interface LogSummary {
  readonly logId: string;
  readonly records: number;
  /** Identical copies of records already seen (at-least-once delivery): counted, not findings. */
  readonly duplicates: number;
  readonly checkpoints: number;
  /** The size of the largest valid checkpoint: the records verified. */
  readonly verifiedSize: number;
  readonly epochs: number;
  readonly closed: boolean;
}

/** The outcome of `LogVerifier`: the records read, a summary per log, and the findings; no findings means every record checked out. */
export interface VerifyReport {
  readonly records: number;
  readonly logs: LogSummary[];
  readonly findings: Finding[];
}

/** Leaf hashes in chunks, so a forged huge sequence number costs one chunk, not a huge array. */
const CHUNK_LEAVES = 4096;

interface Chunk {
  readonly hashes: Buffer;
  readonly present: Uint8Array;
}

/** The leaves seen of one log, by sequence number. */
export class LeafStore {
  private readonly chunks = new Map<number, Chunk>();
  private highest = -1;

  get maxSequence(): number {
    return this.highest;
  }

  /**
   * False when the sequence number was already taken (the first copy stays). `hash`: 32 bytes at
   * `offset`, or their binary string (`leafDigest`).
   */
  put(sequence: number, hash: Uint8Array | string, offset = 0): boolean {
    const chunk = this.chunkFor(sequence);
    const position = sequence % CHUNK_LEAVES;
    if (chunk.present[position] === 1) return false;
    chunk.present[position] = 1;
    if (typeof hash === 'string') chunk.hashes.write(hash, position * HASH_BYTES, HASH_BYTES, 'latin1');
    else chunk.hashes.set(hash.subarray(offset, offset + HASH_BYTES), position * HASH_BYTES);
    if (sequence > this.highest) this.highest = sequence;
    return true;
  }

  /**
   * The leaves of sequence numbers `first` to `first + count - 1`, 32 bytes each from `offset`: false,
   * and nothing stored, when any of those numbers was already taken.
   */
  putRun(first: number, count: number, hashes: Uint8Array, offset: number): boolean {
    for (let sequence = first; sequence < first + count;) {
      const chunkEnd = Math.min(first + count, (Math.floor(sequence / CHUNK_LEAVES) + 1) * CHUNK_LEAVES);
      const position = sequence % CHUNK_LEAVES;
      const taken = this.chunks.get(Math.floor(sequence / CHUNK_LEAVES))?.present.indexOf(1, position) ?? -1;
      if (taken >= 0 && taken < position + (chunkEnd - sequence)) return false;
      sequence = chunkEnd;
    }
    for (let sequence = first; sequence < first + count;) {
      const chunkEnd = Math.min(first + count, (Math.floor(sequence / CHUNK_LEAVES) + 1) * CHUNK_LEAVES);
      const chunk = this.chunkFor(sequence);
      const position = sequence % CHUNK_LEAVES;
      const from = offset + (sequence - first) * HASH_BYTES;
      chunk.present.fill(1, position, position + (chunkEnd - sequence));
      chunk.hashes.set(hashes.subarray(from, from + (chunkEnd - sequence) * HASH_BYTES), position * HASH_BYTES);
      sequence = chunkEnd;
    }
    if (first + count - 1 > this.highest) this.highest = first + count - 1;
    return true;
  }

  get(sequence: number): Buffer | undefined {
    const chunk = this.chunks.get(Math.floor(sequence / CHUNK_LEAVES));
    const offset = sequence % CHUNK_LEAVES;
    if (chunk?.present[offset] !== 1) return undefined;
    return chunk.hashes.subarray(offset * HASH_BYTES, (offset + 1) * HASH_BYTES);
  }

  at(sequence: number): Buffer {
    const hash = this.get(sequence);
    if (hash === undefined) throw new RangeError(`leaf ${sequence} missing`);
    return hash;
  }

  private chunkFor(sequence: number): Chunk {
    const chunkIndex = Math.floor(sequence / CHUNK_LEAVES);
    let chunk = this.chunks.get(chunkIndex);
    if (chunk === undefined) {
      chunk = { hashes: Buffer.alloc(CHUNK_LEAVES * HASH_BYTES), present: new Uint8Array(CHUNK_LEAVES) };
      this.chunks.set(chunkIndex, chunk);
    }
    return chunk;
  }

  /** The first sequence number in [from, to) with no leaf, or `to`. */
  firstGap(from: number, to: number): number {
    for (let sequence = from; sequence < to;) {
      const chunk = this.chunks.get(Math.floor(sequence / CHUNK_LEAVES));
      const chunkEnd = Math.min(to, (Math.floor(sequence / CHUNK_LEAVES) + 1) * CHUNK_LEAVES);
      if (chunk === undefined) return sequence;
      for (; sequence < chunkEnd; sequence++) if (chunk.present[sequence % CHUNK_LEAVES] !== 1) return sequence;
    }
    return to;
  }
}

interface LogState {
  readonly leaves: LeafStore;
  /**
   * The leaves from seq 0 up to the first one missing, walked as they arrive: the tree hashing is
   * done while records are still being read (and prepared in other threads), not all at the end.
   */
  readonly tree: PrefixTree;
  readonly checkpoints: Map<string, VerifiedCheckpoint & { readonly location: string }>;
  records: number;
  duplicates: number;
  unit: string;
  unitLast: number;
}

/** Whether `stored` is the leaf at `offset` of `leaf` (or the binary string `leaf`). */
function sameLeaf(stored: Buffer, leaf: Uint8Array | string, offset: number): boolean {
  return typeof leaf === 'string'
    ? stored.toString('latin1') === leaf
    : stored.equals(leaf.subarray(offset, offset + HASH_BYTES));
}

function isCheckpointRecord(fields: Readonly<Record<string, unknown>>): boolean {
  return (
    fields[NDJSON_FIELDS.event] === APITRAIL_EVENTS.integrityCheckpoint &&
    fields[ATTR_INTEGRITY_CHECKPOINT] !== undefined
  );
}

/**
 * What the verifier takes of one record: which log it is in and its leaf hash, or its checkpoint
 * note. Working it out (the canonical entry and its hash) is nearly all of a verification's work
 * and needs nothing but the record, so it can run in other threads; plain data, it crosses them.
 */
export type PreparedRecord = Pick<ExportedRecord, 'location' | 'unit'> &
  (
    | { readonly kind: 'unlogged' }
    | { readonly kind: 'checkpoint'; readonly logId: string; readonly note: unknown }
    | { readonly kind: 'invalid_sequence'; readonly logId: string }
    | { readonly kind: 'leaf'; readonly logId: string; readonly sequence: number; readonly leaf: string }
  );

/** The part of verifying a record that needs no other record: see `PreparedRecord`. */
export function prepareRecord({ location, unit, fields }: ExportedRecord): PreparedRecord {
  const logId = fields[ATTR_INTEGRITY_LOG_ID];
  if (typeof logId !== 'string' || logId === '') return { location, unit, kind: 'unlogged' };
  const sequence = fields[ATTR_INTEGRITY_SEQUENCE];
  // A checkpoint record is never numbered: a record with a sequence number is a leaf, whatever its
  // event (an application's record may carry any), and must be in the tree.
  if (sequence === undefined && isCheckpointRecord(fields))
    return { location, unit, kind: 'checkpoint', logId, note: fields[ATTR_INTEGRITY_CHECKPOINT] };
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0)
    return { location, unit, kind: 'invalid_sequence', logId };
  return { location, unit, kind: 'leaf', logId, sequence, leaf: leafDigest(canonicalEntry(fields)) };
}

/**
 * Verifies Merkle logs from records fed in any order across ordering units, with the root public
 * key only. Memory: 32 bytes per record (its leaf hash) and about 4 more for the tree walked as
 * they come, plus the checkpoints.
 */
export class LogVerifier {
  private readonly checkpoints: CheckpointVerifier;
  private readonly logs = new Map<string, LogState>();
  private readonly findings: Finding[] = [];
  private readonly wrongKeyLogs = new Set<string>();
  private records = 0;

  constructor(rootKey: Verifier) {
    this.checkpoints = new CheckpointVerifier(rootKey);
  }

  add(record: ExportedRecord): void {
    this.addPrepared(prepareRecord(record));
  }

  /** A record `prepareRecord` read (maybe in another thread), in the order `add` would have taken it. */
  addPrepared(record: PreparedRecord): void {
    this.records++;
    const { location } = record;
    if (record.kind === 'unlogged') {
      this.report('inserted', undefined, location, 'record without integrity fields (not in any log)');
      return;
    }
    const { logId } = record;
    const log = this.logFor(logId);
    log.records++;
    if (record.kind === 'checkpoint') {
      this.addCheckpoint(logId, log, record.note, location);
      return;
    }
    if (record.kind === 'invalid_sequence') {
      this.report('modified', logId, location, 'record with an invalid sequence number');
      return;
    }
    this.addLeafOf(log, logId, record.sequence, record.leaf, 0, record.unit, location);
  }

  /**
   * Records `prepareRecord` found to be leaves of one log with consecutive sequence numbers from
   * `first`, one unit's, in the order `add` would have taken them: what `addPrepared` does with each,
   * without an object per record. `leaves`: their 32-byte hashes side by side from `leafOffset`;
   * `blocks`: the hash (`perfectSubtreeDigest`) of each aligned block of BLOCK_LEAVES among them (the
   * first starting at the first multiple of BLOCK_LEAVES from `first`), side by side from
   * `blockOffset`. `location(index)` is asked for only when a record is a finding.
   */
  addLeafRun(
    logId: string,
    first: number,
    count: number,
    leaves: Uint8Array,
    leafOffset: number,
    blocks: Uint8Array,
    blockOffset: number,
    unit: string,
    location: (index: number) => string,
  ): void {
    this.records += count;
    const log = this.logFor(logId);
    log.records += count;
    if (!log.leaves.putRun(first, count, leaves, leafOffset)) {
      // Some of them repeat records already seen: each on its own.
      for (let index = 0; index < count; index++) {
        const offset = leafOffset + index * HASH_BYTES;
        this.addLeafOf(log, logId, first + index, leaves, offset, unit, () => location(index));
      }
      return;
    }
    if (first === log.tree.size) {
      const leaf = (index: number): string =>
        Buffer.from(leaves.buffer, leaves.byteOffset + leafOffset + index * HASH_BYTES, HASH_BYTES).toString('latin1');
      let block = blockOffset;
      for (let index = 0; index < count;) {
        if (log.tree.size % BLOCK_LEAVES === 0 && count - index >= BLOCK_LEAVES) {
          log.tree.appendSubtree(
            BLOCK_HEIGHT,
            Buffer.from(blocks.buffer, blocks.byteOffset + block, HASH_BYTES).toString('latin1'),
          );
          block += HASH_BYTES;
          index += BLOCK_LEAVES;
        } else {
          log.tree.append(leaf(index++));
        }
      }
      this.appendEarlyLeaves(log);
    }
    // In sequence among themselves: only the first can come after a later one of the same unit.
    if (log.unit === unit && first < log.unitLast) {
      this.report('reordered', logId, location(0), `seq ${first} comes after seq ${log.unitLast} in the same batch`);
    }
    log.unit = unit;
    log.unitLast = first + count - 1;
  }

  private addLeafOf(
    log: LogState,
    logId: string,
    sequence: number,
    leaf: Uint8Array | string,
    leafOffset: number,
    unit: string,
    location: string | (() => string),
  ): void {
    const where = (): string => (typeof location === 'string' ? location : location());
    if (!log.leaves.put(sequence, leaf, leafOffset)) {
      // At-least-once delivery (a collector retry, a spool replay) repeats records: an identical
      // copy adds nothing and is counted; another record at a taken position is an insertion.
      if (sameLeaf(log.leaves.get(sequence)!, leaf, leafOffset)) log.duplicates++;
      else this.report('inserted', logId, where(), `seq ${sequence} appears twice, with different content`);
      return;
    }
    if (sequence === log.tree.size) {
      log.tree.append(typeof leaf === 'string' ? leaf : leaf.subarray(leafOffset, leafOffset + HASH_BYTES));
      this.appendEarlyLeaves(log);
    }
    if (log.unit === unit && sequence < log.unitLast) {
      this.report('reordered', logId, where(), `seq ${sequence} comes after seq ${log.unitLast} in the same batch`);
    }
    log.unit = unit;
    log.unitLast = sequence;
  }

  /** Leaves that came early (another ordering unit ahead) join the tree once the gap before them closes. */
  private appendEarlyLeaves(log: LogState): void {
    for (let next = log.leaves.get(log.tree.size); next !== undefined; next = log.leaves.get(log.tree.size)) {
      log.tree.append(next);
    }
  }

  /**
   * A checkpoint a witness cosigned (`witnessKey`): the files must hold that log up to its size,
   * so a cut tail or a whole log deleted is caught even when every checkpoint after it went too.
   */
  addWitnessed(note: string, witnessKey: Verifier, location: string): void {
    let checkpoint: VerifiedCheckpoint;
    try {
      verifyCosignature(note, witnessKey);
      checkpoint = this.checkpoints.open(note);
    } catch (error) {
      this.report('modified', undefined, location, `witnessed checkpoint rejected: ${(error as Error).message}`);
      return;
    }
    const logId = checkpoint.origin.slice(logOrigin('').length);
    if (checkpoint.origin !== logOrigin(logId)) {
      this.report(
        'modified',
        undefined,
        location,
        `witnessed checkpoint of a log that is not apitrail's (${checkpoint.origin})`,
      );
      return;
    }
    this.logFor(logId).checkpoints.set(note, { ...checkpoint, location });
  }

  finish(): VerifyReport {
    const logs: LogSummary[] = [];
    for (const [logId, log] of this.logs) logs.push(this.finishLog(logId, log));
    // An emptied file, or one whose every log was removed, must not read as "nothing found".
    if (logs.length === 0) {
      this.report(
        'truncated',
        undefined,
        undefined,
        'no integrity records: the input is empty or every log was removed',
      );
    }
    return { records: this.records, logs, findings: this.findings };
  }

  private addCheckpoint(logId: string, log: LogState, note: unknown, location: string): void {
    if (typeof note !== 'string') {
      this.report('modified', logId, location, 'checkpoint record without a checkpoint note');
      return;
    }
    if (log.checkpoints.has(note)) return;
    let checkpoint: VerifiedCheckpoint;
    try {
      checkpoint = this.checkpoints.open(note);
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof NoteError && /^not signed by/.test(message)) {
        if (!this.wrongKeyLogs.has(logId)) {
          this.wrongKeyLogs.add(logId);
          this.report(
            'wrong_key',
            logId,
            location,
            `the log's certificate is not signed by the root key given (${message})`,
          );
        }
      } else {
        this.report('modified', logId, location, `invalid checkpoint: ${message}`);
      }
      return;
    }
    if (checkpoint.origin !== logOrigin(logId)) {
      this.report('modified', logId, location, `checkpoint of another log (${checkpoint.origin}) on this log's record`);
      return;
    }
    log.checkpoints.set(note, { ...checkpoint, location });
  }

  private finishLog(logId: string, log: LogState): LogSummary {
    const checkpoints = [...log.checkpoints.values()].sort((a, b) => a.size - b.size || a.epoch - b.epoch);
    const final = checkpoints.find((checkpoint) => checkpoint.closed);
    const largest = checkpoints.at(-1);
    const epochs = new Set(checkpoints.map((checkpoint) => checkpoint.epoch));
    const summary = (verifiedSize: number): LogSummary => ({
      logId,
      records: log.records,
      duplicates: log.duplicates,
      checkpoints: checkpoints.length,
      verifiedSize,
      epochs: epochs.size,
      closed: final !== undefined,
    });
    if (largest === undefined) {
      if (!this.wrongKeyLogs.has(logId)) {
        this.report('truncated', logId, undefined, 'no valid checkpoint: none of its records can be verified');
      }
      return summary(0);
    }
    const maxEpoch = Math.max(...epochs);
    const missingEpochs = Array.from({ length: maxEpoch + 1 }, (_, epoch) => epoch).filter(
      (epoch) => !epochs.has(epoch),
    );
    if (missingEpochs.length > 0) {
      this.report(
        'deleted',
        logId,
        undefined,
        `no checkpoint signed in epoch ${missingEpochs.join(', ')} (checkpoints deleted, or the log re-signed after its keys were lost)`,
      );
    }
    const verifiedSize = this.checkRoots(logId, log, checkpoints);
    const tail = log.leaves.maxSequence + 1;
    if (final !== undefined && final !== largest && final.size < largest.size) {
      this.report('inserted', logId, final.location, `checkpoints beyond the closing checkpoint (size ${final.size})`);
    }
    if (tail > largest.size) {
      if (final !== undefined) {
        this.report('inserted', logId, undefined, `seq ${largest.size}-${tail - 1} after the closing checkpoint`);
      } else {
        this.report(
          'truncated',
          logId,
          undefined,
          `seq ${largest.size}-${tail - 1} after the last checkpoint and no closing checkpoint (tail cut, or the process did not shut down cleanly)`,
        );
      }
    } else if (final === undefined) {
      this.report(
        'truncated',
        logId,
        undefined,
        `no closing checkpoint after size ${largest.size} (tail cut, or the process did not shut down cleanly)`,
      );
    }
    return summary(verifiedSize);
  }

  /** Compares the tree at each checkpoint's size, smallest first; returns the size verified. */
  private checkRoots(logId: string, log: LogState, checkpoints: readonly VerifiedCheckpoint[]): number {
    const { leaves, tree } = log;
    let verified = 0;
    for (const checkpoint of checkpoints) {
      // The tree holds every leaf up to the first missing one.
      if (checkpoint.size > tree.size) {
        const gap = tree.size;
        let end = gap;
        while (end < checkpoint.size && leaves.get(end) === undefined) end++;
        this.report(
          'deleted',
          logId,
          undefined,
          `seq ${gap}-${end - 1} missing (the checkpoint of size ${checkpoint.size} covers them)`,
        );
        return verified;
      }
      if (!tree.prefixRoot(checkpoint.size, (index) => leaves.at(index)).equals(checkpoint.root)) {
        this.report(
          'modified',
          logId,
          undefined,
          `seq ${verified}-${checkpoint.size - 1} do not hash to the checkpoint of size ${checkpoint.size} (a record edited, replaced or moved)`,
        );
        return verified;
      }
      verified = checkpoint.size;
    }
    return verified;
  }

  private logFor(logId: string): LogState {
    let log = this.logs.get(logId);
    if (log === undefined) {
      log = {
        leaves: new LeafStore(),
        tree: new PrefixTree(),
        checkpoints: new Map(),
        records: 0,
        duplicates: 0,
        unit: '',
        unitLast: -1,
      };
      this.logs.set(logId, log);
    }
    return log;
  }

  private report(kind: FindingKind, logId: string | undefined, location: string | undefined, detail: string): void {
    this.findings.push({
      kind,
      detail,
      ...(logId === undefined ? {} : { logId }),
      ...(location === undefined ? {} : { location }),
    });
  }
}
