import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { recordFault } from '@apitrail/core';
import { formatHumanReadable } from './human-readable.js';
import { ndjsonLine, ndjsonProjection } from './ndjson-record.js';

export type LocalLogFormat = 'ndjson' | 'human_readable';

export interface StreamLogRecordExporterOptions {
  /** `stdout` (default), `stderr`, a file path (appended to), or a writable stream. */
  destination?: 'stdout' | 'stderr' | string | Writable;
  format?: LocalLogFormat;
  /** Colour the human-readable format; defaults to whether the destination is a TTY. */
  colour?: boolean;
}

function openDestination(destination: StreamLogRecordExporterOptions['destination']): {
  stream: Writable;
  owned: boolean;
} {
  if (destination === undefined || destination === 'stdout') return { stream: process.stdout, owned: false };
  if (destination === 'stderr') return { stream: process.stderr, owned: false };
  if (typeof destination === 'string') return { stream: createWriteStream(destination, { flags: 'a' }), owned: true };
  return { stream: destination, owned: false };
}

/**
 * Writes log records to a stream or file, one line each: NDJSON with the seed's field names
 * (default) or the human-readable format. A batch is written with a single `write`, so lines from
 * one process are never interleaved mid-line.
 */
export class StreamLogRecordExporter implements LogRecordExporter {
  private readonly stream: Writable;
  private readonly owned: boolean;
  private readonly format: (record: ReadableLogRecord) => string;
  private shutDown = false;
  private streamError: Error | undefined;

  constructor(options: StreamLogRecordExporterOptions = {}) {
    const { stream, owned } = openDestination(options.destination);
    this.stream = stream;
    this.owned = owned;
    // An unwritable file (missing directory, full disk) emits 'error'; unheard, that would crash
    // the host app. It is reported once and every later export fails, so the loss is counted.
    if (owned) {
      stream.on('error', (error: Error) => {
        this.streamError = error;
        recordFault('ndjson exporter', error);
      });
    }
    if (options.format === 'human_readable') {
      const colour = options.colour ?? (stream as Writable & { isTTY?: boolean }).isTTY === true;
      this.format = (record) => formatHumanReadable(record, colour);
    } else {
      this.format = (record) => ndjsonLine(ndjsonProjection(record));
    }
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutDown || this.streamError !== undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: this.streamError ?? new Error('exporter is shut down') });
      return;
    }
    let chunk = '';
    for (const record of records) {
      // One record that cannot be formatted (a circular or BigInt body) must not take its batch down.
      try {
        chunk += `${this.format(record)}\n`;
      } catch (error) {
        recordFault('ndjson exporter', error);
      }
    }
    this.stream.write(chunk, (error) =>
      resultCallback(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }),
    );
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.shutDown = true;
    if (!this.owned) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
