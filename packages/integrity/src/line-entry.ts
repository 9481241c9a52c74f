// The canonical entry read from the text of a record's NDJSON line (packages/integrity/README.md,
// "The canonical entry"): the line lists the signed fields in canonical order and its unsigned ones
// last, so the entry is the line up to them, the duration converted. The sealer cuts it from the
// text the NDJSON exporter writes (`recordEntry`); `apitrail verify` reads it off a line without
// parsing it (`lineLeaf`). Both fall back to `canonicalEntry` of the fields.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  NDJSON_FIELDS,
  UNSIGNED_NDJSON_FIELDS,
} from '@apitrail/core/internal';
import { inCanonicalOrder, ndjsonProjection, ndjsonText } from '@apitrail/export/internal';
import { NANOSECOND_FIELDS, canonicalEntry } from './canonical.js';

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

/** The text of a JSON string token after its opening quote, escapes included (unrolled: fast). */
const STRING_REST = String.raw`[^"\\]*(?:\\.[^"\\]*)*"`;
/** A JSON number token, exactly as the grammar has it, so that `Number` reads it as JSON.parse does. */
const NUMBER_TOKEN = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Members of a JSON object text, up to the one named `name` (excluded): each with a string,
 * number, boolean or null value, so the text they span holds no nested value, and `name`'s member
 * after them is at the same level.
 */
function membersBefore(name: string): string {
  return String.raw`(?:"(?!${literal(JSON.stringify(name).slice(1))})${STRING_REST}:(?:"${STRING_REST}|[-+.\deE]+|true|false|null),)*`;
}

/**
 * Each field in seconds, with expressions finding its member and number: anywhere, and (sticky,
 * from the start of a member at the top level of a JSON object text) at that level. In canonical
 * order the members before `duration` are the API key's, the integrity fields and a few more, all
 * with such values in an audit record.
 */
const SECONDS_MEMBERS = [...NANOSECOND_FIELDS].map((name) => ({
  member: `${JSON.stringify(name)}:`,
  /** Its first member with a number, wherever it is. */
  anywhere: new RegExp(`${literal(JSON.stringify(name))}:(${NUMBER_TOKEN})[,}]`),
  atTopLevel: new RegExp(`${membersBefore(name)}${literal(JSON.stringify(name))}:(${NUMBER_TOKEN})[,}]`, 'y'),
}));

/** Whether a `{` (but the opening brace) or a `[` comes before `at` in `text`, even in a string. */
function nestingBefore(text: string, at: number): boolean {
  const object = text.indexOf('{', 1);
  const array = text.indexOf('[');
  return (object >= 0 && object < at) || (array >= 0 && array < at);
}

/**
 * The canonical entry of a JSON object text up to `end` (where its unsigned members start, or its
 * closing brace), whose members are in canonical order and serialised as JSON.stringify writes
 * them, with its field in seconds still in seconds: that converted to integer nanoseconds.
 * Undefined when the field is there but not found at the top level with a number: the caller then
 * parses.
 */
function entryOfOrderedText(text: string, end: number): string | undefined {
  // One field in seconds (`duration`): a second would be converted the same way, in one more pass.
  if (SECONDS_MEMBERS.length !== 1) return undefined;
  const { member, anywhere, atTopLevel } = SECONDS_MEMBERS[0]!;
  const found = anywhere.exec(text);
  let seconds: string | undefined;
  let start: number;
  if (found !== null && found.index < end && !nestingBefore(text, found.index)) {
    // With nothing nested before it, the member is at the top level.
    seconds = found[1]!;
    start = found.index + member.length;
  } else if (found === null && !text.includes(member)) {
    return `${text.slice(0, end)}}`;
  } else {
    atTopLevel.lastIndex = 1;
    seconds = atTopLevel.exec(text)?.[1];
    start = atTopLevel.lastIndex - 1 - (seconds?.length ?? 0);
  }
  if (seconds === undefined || start + seconds.length > end) return undefined;
  const nanoseconds = JSON.stringify(Math.trunc(Number(seconds) * 1e9));
  return `${text.slice(0, start)}${nanoseconds}${text.slice(start + seconds.length, end)}}`;
}

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
      const entry = entryOfOrderedText(text, text.length - tail.length);
      if (entry !== undefined) return entry;
    }
  }
  return canonicalEntry(projection);
}

