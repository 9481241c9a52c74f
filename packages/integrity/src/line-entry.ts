// The canonical entry read from the text of a record's NDJSON line (packages/integrity/README.md,
// "The canonical entry"): the line lists the signed fields in canonical order and its unsigned ones
// last, so the entry is the line up to them, the duration converted. The sealer cuts it from the
// text the NDJSON exporter writes (`recordEntry`); `apitrail verify` reads it off a line without
// parsing it (`lineLeaf`; both read the text with line-text.ts). Both fall back to `canonicalEntry`
// of the fields.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  NDJSON_FIELDS,
  UNSIGNED_NDJSON_FIELDS,
} from '@apitrail/core/internal';
import { inCanonicalOrder, ndjsonProjection, ndjsonText } from '@apitrail/export/internal';
import { NANOSECOND_FIELDS, canonicalEntry } from './canonical.js';
import { lineTextReader, type LineFieldNames } from './line-text.js';

/** The last tail made, and the values it holds: records of one logger, with or without trace flags, share it. */
let lastTail: { readonly values: readonly unknown[]; readonly text: string } = { values: [], text: '' };

/**
 * The text of a line's unsigned fields, which the NDJSON projection puts last: `,"logger":…`,
 * then `,"trace_flags":…` when the record has them, and the closing brace.
 */
function unsignedTail(projection: Readonly<Record<string, unknown>>): string {
  const { values } = lastTail;
  let same = values.length === UNSIGNED_NDJSON_FIELDS.length;
  for (let index = 0; same && index < values.length; index++) {
    same = projection[UNSIGNED_NDJSON_FIELDS[index]!] === values[index];
  }
  if (same) return lastTail.text;
  let text = '';
  for (const name of UNSIGNED_NDJSON_FIELDS) {
    const value = projection[name];
    if (value !== undefined) text += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  lastTail = { values: UNSIGNED_NDJSON_FIELDS.map((name) => projection[name]), text: `${text}}` };
  return lastTail.text;
}

/** The line's field names, from @apitrail/core: `apitrail verify` hands them to its worker threads. */
export const LINE_FIELD_NAMES: LineFieldNames = {
  logger: NDJSON_FIELDS.logger,
  traceFlags: NDJSON_FIELDS.traceFlags,
  logId: ATTR_INTEGRITY_LOG_ID,
  sequence: ATTR_INTEGRITY_SEQUENCE,
  seconds: [...NANOSECOND_FIELDS],
};

const reader = lineTextReader(LINE_FIELD_NAMES);

/** See `LineTextReader.lineLeaf`. */
export const lineLeaf = reader.lineLeaf;

/**
 * The canonical entry of a record about to be exported, from the JSON text the NDJSON exporter
 * writes (`ndjsonText`, made once for both): the signed fields come first, in canonical order, so
 * the entry is that text up to its unsigned fields, the duration in nanoseconds. A record whose text
 * is not in that order (a map in its body) has its entry built apart.
 */
export function recordEntry(record: ReadableLogRecord): string {
  const projection = ndjsonProjection(record);
  if (inCanonicalOrder(projection)) {
    const text = ndjsonText(record);
    const tail = unsignedTail(projection);
    if (text.length > tail.length + 1 && text.endsWith(tail)) {
      const entry = reader.entryOfOrderedText(text, text.length - tail.length);
      if (entry !== undefined) return entry;
    }
  }
  return canonicalEntry(projection);
}
