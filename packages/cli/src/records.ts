import { statSync } from 'node:fs';
import { FIELD_MAPPINGS, NDJSON_FIELDS } from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';
import { inputLines, openInput } from './input-formats.js';
import { readableFromOtlp, type OtlpLogsPayload } from './otlp-json.js';
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

const ATTRIBUTE_BY_FIELD: ReadonlyMap<string, string> = new Map(FIELD_MAPPINGS.map((m) => [m.ndjson, m.attribute]));
/** NDJSON fields that are parts of the record itself, not attributes. */
const RECORD_FIELDS: ReadonlySet<string> = new Set([
  NDJSON_FIELDS.timestamp,
  NDJSON_FIELDS.level,
  NDJSON_FIELDS.message,
  NDJSON_FIELDS.logger,
  NDJSON_FIELDS.event,
  NDJSON_FIELDS.traceId,
  NDJSON_FIELDS.spanId,
  NDJSON_FIELDS.traceFlags,
  'body',
]);

/** ISO 8601; a timestamp without a zone (Prowler's `2025-01-01 10:00:00,123`) is read as UTC. */
function parseTimestamp(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const zoned = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value.replace(' ', 'T').replace(',', '.')}Z`;
  return Date.parse(zoned);
}

function attributesOfNdjson(object: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(object)) {
    if (!RECORD_FIELDS.has(field)) attributes[ATTRIBUTE_BY_FIELD.get(field) ?? field] = value;
  }
  return attributes;
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
      decodeOtlp(file, lineNumber, parsed as OtlpLogsPayload, sink);
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
  const timeMs = parseTimestamp(parsed[NDJSON_FIELDS.timestamp]);
  if (Number.isNaN(timeMs)) {
    sink.malformed(
      file,
      lineNumber,
      'neither an NDJSON record with a timestamp, an OTLP-JSON payload, an ECS document nor a Splunk HEC event',
    );
    return;
  }
  const event = parsed[NDJSON_FIELDS.event];
  const fields = parsed;
  let attributes: Record<string, unknown> | undefined;
  sink.record({
    location: `${file}:${lineNumber}`,
    unit: file,
    timeMs,
    eventName: typeof event === 'string' ? event : undefined,
    // Built when read: `verify` reads only the fields, and this map costs it as much as a hash.
    get attributes() {
      return (attributes ??= attributesOfNdjson(fields));
    },
    fields,
  });
}

function decodeOtlp(file: string, lineNumber: number, payload: OtlpLogsPayload, sink: RecordSink): void {
  let index = 0;
  for (const [resourceIndex, resourceLogs] of (payload.resourceLogs ?? []).entries()) {
    for (const [scopeIndex, scopeLogs] of (resourceLogs.scopeLogs ?? []).entries()) {
      const unit = `${file}:${lineNumber}#${resourceIndex}.${scopeIndex}`;
      for (const otlpRecord of scopeLogs.logRecords ?? []) {
        index++;
        const readable = readableFromOtlp(otlpRecord, scopeLogs.scope?.name ?? '');
        sink.record({
          location: `${file}:${lineNumber}#${index}`,
          unit,
          timeMs: readable.hrTime[0] * 1000 + readable.hrTime[1] / 1e6,
          eventName: readable.eventName,
          attributes: readable.attributes,
          fields: toNdjsonObject(readable),
        });
      }
    }
  }
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
