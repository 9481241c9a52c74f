import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { atLastExit, guard, processEnding, recordFault } from '@apitrail/core/internal';
import { CheckpointRecord } from './checkpoint-record.js';
import type { IntegrityConfig } from './config.js';
import { MerkleLog, type MerkleLogOptions } from './log.js';

/** Options of an IntegrityLogRecordProcessor: the Merkle log's keys and epochs, the checkpoint interval, the exporters it wraps. */
export interface IntegrityProcessorOptions extends MerkleLogOptions {
  readonly checkpointIntervalMs: number;
  /** The exporting processors the records go to. Nothing that mutates records may be among them. */
  readonly downstream: readonly LogRecordProcessor[];
  /**
   * Whether a shutdown as the process ends leaves the close to the process's last moment: right when
   * every exporter writes synchronously (a file), whose closing checkpoint then covers what the app
   * logs in its own `exit` listeners; wrong for an exporter that sends over the network, which is
   * gone by then (its closing checkpoint would wait in the spool for the next start). Default false.
   */
  readonly closesAtExit?: boolean;
}

/**
 * Queues every record into the process's Merkle log — all it does on the request path — and, at
 * the next turn of the event loop, numbers and hashes the queued records in one batch and hands
 * them on to the exporting processors it wraps. A checkpoint is signed at most once per interval
 * while the log grows, at every epoch end and at shutdown, and goes to the same exporters.
 * Wrapping the exporters makes "integrity is the last mutation" structural. The exporting
 * processors receive no Context (they export; the SDK's batch processors take none).
 *
 * An end the register does not flush (`process.exit()`, an uncaught exception) closes the log
 * synchronously after the app's own `exit` listeners (`atLastExit`), so its closing checkpoint
 * covers what the app logs as it goes. The register's flush at the end (the loop ran out, a signal)
 * closes it there, while the network can still take the closing checkpoint, unless `closesAtExit`.
 * A record that comes after the close (an `exit` listener then, a signal-exit callback) is
 * exported outside the log rather than lost: `apitrail verify` reports it as in no log.
 */
export class IntegrityLogRecordProcessor implements LogRecordProcessor {
  readonly log: MerkleLog;
  private readonly downstream: readonly LogRecordProcessor[];
  private readonly timer: NodeJS.Timeout;
  private resource: Resource | undefined;
  private sealScheduled = false;
  private closed = false;
  private readonly cancelCloseAtExit: () => void;
  private readonly closesAtExit: boolean;

  constructor(options: IntegrityProcessorOptions) {
    this.log = new MerkleLog(options);
    this.downstream = options.downstream;
    this.timer = setInterval(() => this.checkpoint(false), options.checkpointIntervalMs);
    this.timer.unref();
    this.closesAtExit = options.closesAtExit ?? false;
    this.cancelCloseAtExit = atLastExit(() => this.close());
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (this.closed) {
      this.forward(record);
      return;
    }
    const queued = guard(
      'integrity processor',
      () => {
        this.resource ??= record.resource;
        this.log.append(record);
        return true;
      },
      false,
    );
    // Never lost: a record the log could not take is exported as it is (verify reports it unsigned).
    if (!queued) this.forward(record);
    else if (!this.sealScheduled) {
      this.sealScheduled = true;
      setImmediate(() => this.seal());
    }
  }

  async forceFlush(): Promise<void> {
    this.checkpoint(false);
    await Promise.all(this.downstream.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    // As the process ends into a file, the close waits for the app's last records (see above).
    if (processEnding() && this.closesAtExit) this.checkpoint(false);
    else {
      this.close();
      this.cancelCloseAtExit();
    }
    await Promise.all(this.downstream.map((processor) => processor.shutdown()));
  }

  /** Seals what is queued and signs the closing checkpoint; from now on records pass outside the log. */
  private close(): void {
    if (this.closed) return;
    this.checkpoint(true);
    this.closed = true;
    clearInterval(this.timer);
  }

  /** Numbers and hashes the queued records and exports them. */
  private seal(): void {
    this.sealScheduled = false;
    for (const record of this.log.seal()) this.forward(record);
  }

  /** Seals, then exports the checkpoints due (the closing one when `final`). */
  private checkpoint(final: boolean): void {
    this.seal();
    const resource = this.resource;
    if (resource === undefined || this.closed) return;
    guard(
      'integrity checkpoint',
      () => {
        const notes = final ? this.log.close() : this.log.checkpoint(false);
        notes.forEach((note, index) => {
          this.forward(new CheckpointRecord(resource, this.log.logId, note, final && index === notes.length - 1));
        });
      },
      undefined,
    );
  }

  private forward(record: ReadWriteLogRecord): void {
    for (const processor of this.downstream) {
      try {
        processor.onEmit(record);
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
export function withIntegrity(
  config: IntegrityConfig,
  downstream: LogRecordProcessor[],
  options: Pick<IntegrityProcessorOptions, 'closesAtExit'> = {},
): LogRecordProcessor[] {
  // With no exporter there is nothing to protect (OTEL_LOGS_EXPORTER=none).
  if (config.rootKey === undefined || downstream.length === 0) return downstream;
  return [
    new IntegrityLogRecordProcessor({
      rootKey: config.rootKey,
      checkpointIntervalMs: config.checkpointIntervalMs,
      epochMs: config.epochMs,
      downstream,
      ...options,
    }),
  ];
}
