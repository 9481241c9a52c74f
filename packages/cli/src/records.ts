import { statSync } from 'node:fs';
import { inputLines, openInput } from './input-formats.js';
import { ndjsonSourceRecord } from './ndjson-records.js';
import { otlpSourceRecords, type OtlpLogsPayload } from './otlp-json.js';
import { isEcsDocument, isHecEvent, siemRecord } from './siem-records.js';

/** One log record read from a file, in both shapes the commands need. */
export interface SourceRecord {
  readonly location: string;
  /** Ordering unit (see `ExportedRecord.unit` in @apitrail/integrity). */
  readonly unit: string;
  readonly timeMs: number;
  readonly eventName: string | undefined;
  /** Attributes under their OTel names (NDJSON fields mapped back). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The record's NDJSON object. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Receives what `readRecords()` reads: each record, each malformed line, each unreadable file, and progress. */
export interface RecordSink {
  record(record: SourceRecord): void;
  malformed(file: string, line: number, reason: string): void;
  /** A file that could not be opened or read. */
  unreadable(file: string, reason: string): void;
  /** Bytes read so far, of `total` (undefined for stdin). */
  progress?(bytes: number, total: number | undefined): void;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function decodeLine(file: string, lineNumber: number, line: string, sink: RecordSink): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    sink.malformed(file, lineNumber, `not JSON (${(error as Error).message})`);
    return;
  }
  if (!isObject(parsed)) {
    sink.malformed(file, lineNumber, 'not a JSON object');
    return;
  }
  if (Array.isArray(parsed.resourceLogs)) {
    try {
      for (const record of otlpSourceRecords(file, lineNumber, parsed as OtlpLogsPayload)) sink.record(record);
    } catch (error) {
      sink.malformed(file, lineNumber, `not an OTLP-JSON logs payload (${(error as Error).message})`);
    }
    return;
  }
  // A search hit (`{ "_index", "_id", "_source": { ... } }`, as an OpenSearch/Elasticsearch export holds it) is its document.
  const document = isObject(parsed._source) && isEcsDocument(parsed._source) ? parsed._source : parsed;
  if (isEcsDocument(document) || isHecEvent(document)) {
    const rebuilt = siemRecord(document);
    if (Number.isNaN(rebuilt.timeMs)) {
      sink.malformed(file, lineNumber, 'a SIEM document without a valid time');
      return;
    }
    // A SIEM keeps no emit order: each document is its own ordering unit.
    sink.record({ location: `${file}:${lineNumber}`, unit: `${file}:${lineNumber}`, ...rebuilt });
    return;
  }
  const record = ndjsonSourceRecord(file, lineNumber, parsed);
  if (record === undefined) {
    sink.malformed(
      file,
      lineNumber,
      'neither an NDJSON record with a timestamp, an OTLP-JSON payload, an ECS document nor a Splunk HEC event',
    );
    return;
  }
  sink.record(record);
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * Streams every record of `files` (`-` is stdin) to `sink`, one line (or archive entry) at a time:
 * memory stays constant whatever the file size. Bad lines and unreadable files are reported and
 * skipped. Progress counts the bytes read from the file, compressed or not.
 */
export async function readRecords(files: readonly string[], sink: RecordSink): Promise<void> {
  for (const file of files) {
    const total = file === '-' ? undefined : sizeOf(file);
    let bytes = 0;
    let lineNumber = 0;
    async function* counted(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        yield chunk;
      }
    }
    try {
      for await (const line of inputLines(counted(openInput(file)))) {
        lineNumber++;
        if (typeof line !== 'string') sink.malformed(file, lineNumber, line.reason);
        else if (line.trim() !== '') decodeLine(file, lineNumber, line, sink);
        if (lineNumber % 4096 === 0) sink.progress?.(bytes, total);
      }
    } catch (error) {
      sink.unreadable(file, (error as Error).message);
    }
  }
}
