import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * Where a {@link DurableBatchLogRecordProcessor} hands its batches: a spool in front of a network
 * exporter, or a local exporter that writes synchronously. `write` is synchronous so that the
 * batch is out of the process's memory when it returns, which is what makes the exit drain work.
 */
export interface RecordSink {
  /** Takes the records durably before returning (a disk append, a synchronous file write). */
  write(records: ReadableLogRecord[]): void;
  /** Resolves once what was written is exported, or could not be for now. */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** At process exit, after the last `write`: finish synchronously; nothing asynchronous runs any more. */
  exitSync(): void;
  /**
   * The process may end at any moment but goes on for now (a signal the app handles itself): make
   * durable synchronously what `write` took, and go on working.
   */
  persistSync(): void;
  /**
   * At the last `exit` listener, once nothing more is written: counts as dropped what the sink took
   * but the process will not have written (stdout's own queue, see SynchronousExporterSink).
   */
  countUnwrittenAtExit?(): void;
  /** Records written and not exported yet, left for a later process to replay. */
  recordsWaiting(): number;
  /** Where the waiting records are, for the exit summary. */
  readonly directory?: string;
}
