import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { guard, recordFault } from '@apitrail/core';
import { ChainSigner } from './chain-signer.js';
import { CheckpointRecord } from './checkpoint-record.js';
import type { IntegrityConfig } from './config.js';

export interface IntegrityProcessorOptions {
  readonly key: Buffer;
  readonly checkpointIntervalMs: number;
  /** The exporting processors the signed records go to. Nothing that mutates records may be among them. */
  readonly downstream: readonly LogRecordProcessor[];
}

/**
 * Signs every record (see ChainSigner) and hands it to the exporting processors it wraps. Wrapping
 * them, rather than sitting beside them, makes "integrity is the last mutation" structural and lets
 * it write checkpoints (every `checkpointIntervalMs` while records flow, and a final one on
 * shutdown) straight to them, so a truncated tail is detectable.
 */
export class IntegrityLogRecordProcessor implements LogRecordProcessor {
  readonly signer: ChainSigner;
  private readonly downstream: readonly LogRecordProcessor[];
  private readonly timer: NodeJS.Timeout;
  private resource: Resource | undefined;
  private signedAtLastCheckpoint = 0;
  private closed = false;

  constructor(options: IntegrityProcessorOptions) {
    this.signer = new ChainSigner(options.key);
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
        this.signer.sign(record);
      },
      undefined,
    );
    this.forward(record, context);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.downstream.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.checkpoint(true);
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all(this.downstream.map((processor) => processor.shutdown()));
  }

  /** Signs and exports a checkpoint, unless nothing was signed since the last one. */
  private checkpoint(final: boolean): void {
    const resource = this.resource;
    if (resource === undefined || (this.signer.signed === this.signedAtLastCheckpoint && !final)) return;
    guard(
      'integrity checkpoint',
      () => {
        const record = new CheckpointRecord(resource, final);
        this.signer.sign(record);
        this.signedAtLastCheckpoint = this.signer.signed;
        this.forward(record, undefined);
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
 * The exporting processors, wrapped in an IntegrityLogRecordProcessor when a key is configured
 * (`@apitrail/auto` puts this last, after enrichment, redaction and detection).
 */
export function withIntegrity(config: IntegrityConfig, downstream: LogRecordProcessor[]): LogRecordProcessor[] {
  // With no exporter there is nothing to protect (OTEL_LOGS_EXPORTER=none).
  if (config.key === undefined || downstream.length === 0) return downstream;
  return [
    new IntegrityLogRecordProcessor({ key: config.key, checkpointIntervalMs: config.checkpointIntervalMs, downstream }),
  ];
}
