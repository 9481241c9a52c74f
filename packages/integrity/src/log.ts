import { randomUUID } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE, recordFault } from '@apitrail/core/internal';
import { recordEntry } from './line-entry.js';
import { EpochKeys } from './epochs.js';
import { CompactTree, leafDigest } from './merkle.js';
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
 * One process's log. `append(record)` is all the request path does: it queues the record, whose
 * place in the queue is its sequence number. `seal()` — batched, off the request path — writes the
 * log id and sequence number into each queued record and hashes it into the tree; `checkpoint()`
 * signs.
 */
export class MerkleLog {
  readonly logId = randomUUID();
  readonly origin = logOrigin(this.logId);
  readonly keys: EpochKeys;
  private readonly tree = new CompactTree();
  private readonly now: () => number;
  private pending: ReadWriteLogRecord[] = [];
  private sequence = 0;
  private checkpointed = -1;

  constructor(options: MerkleLogOptions) {
    this.now = options.now ?? Date.now;
    this.keys = new EpochKeys(options.rootKey, this.origin, options.epochMs, this.now(), options.epochs);
    options.rootKey.erase();
  }

  /** Records appended so far. */
  get size(): number {
    return this.sequence + this.pending.length;
  }

  /** Records waiting to be hashed. */
  get unsealed(): number {
    return this.pending.length;
  }

  /** Queues the record: its sequence number is its place in the queue, fixed now, in emit order. */
  append(record: ReadWriteLogRecord): void {
    this.pending.push(record);
  }

  /**
   * Numbers every queued record and hashes it into the tree, in sequence order, and returns them
   * (for the exporters). Runs after `onEmit` returned, on records no processor changes any more.
   * The two attributes are written into the record's attributes object directly (the SDK's
   * setters refuse a record once emitted); a UUID and an integer, valid by construction, and not
   * counted against the SDK's attribute count limit. The leaf is hashed from the record's NDJSON
   * text, the one the NDJSON exporter then writes, serialised once (`recordEntry`).
   */
  seal(): ReadWriteLogRecord[] {
    const batch = this.pending;
    this.pending = [];
    for (const record of batch) {
      const attributes = record.attributes as Record<string, string | number>;
      attributes[ATTR_INTEGRITY_LOG_ID] = this.logId;
      attributes[ATTR_INTEGRITY_SEQUENCE] = this.sequence;
      try {
        this.tree.append(leafDigest(recordEntry(record)));
        this.sequence++;
      } catch (error) {
        // Exported unsigned rather than lost (verify reports it), and the log stays gapless.
        Reflect.deleteProperty(attributes, ATTR_INTEGRITY_LOG_ID);
        Reflect.deleteProperty(attributes, ATTR_INTEGRITY_SEQUENCE);
        recordFault('integrity sealing', error);
      }
    }
    return batch;
  }

  /**
   * Signed checkpoint notes to publish now: one per epoch that ended since the last call (each
   * signed by that epoch's key before it is erased), then one under the current epoch when the
   * tree grew (or `always`). The queue must be sealed (and its records exported) first, so that
   * no checkpoint reaches an exporter before the records it covers.
   */
  checkpoint(always: boolean, closing = false): string[] {
    if (this.pending.length > 0) throw new Error('seal (and export) the queued records before a checkpoint');
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
