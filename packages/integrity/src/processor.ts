import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { guard, recordFault } from '@apitrail/core';
import { CheckpointRecord } from './checkpoint-record.js';
import type { IntegrityConfig } from './config.js';
import { MerkleLog, type MerkleLogOptions } from './log.js';

export interface IntegrityProcessorOptions extends MerkleLogOptions {
  readonly checkpointIntervalMs: number;
  /** The exporting processors the records go to. Nothing that mutates records may be among them. */
  readonly downstream: readonly LogRecordProcessor[];
}

/** Records numbered but not yet hashed beyond which hashing runs at the next turn of the event loop. */
const SEAL_BATCH = 2048;

/**
 * Numbers every record into the process's Merkle log and hands it on to the exporting processors
 * it wraps; that is all it does on the request path. Hashing happens in batches (at every
 * checkpoint interval, or sooner once {@link SEAL_BATCH} records wait), signing once per interval:
 * a checkpoint record goes to the same exporters whenever the log grew, at every epoch end, and
 * at shutdown. Wrapping the exporters makes "integrity is the last mutation" structural.
 */
export class IntegrityLogRecordProcessor implements LogRecordProcessor {
  readonly log: MerkleLog;
  private readonly downstream: readonly LogRecordProcessor[];
  private readonly timer: NodeJS.Timeout;
  private resource: Resource | undefined;
  private sealScheduled = false;
  private closed = false;

  constructor(options: IntegrityProcessorOptions) {
    this.log = new MerkleLog(options);
    this.downstream = options.downstream;
    this.timer = setInterval(() => this.checkpoint(false), options.checkpointIntervalMs);
    this.timer.unref();
  }

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    if (this.closed) return;
    guard(
      'integrity processor',
      () => {
        this.resource ??= record.resource;
        this.log.append(record);
        if (this.log.unsealed >= SEAL_BATCH && !this.sealScheduled) {
          this.sealScheduled = true;
          setImmediate(() => {
            this.sealScheduled = false;
            guard('integrity sealing', () => this.log.seal(), undefined);
          });
        }
      },
      undefined,
    );
    this.forward(record, context);
  }

  async forceFlush(): Promise<void> {
    this.checkpoint(false);
    await Promise.all(this.downstream.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.checkpoint(true);
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(this.downstream.map((processor) => processor.shutdown()));
  }

  /** Seals the waiting records and exports the checkpoints due (the final one when `final`). */
  private checkpoint(final: boolean): void {
    const resource = this.resource;
    if (resource === undefined || this.closed) return;
    guard(
      'integrity checkpoint',
      () => {
        const notes = final ? this.log.close() : this.log.checkpoint(false);
        notes.forEach((note, index) => {
          const record = new CheckpointRecord(resource, this.log.logId, note, final && index === notes.length - 1);
          this.forward(record, undefined);
        });
      },
      undefined,
    );
  }

  private forward(record: ReadWriteLogRecord, context: Context | undefined): void {
    for (const processor of this.downstream) {
      try {
        processor.onEmit(record, context);
      } catch (error) {
        recordFault('integrity downstream processor', error);
      }
    }
  }
}

/**
 * The exporting processors, wrapped in an IntegrityLogRecordProcessor when a root key is configured
 * (`@apitrail/auto` puts this last, after enrichment, redaction and detection).
 */
export function withIntegrity(config: IntegrityConfig, downstream: LogRecordProcessor[]): LogRecordProcessor[] {
  // With no exporter there is nothing to protect (OTEL_LOGS_EXPORTER=none).
  if (config.rootKey === undefined || downstream.length === 0) return downstream;
  return [
    new IntegrityLogRecordProcessor({
      rootKey: config.rootKey,
      checkpointIntervalMs: config.checkpointIntervalMs,
      epochMs: config.epochMs,
      downstream,
    }),
  ];
}
