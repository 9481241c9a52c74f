import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { processEnding } from '@apitrail/core/internal';
import { countDropped, countExported } from './counters.js';
import type { RecordSink } from './sink.js';

/**
 * A local exporter that writes synchronously (the NDJSON file, stdout) as a sink: the file is the
 * durable copy, so no spool sits in front of it. Its `export` has written the batch when it returns.
 */
export class SynchronousExporterSink implements RecordSink {
  private readonly exporter: LogRecordExporter;
  private readonly channel: string;

  constructor(exporter: LogRecordExporter, channel: string) {
    this.exporter = exporter;
    this.channel = channel;
  }

  write(records: ReadableLogRecord[]): void {
    this.exporter.export(records, (result) => {
      if (result.code === ExportResultCode.SUCCESS) countExported(records.length, false);
      else countDropped(this.channel, records.length);
    });
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    // At the process's end the file stays open for the records the app still emits until it goes
    // (in its `exit` listeners): they are written as they come, and the process's end closes it.
    if (processEnding()) return this.forceFlush();
    return this.exporter.shutdown();
  }

  exitSync(): void {
    // Every batch was written when `write` returned.
  }

  persistSync(): void {
    // Every batch was written when `write` returned.
  }

  recordsWaiting(): number {
    return 0;
  }
}
