import { closeSync, constants, openSync, statSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { recordFault } from '@apitrail/core/internal';
import { formatHumanReadable } from './human-readable.js';
import { NdjsonWriter, ndjsonText } from './ndjson-record.js';

/** A local line format: `ndjson` (one JSON object per record, Prowler's field names) or `human_readable` (aligned, for development). */
export type LocalLogFormat = 'ndjson' | 'human_readable';

/** Options of a StreamLogRecordExporter: where the lines go, their format, colour. */
export interface StreamLogRecordExporterOptions {
  /** `stdout` (default), `stderr`, a file path (appended to), or a writable stream. */
  destination?: 'stdout' | 'stderr' | string | Writable;
  format?: LocalLogFormat;
  /** Colour the human-readable format; defaults to whether the destination is a TTY. */
  colour?: boolean;
}

/** Where the lines go: `write` calls back once the chunk is written (before returning, for a file). */
interface Destination {
  write(chunk: string | Uint8Array, done: (error?: Error | null) => void): void;
  close(): Promise<void>;
  readonly isTTY: boolean;
}

function streamDestination(stream: Writable): Destination {
  return {
    // stdout and stderr write synchronously when they are files, pipes or terminals (on POSIX).
    write: (chunk, done) => stream.write(chunk, done),
    close: () => Promise.resolve(),
    isTTY: (stream as Writable & { isTTY?: boolean }).isTTY === true,
  };
}

/**
 * Opens `path` for appending. A FIFO (a named pipe a log shipper reads) is opened only when a reader
 * has it open: opening one for writing waits for a reader, so with the shipper not up yet the app
 * hung in this call, at start, with nothing said. A non-blocking open first fails at once then
 * (ENXIO); with a reader there, the blocking open that follows returns at once too. The first
 * descriptor stays open until the second is: closed before, it would be the FIFO's last writer
 * going, and a reader that had just opened it (`cat` starting) would read end of file and exit,
 * leaving the blocking open to wait for the next reader, with the app's event loop held.
 */
function openForAppend(path: string): number {
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    // Missing: the open below creates a regular file, or says why it cannot.
  }
  if (!fifo) return openSync(path, 'a');
  let probe: number;
  try {
    probe = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (!noReaderYet(error)) throw error;
    // Node's text, 'no such device or address', does not say what is missing.
    throw Object.assign(new Error(`ENXIO: no reader has the FIFO open, open '${path}'`), {
      code: 'ENXIO',
      syscall: 'open',
      path,
    });
  }
  try {
    return openSync(path, 'a');
  } finally {
    closeSync(probe);
  }
}

/** A FIFO no reader has open (yet): tried again at the next write. */
function noReaderYet(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENXIO';
}

/**
 * A file, appended to with synchronous writes: a batch is in the file (the page cache) when
 * `export` returns, so a process that ends right after, by `process.exit()` or a crash, or is
 * killed, has not left it in a stream's buffer. A FIFO with no reader yet is opened at a later
 * write; each write before then fails (the batch counted as lost by the caller).
 */
function fileDestination(path: string): Destination {
  let fd: number | undefined;
  try {
    fd = openForAppend(path);
  } catch (error) {
    if (!noReaderYet(error)) throw error;
  }
  return {
    write: (chunk, done) => {
      try {
        fd ??= openForAppend(path);
        if (typeof chunk === 'string') writeSync(fd, chunk);
        else writeSync(fd, chunk);
      } catch (error) {
        // The FIFO's reader went away: opened again, for the next one, at a later write.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE' && fd !== undefined) {
          try {
            closeSync(fd);
          } catch {
            // Closed or not, it is not written to again.
          }
          fd = undefined;
        }
        done(error as Error);
        return;
      }
      done();
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      return Promise.resolve();
    },
    isTTY: false,
  };
}

function openDestination(destination: StreamLogRecordExporterOptions['destination']): Destination {
  if (destination === undefined || destination === 'stdout') return streamDestination(process.stdout);
  if (destination === 'stderr') return streamDestination(process.stderr);
  if (typeof destination === 'string') return fileDestination(destination);
  return streamDestination(destination);
}

/**
 * Writes log records to a stream or file, one line each: NDJSON with Prowler's field names
 * (default) or the human-readable format. A batch is written with a single `write`, so lines from
 * one process are never interleaved mid-line.
 */
export class StreamLogRecordExporter implements LogRecordExporter {
  private readonly destination: Destination | undefined;
  /** Human-readable lines; NDJSON lines go through an NdjsonWriter instead. */
  private readonly humanReadable: ((record: ReadableLogRecord) => string) | undefined;
  /** The size of the last NDJSON batch, so the next one's buffer is about right from the start. */
  private lastBatchBytes = 64 * 1024;
  private shutDown = false;
  private destinationError: Error | undefined;

  constructor(options: StreamLogRecordExporterOptions = {}) {
    // An unwritable file (missing directory, read-only disk) must not crash the host app: it is
    // reported once and every export fails, so the loss is counted.
    try {
      this.destination = openDestination(options.destination);
    } catch (error) {
      this.destinationError = error as Error;
      // Deferred: the register builds its exporters before the SDK installs the diagnostic logger.
      process.nextTick(() => recordFault('ndjson exporter', error));
    }
    if (options.format === 'human_readable') {
      const colour = options.colour ?? this.destination?.isTTY === true;
      this.humanReadable = (record) => formatHumanReadable(record, colour);
    }
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutDown || this.destination === undefined || this.destinationError !== undefined) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: this.destinationError ?? new Error('exporter is shut down'),
      });
      return;
    }
    this.destination.write(this.encode(records), (error) => {
      if (error) {
        // A full disk: reported once (counted every time), and this batch counted as lost by the caller.
        recordFault('ndjson exporter', error);
        resultCallback({ code: ExportResultCode.FAILED, error });
      } else {
        resultCallback({ code: ExportResultCode.SUCCESS });
      }
    });
  }

  /** The batch as one chunk; a record that cannot be formatted (a circular or BigInt body) is left out, counted. */
  private encode(records: ReadableLogRecord[]): string | Uint8Array {
    const humanReadable = this.humanReadable;
    if (humanReadable !== undefined) {
      let chunk = '';
      for (const record of records) {
        try {
          chunk += `${humanReadable(record)}\n`;
        } catch (error) {
          recordFault('ndjson exporter', error);
        }
      }
      return chunk;
    }
    const writer = new NdjsonWriter(this.lastBatchBytes);
    for (const record of records) {
      try {
        writer.append(ndjsonText(record));
      } catch (error) {
        recordFault('ndjson exporter', error);
      }
    }
    const bytes = writer.bytes();
    this.lastBatchBytes = bytes.length;
    return bytes;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    if (this.shutDown) return Promise.resolve();
    this.shutDown = true;
    return this.destination?.close() ?? Promise.resolve();
  }
}