/** The member a line's canonical entry ends at: its unsigned fields follow. */
const LOGGER_MEMBER = `,${JSON.stringify(NDJSON_FIELDS.logger)}:"`;
const TRACE_FLAGS_MEMBER = `,${JSON.stringify(NDJSON_FIELDS.traceFlags)}:`;
/** A JSON string with nothing escaped (no backslash, no control character), the whole text: an ordinary logger name. */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const PLAIN_JSON_STRING = /^"[^"\\\u0000-\u001f]*"$/;
/** A JSON number as JSON.stringify writes trace flags (no leading zero: `007` is no JSON). */
const TRACE_FLAGS = /^(?:0|[1-9]\d{0,2})$/;
/**
 * The log id and sequence number members, next to each other as in canonical order (no other key
 * sorts between them): one expression finds both. Where in the line does not matter (see `lineLeaf`).
 */
const LEAF_POSITION = new RegExp(
  String.raw`${literal(JSON.stringify(ATTR_INTEGRITY_LOG_ID))}:"([^"\\]+)",${literal(JSON.stringify(ATTR_INTEGRITY_SEQUENCE))}:(0|[1-9]\d{0,15})[,}]`,
);

/** A leaf of a line of apitrail's NDJSON file, read without parsing it: see `lineLeaf`. */
export interface LineLeaf {
  readonly entry: string;
  readonly logId: string;
  readonly sequence: number;
}

/**
 * The canonical entry, log id and sequence number of an NDJSON line as apitrail writes it, taken
 * from its text: the line up to `,"logger":` is the entry but for the duration's unit (see
 * `toNdjsonObject`), when what follows is the plain unsigned fields and nothing else. Undefined
 * for any other line (a checkpoint, one without integrity fields, one in another form), which must
 * be parsed. A record carrying a sequence number is a leaf, whatever its event (`prepareRecord`
 * reads it so too).
 *
 * Nothing here checks that the line is valid JSON, nor that the log id and sequence number found
 * are at its top level: the entry is accepted only when its hash is the leaf a signed checkpoint
 * commits to. Then it is the signed entry byte for byte (SHA-256), a valid JSON object in canonical
 * form; the line is that object with its duration in seconds, whose member was found at the top
 * level (`entryOfOrderedText`), and the unsigned members checked here appended, so it holds exactly
 * the signed fields; and the signed entry at a position holds that position's log id and sequence
 * number. A line whose entry does not match is a finding, and `apitrail verify` then verifies every
 * record again by parsing (`verify.ts`), so this path never decides a finding.
 */
export function lineLeaf(line: string): LineLeaf | undefined {
  const tailStart = line.lastIndexOf(LOGGER_MEMBER);
  if (tailStart < 0 || line.charCodeAt(line.length - 1) !== 0x7d) return undefined;
  const tail = line.slice(tailStart + LOGGER_MEMBER.length - 1, line.length - 1);
  const loggerEnd = tail.indexOf('"', 1) + 1;
  if (loggerEnd === 0 || !PLAIN_JSON_STRING.test(tail.slice(0, loggerEnd))) return undefined;
  if (loggerEnd < tail.length) {
    if (!tail.startsWith(TRACE_FLAGS_MEMBER, loggerEnd)) return undefined;
    if (!TRACE_FLAGS.test(tail.slice(loggerEnd + TRACE_FLAGS_MEMBER.length))) return undefined;
  }
  const position = LEAF_POSITION.exec(line);
  if (position === null || position.index > tailStart) return undefined;
  const sequence = Number(position[2]);
  const entry = Number.isSafeInteger(sequence) ? entryOfOrderedText(line, tailStart) : undefined;
  return entry === undefined ? undefined : { entry, logId: position[1]!, sequence };
}
