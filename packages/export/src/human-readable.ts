import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { NDJSON_FIELDS, neutralizeControlCharacters } from '@apitrail/core/internal';
import { toNdjsonObject, type NdjsonObject } from './ndjson-record.js';

const LEVEL_COLOURS: Readonly<Record<string, string>> = {
  ERROR: '\u001b[31m',
  FATAL: '\u001b[31m',
  WARN: '\u001b[33m',
  INFO: '\u001b[32m',
  DEBUG: '\u001b[36m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

const HEADLINE_FIELDS: ReadonlySet<string> = new Set([
  NDJSON_FIELDS.timestamp,
  NDJSON_FIELDS.level,
  NDJSON_FIELDS.logger,
  NDJSON_FIELDS.message,
]);

function plain(value: unknown): string {
  return neutralizeControlCharacters(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * A development-friendly line: time, aligned level and logger, the message, then `key=value`
 * pairs. Every key and value has its control characters neutralised (CWE-117), so a hostile user agent
 * cannot forge lines or drive the terminal; colour only when `colour` is set (a TTY).
 */
export function formatHumanReadable(record: ReadableLogRecord, colour: boolean): string {
  return formatHumanReadableFields(toNdjsonObject(record), colour);
}

/** The same line from an NDJSON object (the winston format builds one without a LogRecord). */
export function formatHumanReadableFields(fields: NdjsonObject, colour: boolean): string {
  const level = neutralizeControlCharacters(String(fields[NDJSON_FIELDS.level]));
  const levelText = level.padEnd(5);
  const head = `${plain(fields[NDJSON_FIELDS.timestamp])} ${colour ? `${LEVEL_COLOURS[level] ?? ''}${levelText}${RESET}` : levelText} ${plain(fields[NDJSON_FIELDS.logger]).padEnd(18)} ${plain(fields[NDJSON_FIELDS.message])}`;
  const pairs = Object.entries(fields)
    .filter(([key]) => !HEADLINE_FIELDS.has(key))
    // Keys too: winston metadata is often a client's data (a logged request body), keys included.
    .map(([key, value]) => `${plain(key)}=${plain(value)}`)
    .join(' ');
  return pairs === '' ? head : `${head} ${colour ? `${DIM}${pairs}${RESET}` : pairs}`;
}
