import { statSync } from 'node:fs';
import { inputLines, openInput, type InputLine } from './input-formats.js';
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

function decodeLine(
  file: string,
  lineNumber: number,
  line: string,
  sink: Pick<RecordSink, 'record' | 'malformed'>,
): void {
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

/** The size of `file` in bytes, if it can be read. */
export function inputSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Consecutive lines of one input: the file, the number of its first line, and the lines (or archive entries that could not be decoded). */
export interface LineBatch {
  readonly file: string;
  readonly firstLine: number;
  readonly lines: readonly InputLine[];
}

/**
 * A batch ends at this many lines or characters, whichever comes first: about a thousand audit
 * records, a few milliseconds of work, and memory bounded by a megabyte plus the longest line
 * (an OTLP-JSON payload or an archive entry can be one long line).
 */
const BATCH_LINES = 4096;
const BATCH_CHARS = 1024 * 1024;

/** Receives what `readLineBatches()` reads: batches of lines in input order, unreadable files, progress. */
export interface LineBatchSink {
  batch(batch: LineBatch): void | Promise<void>;
  unreadable(file: string, reason: string): void | Promise<void>;
  progress?(bytes: number, total: number | undefined): void;
}

/** Bytes read from `chunks`, counted as they pass into `count`. */
export async function* countedBytes(
  chunks: AsyncIterable<Buffer>,
  count: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    count(chunk.length);
    yield chunk;
  }
}

/**
 * Hands the lines of one input to `batch` in batches, its first line numbered 1; what was read
 * before a failure is handed on before the failure is thrown.
 */
export async function batchLines(
  file: string,
  source: AsyncIterable<InputLine>,
  batch: (batch: LineBatch) => Promise<void>,
): Promise<void> {
  let lines: InputLine[] = [];
  let chars = 0;
  let firstLine = 1;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const full = { file, firstLine, lines };
    firstLine += lines.length;
    lines = [];
    chars = 0;
    await batch(full);
  };
  try {
    for await (const line of source) {
      lines.push(line);
      if (typeof line === 'string') chars += line.length;
      if (lines.length === BATCH_LINES || chars >= BATCH_CHARS) await flush();
    }
  } finally {
    await flush();
  }
}

/**
 * Streams the lines of `files` (`-` is stdin) to `sink` in batches, one input at a time: memory
 * stays bounded by a batch whatever the file size. An input that cannot be read is reported
 * after the batch of what was read from it. Progress counts the bytes read from the file,
 * compressed or not.
 */
export async function readLineBatches(files: readonly string[], sink: LineBatchSink): Promise<void> {
  for (const file of files) {
    const total = file === '-' ? undefined : inputSize(file);
    let bytes = 0;
    const source = inputLines(countedBytes(openInput(file), (count) => (bytes += count)));
    try {
      await batchLines(file, source, async (batch) => {
        await sink.batch(batch);
        sink.progress?.(bytes, total);
      });
    } catch (error) {
      await sink.unreadable(file, (error as Error).message);
    }
  }
}

/** Decodes a batch's lines into `sink`: each record, and each line that is not one. Blank lines are skipped. */
export function decodeBatch(
  { file, firstLine, lines }: LineBatch,
  sink: Pick<RecordSink, 'record' | 'malformed'>,
): void {
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (typeof line !== 'string') sink.malformed(file, firstLine + index, line.reason);
    else if (line.trim() !== '') decodeLine(file, firstLine + index, line, sink);
  }
}

/**
 * Streams every record of `files` (`-` is stdin) to `sink`, one batch of lines at a time: memory
 * stays bounded whatever the file size. Bad lines and unreadable files are reported and skipped.
 */
export async function readRecords(files: readonly string[], sink: RecordSink): Promise<void> {
  await readLineBatches(files, {
    batch: (batch) => decodeBatch(batch, sink),
    unreadable: (file, reason) => sink.unreadable(file, reason),
    progress: sink.progress === undefined ? undefined : (bytes, total) => sink.progress!(bytes, total),
  });
}
