import type { Writable } from 'node:stream';
import { ExportResultCode } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { processEnding, recordFault } from '@apitrail/core/internal';
import { countDropped, countExported, countRejected } from './counters.js';
import { knownAttributes, pendingResources, resourcesSettled } from './resources.js';
import type { RecordSink } from './sink.js';

/** Options of a SynchronousExporterSink beyond its exporter and channel. */
export interface SynchronousExporterSinkOptions {
  /**
   * The stream the exporter writes into, when it is stdout or stderr (the `console` exporter, NDJSON
   * to stdout): see {@link SynchronousExporterSink.countUnwrittenAtExit}.
   */
  readonly stream?: Writable;
  /**
   * Hand the exporter one record per `export` (the `console` exporter writes each record apart
   * anyway): what is left unwritten at exit is then counted record by record, not by batch.
   */
  readonly eachRecord?: boolean;
  /**
   * The exporter reads each record's resource attributes (the `console` exporter): a batch whose
   * resource a detector is still resolving waits for it, as the SDK's batch processor waits (an
   * early read loses those attributes, and OpenTelemetry reports it on the app's stderr), and the
   * batches after it wait behind it. At exit, or when the process may end at any moment, what
   * waits is written at once with the attributes already known.
   */
  readonly settlesResources?: boolean;
}

/** `record` as it stands, its resource's pending attributes left out (what the spool's encoder keeps at exit too). */
function withKnownResource(record: ReadableLogRecord): ReadableLogRecord {
  const resource = record.resource;
  if (resource.asyncAttributesPending !== true) return record;
  const known = Object.create(resource, {
    attributes: { value: knownAttributes(resource) },
    asyncAttributesPending: { value: false },
  }) as Resource;
  return Object.create(record, { resource: { value: known } }) as ReadableLogRecord;
}

/** Records the stream had not written when they were handed to it: where their bytes end in it. */
interface Queued {
  /** The stream's byte count (everything ever passed to `write`) once these records were. */
  end: number;
  readonly records: number;
  /** Whether their export reported success (counted as exported). */
  exported: boolean;
}

/** Bytes ever passed to the stream's `write` (a net.Socket's `bytesWritten` counts what it still buffers too). */
function bytesPassed(stream: Writable): number | undefined {
  const bytes = (stream as Writable & { bytesWritten?: unknown }).bytesWritten;
  return typeof bytes === 'number' ? bytes : undefined;
}

/**
 * A local exporter that writes synchronously (the NDJSON file, stdout) as a sink: the file is the
 * durable copy, so no spool sits in front of it. Its `export` has written the batch when it returns.
 */
export class SynchronousExporterSink implements RecordSink {
  private readonly exporter: LogRecordExporter;
  private readonly channel: string;
  private readonly stream: Writable | undefined;
  private readonly eachRecord: boolean;
  private readonly settlesResources: boolean;
  /** Batches waiting for their resources to settle, oldest first (see {@link SynchronousExporterSinkOptions.settlesResources}). */
  private settling: ReadableLogRecord[][] = [];
  /** Settles when the batches waiting now are written. */
  private settled: Promise<void> = Promise.resolve();
  /** What stdout (stderr) still held unwritten after each write, oldest first; empty once it caught up. */
  private queued: Queued[] = [];

  constructor(exporter: LogRecordExporter, channel: string, options: SynchronousExporterSinkOptions = {}) {
    this.exporter = exporter;
    this.channel = channel;
    this.stream = options.stream;
    this.eachRecord = options.eachRecord ?? false;
    this.settlesResources = options.settlesResources ?? false;
  }

  write(records: ReadableLogRecord[]): void {
    if (this.settlesResources) {
      if (this.settling.length > 0) {
        this.settling.push(records);
        return;
      }
      const pending = pendingResources(records);
      if (pending !== undefined) {
        this.settling.push(records);
        // Once: a detector that fails leaves its attributes out, and the batches go all the same.
        this.settled = resourcesSettled(pending).then(() => this.writeSettling());
        return;
      }
    }
    this.exportNow(records);
  }

  /** The batches waiting for their resources, now, in order; any resource still pending is written with what it knows. */
  private writeSettling(): void {
    const batches = this.settling;
    this.settling = [];
    for (const batch of batches) this.exportNow(batch.map(withKnownResource));
  }

  private exportNow(records: ReadableLogRecord[]): void {
    if (this.stream === undefined || !this.eachRecord) this.exportBatch(records);
    else for (const record of records) this.exportBatch([record]);
  }

  private exportBatch(records: ReadableLogRecord[]): void {
    // Its callback may come now (the console exporter) or once the stream has written (NDJSON to stdout).
    const entry: Queued = { end: 0, records: records.length, exported: false };
    let answered = false;
    try {
      this.exporter.export(records, (result) => {
        answered = true;
        if (result.code === ExportResultCode.SUCCESS) {
          countExported(records.length, false);
          entry.exported = true;
        } else countDropped(this.channel, records.length);
      });
    } catch (error) {
      // Thrown here, it would reach the app: at exit, or as an unhandled rejection once a detector
      // settled (writeSettling), which Node ends the app on. Only this export's records are lost.
      recordFault(`${this.channel} sink`, error);
      if (!answered) countDropped(this.channel, records.length);
      return;
    }
    const stream = this.stream;
    if (stream === undefined) return;
    if (stream.writableLength === 0) {
      // Everything passed to the stream so far is written.
      this.queued = [];
      return;
    }
    const end = bytesPassed(stream);
    if (end === undefined) return;
    entry.end = end;
    this.queued.push(entry);
  }

  /**
   * On Linux stdout and stderr write a file, a pipe or a terminal at once, with one exception: a
   * pipe whose reader has fallen behind (its buffer full). Node then keeps the rest of the write in
   * memory, to write when the pipe has room, and drops it when the process exits. Called at the
   * last `exit` listener, once nothing more is written: the records whose bytes stdout still holds
   * are lost, and counted as dropped (a record cut in two counted whole: its end is not out).
   */
  countUnwrittenAtExit(): void {
    const stream = this.stream;
    const queued = this.queued;
    this.queued = [];
    if (stream === undefined || queued.length === 0 || stream.writableLength === 0) return;
    const passed = bytesPassed(stream);
    if (passed === undefined) return;
    const written = passed - stream.writableLength;
    for (const entry of queued) {
      if (entry.end <= written) continue;
      if (entry.exported) countRejected(this.channel, entry.records);
      else countDropped(this.channel, entry.records);
    }
  }

  async forceFlush(): Promise<void> {
    await this.settled;
    await (this.exporter.forceFlush?.() ?? Promise.resolve());
  }

  shutdown(): Promise<void> {
    // At the process's end the file stays open for the records the app still emits until it goes
    // (in its `exit` listeners): they are written as they come, and the process's end closes it.
    if (processEnding()) return this.forceFlush();
    return this.exporter.shutdown();
  }

  exitSync(): void {
    // Every batch was written when `write` returned, but those waiting for their resources.
    this.writeSettling();
  }

  persistSync(): void {
    this.writeSettling();
  }

  recordsWaiting(): number {
    return 0;
  }
}
