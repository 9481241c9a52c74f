import { randomUUID } from 'node:crypto';
import type { ReadWriteLogRecord, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE } from '@apitrail/core';
import { ndjsonProjection } from '@apitrail/export';
import { canonicalEntry } from './canonical.js';
import { EpochKeys } from './epochs.js';
import { CompactTree, leafHash } from './merkle.js';
import type { Signer } from './note.js';

export interface MerkleLogOptions {
  /** Signs the log's epoch certificate, then is erased. */
  readonly rootKey: Signer;
  readonly epochMs: number;
  /** The clock (tests move it to cross epochs). */
  readonly now?: () => number;
  /** Epoch keys in the certificate (tests use few). */
  readonly epochs?: number;
}

/** The origin line of a log's checkpoints. */
export function logOrigin(logId: string): string {
  return `apitrail.log/${logId}`;
}

/**
 * One process's log. `append(record)` is all the request path does: it numbers the record. Hashing
 * happens in `seal()`, batched, and signing in `checkpoint()`; both run off the request path.
 */
export class MerkleLog {
  readonly logId = randomUUID();
  readonly origin = logOrigin(this.logId);
  readonly keys: EpochKeys;
  private readonly tree = new CompactTree();
  private readonly now: () => number;
  private pending: ReadableLogRecord[] = [];
  private sequence = 0;
  private checkpointed = -1;

  constructor(options: MerkleLogOptions) {
    this.now = options.now ?? Date.now;
    this.keys = new EpochKeys(options.rootKey, this.origin, options.epochMs, this.now(), options.epochs);
    options.rootKey.erase();
  }

  /** Records numbered so far. */
  get size(): number {
    return this.sequence;
  }

  /** Records waiting to be hashed. */
  get unsealed(): number {
    return this.pending.length;
  }

  /**
   * Numbers the record. The two attributes are written into the record's attributes object
   * directly: the SDK's setAttribute validates and size-checks every value, which costs more than
   * the rest of this method, and these two values (a UUID, an integer) are valid by construction.
   * They are therefore not counted against the SDK's attribute count limit.
   */
  append(record: ReadWriteLogRecord): void {
    const attributes = record.attributes as Record<string, string | number>;
    attributes[ATTR_INTEGRITY_LOG_ID] = this.logId;
    attributes[ATTR_INTEGRITY_SEQUENCE] = this.sequence++;
    this.pending.push(record);
  }

  /**
   * Hashes every numbered record into the tree, in sequence order. Runs after `onEmit` returned, on
   * final records: their NDJSON projection is the one the NDJSON exporter writes, built once.
   */
  seal(): void {
    const batch = this.pending;
    this.pending = [];
    for (const record of batch) this.tree.append(leafHash(canonicalEntry(ndjsonProjection(record))));
  }

  /**
   * Signed checkpoint notes to publish now: one per epoch that ended since the last call (each
   * signed by that epoch's key before it is erased), then one under the current epoch when the
   * tree grew (or `always`). Seals first.
   */
  checkpoint(always: boolean, closing = false): string[] {
    this.seal();
    const notes: string[] = [];
    const root = this.tree.root();
    const size = this.tree.size;
    for (const epoch = this.keys.epochAt(this.now()); this.keys.epoch < epoch; this.keys.advance()) {
      notes.push(this.keys.sign(size, root));
    }
    if (notes.length > 0 || always || size !== this.checkpointed) notes.push(this.keys.sign(size, root, closing));
    this.checkpointed = size;
    return notes;
  }

  /** The last checkpoints (the final one last); the key is erased after them and the log signs nothing more. */
  close(): string[] {
    const notes = this.checkpoint(true, true);
    this.keys.erase();
    return notes;
  }
}
