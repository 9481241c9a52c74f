import type { AnyValue, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  APP_FIELD_PREFIX,
  FIELD_MAPPINGS,
  LayoutCache,
  NDJSON_BODY_FIELD,
  NDJSON_FIELDS,
  NDJSON_RECORD_FIELDS,
  OTHER_SHAPE_KEYS,
  UNSIGNED_NDJSON_FIELDS,
  sameKeys,
  type FieldMapping,
} from '@apitrail/core/internal';

/** One record as apitrail's NDJSON object: timestamp, level, message, logger and the other members of the README's field table. */
export type NdjsonObject = Record<string, unknown>;

/** Date's range: ±8.64e15 ms around the epoch. */
const MAX_DATE_MS = 8.64e15;
/** The text up to the seconds of the last second formatted: records come many to a second. */
let cachedSecond = Number.NaN;
let cachedSecondText = '';

/** The record time as ISO 8601 UTC, truncated to the millisecond (`Date.prototype.toISOString`). */
export function isoTimestamp(time: HrTime): string {
  const epochMs = time[0] * 1000 + Math.floor(time[1] / 1e6);
  if (!Number.isSafeInteger(epochMs) || Math.abs(epochMs) > MAX_DATE_MS) return new Date(epochMs).toISOString();
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    // Up to and including the '.' before the milliseconds, whatever the year's width.
    cachedSecondText = new Date(second * 1000).toISOString().slice(0, -4);
    cachedSecond = second;
  }
  return `${cachedSecondText}${String(epochMs - second * 1000).padStart(3, '0')}Z`;
}

/**
 * Sets `object[key]` as an own property even for `__proto__`, which plain assignment would treat as
 * the prototype: a client-chosen name (`?__proto__=x`) must show up in the output, not vanish.
 */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function addParam(params: Record<string, string | string[]>, key: string, value: string): void {
  const previous = Object.hasOwn(params, key) ? params[key] : undefined;
  if (previous === undefined) setOwn(params, key, value);
  else if (Array.isArray(previous)) previous.push(value);
  else setOwn(params, key, [previous, value]);
}

/**
 * What makes URLSearchParams do more than split a query at `&` and `=`: escapes, `+`, UTF-16
 * surrogates (it replaces lone ones), and a leading `?` (it drops it).
 */
const NEEDS_URL_SEARCH_PARAMS = /^\?|[%+\ud800-\udfff]/;

/**
 * `a=1&b=2&b=3` → `{ a: '1', b: ['2', '3'] }`, the shape Prowler's `query_params` has, decoded as
 * URLSearchParams decodes it, the names in sorted order (the canonical order, see
 * `toNdjsonObject`). A query with nothing to decode (most of them) is split directly: the same
 * names and values without constructing URLSearchParams and its iterator, per audit record.
 */
export function queryParamsObject(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (NEEDS_URL_SEARCH_PARAMS.test(query)) {
    for (const [key, value] of new URLSearchParams(query)) addParam(params, key, value);
    return inSortedOrder(params);
  }
  const sequences = query.split('&');
  for (let index = 0; index < sequences.length; index++) {
    const sequence = sequences[index]!;
    if (sequence === '') continue;
    const separator = sequence.indexOf('=');
    if (separator < 0) addParam(params, sequence, '');
    else addParam(params, sequence.slice(0, separator), sequence.slice(separator + 1));
  }
  return inSortedOrder(params);
}

/**
 * Whether an object written key by key keeps `key` where it was written: V8 enumerates integer-like
 * keys first, in numeric order, whatever the order of writing.
 */
function keepsItsPlace(key: string): boolean {
  const first = key.charCodeAt(0);
  return !(first >= 48 && first <= 57);
}

/**
 * Set by the projection's builders when a value's keys cannot be enumerated in sorted order (an
 * integer-like key, which JavaScript enumerates first); reset per projection.
 */
let outOfOrder = false;

function inSortedOrder<Value>(object: Record<string, Value>): Record<string, Value> {
  const keys = Object.keys(object);
  let sorted = true;
  for (let index = 0; index < keys.length; index++) {
    if (!keepsItsPlace(keys[index]!)) outOfOrder = true;
    if (index > 0 && keys[index - 1]! > keys[index]!) sorted = false;
  }
  if (sorted) return object;
  const copy: Record<string, Value> = {};
  for (const key of keys.sort()) setOwn(copy, key, object[key]!);
  return copy;
}

function jsonValue(value: AnyValue): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  // A map (a structured body or attribute) is written with its keys sorted too, so its line is its
  // canonical entry as well.
  const object: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (!keepsItsPlace(key)) outOfOrder = true;
    setOwn(object, key, jsonValue((value as Record<string, AnyValue>)[key]!));
  }
  return object;
}

function mappedValue(mapping: FieldMapping, value: AnyValue): unknown {
  if (mapping.shape === 'query' && typeof value === 'string') return queryParamsObject(value);
  return jsonValue(value);
}

const LEVEL_BY_SEVERITY: readonly [number, string][] = [
  [21, 'FATAL'],
  [17, 'ERROR'],
  [13, 'WARN'],
  [9, 'INFO'],
  [5, 'DEBUG'],
  [1, 'TRACE'],
];

function levelOf(record: ReadableLogRecord): string {
  if (record.severityText !== undefined) return record.severityText.toUpperCase();
  const severity = record.severityNumber ?? 0;
  return LEVEL_BY_SEVERITY.find(([floor]) => severity >= floor)?.[1] ?? 'INFO';
}

/** Where one attribute goes: its NDJSON name, and the mapping that shapes its value (none: kept as is). */
interface AttributeField {
  readonly attribute: string;
  readonly name: string;
  readonly mapping: FieldMapping | undefined;
}

/**
 * The NDJSON keys of records with one set of attribute keys (every audit record shares one), in
 * output order, worked out once. Each object is a clone of `template` filled in place: that keeps
 * V8's fast object layout, where an object built key by key becomes a dictionary beyond a dozen
 * keys, on which JSON.stringify and key enumeration (the exporter, the integrity canonical entry) are slower.
 */
interface NdjsonLayout {
  readonly attributeKeys: readonly string[];
  readonly withBody: boolean;
  readonly withEvent: boolean;
  readonly withSpan: boolean;
  readonly fields: readonly AttributeField[];
  readonly template: Readonly<NdjsonObject>;
  /** Whether the template's keys enumerate in the canonical order (none integer-like). */
  readonly canonicalOrder: boolean;
}

const MAPPING_BY_ATTRIBUTE: ReadonlyMap<string, FieldMapping> = new Map(
  FIELD_MAPPINGS.map((mapping) => [mapping.attribute, mapping]),
);

const layouts = new LayoutCache<NdjsonLayout>(32);

/**
 * Names an attribute cannot have in a line, where it goes under `app.<name>` instead: the line's own
 * fields, which it would overwrite (and `logger` and `trace_flags` are not signed), and the keys by
 * which `apitrail`'s readers tell another shape apart (an OTLP-JSON payload, a search hit, an ECS
 * document, a Splunk HEC event), which would make them read the line as that shape.
 */
const NAMES_OF_THE_LINE: ReadonlySet<string> = new Set([...NDJSON_RECORD_FIELDS, ...OTHER_SHAPE_KEYS]);

/** The audit fields in Prowler's order, then any other attribute under its OTel name (see NAMES_OF_THE_LINE). */
function attributeFields(attributeKeys: readonly string[]): AttributeField[] {
  const present = new Set(attributeKeys);
  const mapped = FIELD_MAPPINGS.filter((mapping) => present.has(mapping.attribute)).map((mapping) => ({
    attribute: mapping.attribute,
    name: mapping.ndjson,
    mapping,
  }));
  const unmapped = attributeKeys
    .filter((key) => !MAPPING_BY_ATTRIBUTE.has(key))
    .map((key) => ({
      attribute: key,
      name: NAMES_OF_THE_LINE.has(key) ? `${APP_FIELD_PREFIX}${key}` : key,
      mapping: undefined,
    }));
  return [...mapped, ...unmapped];
}

function layoutOf(record: ReadableLogRecord, withBody: boolean): NdjsonLayout {
  const attributeKeys = Object.keys(record.attributes);
  const withEvent = record.eventName !== undefined;
  const withSpan = record.spanContext !== undefined;
  for (const layout of layouts.layouts) {
    if (
      layout.withBody === withBody &&
      layout.withEvent === withEvent &&
      layout.withSpan === withSpan &&
      sameKeys(layout.attributeKeys, attributeKeys)
    )
      return layout;
  }
  const fields = attributeFields(attributeKeys);
  const names = [
    NDJSON_FIELDS.timestamp,
    NDJSON_FIELDS.level,
    NDJSON_FIELDS.message,
    ...(withBody ? [NDJSON_BODY_FIELD] : []),
    ...(withEvent ? [NDJSON_FIELDS.event] : []),
    ...fields.map((field) => field.name),
    ...(withSpan ? [NDJSON_FIELDS.traceId, NDJSON_FIELDS.spanId, NDJSON_FIELDS.traceFlags] : []),
  ];
  // The signed fields in canonical (sorted) order, then the unsigned ones: the line up to them is
  // the record's canonical entry, so it is serialised once for the file and the Merkle leaf.
  const keys = [...new Set(names.filter((name) => !UNSIGNED_NDJSON_FIELDS.includes(name)))]
    .sort()
    .concat(UNSIGNED_NDJSON_FIELDS.filter((name) => name === NDJSON_FIELDS.logger || names.includes(name)));
  // fromEntries defines every key as data, `__proto__` included; later duplicates keep the first place.
  const template = Object.fromEntries(keys.map((key) => [key, undefined]));
  return layouts.add({
    attributeKeys,
    withBody,
    withEvent,
    withSpan,
    fields,
    template,
    canonicalOrder: keys.every(keepsItsPlace),
  });
}

/**
 * One log record as the object of an NDJSON line, with the field names of Prowler's API key
 * activity log: `timestamp` (ISO 8601 UTC), `level`, `message`, the audit fields, any other
 * attribute under its OTel name (`app.<name>` for a name of the line's own, see NAMES_OF_THE_LINE), `trace_id` and `span_id`, in sorted order (query parameters too),
 * then `logger` and `trace_flags`, which the integrity entry does not sign: the line up to them is
 * the record's canonical entry but for the duration's unit, serialised once for both
 * (packages/integrity/README.md). Attributes whose value is null are left out.
 */
export function toNdjsonObject(record: ReadableLogRecord): NdjsonObject {
  const { body, attributes, spanContext } = record;
  const withBody = body !== undefined && body !== null && typeof body !== 'string';
  const layout = layoutOf(record, withBody);
  outOfOrder = !layout.canonicalOrder;
  // Every key of the template exists on the clone, so plain assignment sets data, even `__proto__`.
  const object: NdjsonObject = { ...layout.template };
  object[NDJSON_FIELDS.timestamp] = isoTimestamp(record.hrTime);
  object[NDJSON_FIELDS.level] = levelOf(record);
  object[NDJSON_FIELDS.message] = typeof body === 'string' ? body : '';
  object[NDJSON_FIELDS.logger] = record.instrumentationScope.name;
  if (withBody) object[NDJSON_BODY_FIELD] = jsonValue(body);
  if (layout.withEvent) object[NDJSON_FIELDS.event] = record.eventName;
  let leftOut = false;
  for (const { attribute, name, mapping } of layout.fields) {
    const value = attributes[attribute];
    if (value === undefined || value === null) leftOut = true;
    else object[name] = mapping === undefined ? jsonValue(value) : mappedValue(mapping, value);
  }
  if (spanContext !== undefined) {
    object[NDJSON_FIELDS.traceId] = spanContext.traceId;
    object[NDJSON_FIELDS.spanId] = spanContext.spanId;
    object[NDJSON_FIELDS.traceFlags] = spanContext.traceFlags;
  }
  // Only a null attribute without another value under its name leaves its key undefined (rare:
  // the SDK drops null attributes); fromEntries keeps a `__proto__` key as data.
  const projection = leftOut
    ? Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))
    : object;
  if (outOfOrder) OUT_OF_CANONICAL_ORDER.add(projection);
  return projection;
}

/** Projections whose JSON text does not list the signed fields in canonical order (see `toNdjsonObject`). */
const OUT_OF_CANONICAL_ORDER = new WeakSet<object>();

/**
 * Whether `JSON.stringify(projection)` lists its keys in the canonical entry's order (RFC 8785 JCS:
 * sorted at every level), its unsigned fields last: false when a key is integer-like, which
 * JavaScript enumerates first whatever the order it was written in.
 */
export function inCanonicalOrder(projection: Readonly<NdjsonObject>): boolean {
  return !OUT_OF_CANONICAL_ORDER.has(projection);
}

const PROJECTION = Symbol('apitrail.ndjson_projection');

type WithProjection = ReadableLogRecord & { [PROJECTION]?: Readonly<NdjsonObject> };

/**
 * The record's NDJSON object, built once and shared by everything that reads the final record:
 * integrity's leaf hashing, the NDJSON exporter, alert payloads. Only for a record no processor
 * will change any more (the SDK makes a record read-only once every processor's `onEmit` has
 * returned: call it from an exporter or from work deferred past `onEmit`); in `onEmit` itself use
 * {@link toNdjsonObject}. The object is shared: read it, never change it.
 */
export function ndjsonProjection(record: ReadableLogRecord): Readonly<NdjsonObject> {
  const tagged = record as WithProjection;
  const cached = tagged[PROJECTION];
  if (cached !== undefined) return cached;
  const projection = toNdjsonObject(record);
  // A record object that cannot take the property (frozen) still gets its projection, unshared.
  if (Object.isExtensible(record)) tagged[PROJECTION] = projection;
  return projection;
}

const TEXT = Symbol('apitrail.ndjson_text');

type WithText = ReadableLogRecord & { [TEXT]?: string };

/**
 * `JSON.stringify` of the record's projection, made once and shared like the projection (same
 * rules): integrity's leaf takes its canonical entry from it, the NDJSON exporter writes it.
 */
export function ndjsonText(record: ReadableLogRecord): string {
  const tagged = record as WithText;
  const cached = tagged[TEXT];
  if (cached !== undefined) return cached;
  const text: unknown = JSON.stringify(ndjsonProjection(record));
  if (typeof text !== 'string') throw new TypeError('the record has no JSON form');
  if (Object.isExtensible(record)) tagged[TEXT] = text;
  return text;
}

// JSON.stringify leaves DEL, the C1 controls and U+2028/U+2029 raw. They are valid JSON, but
// U+0085, U+2028 and U+2029 end a line for Python's str.splitlines() and other Unicode-aware
// readers, and C1 CSI (U+009B) drives some terminals. Outside strings JSON is plain ASCII, so
// escaping them keeps the value and the one-record-per-line promise.
const UNSAFE_IN_LINE = /[\u007f-\u009f\u2028\u2029]/g;

function escapeUnsafe(line: string): string {
  return line.replace(UNSAFE_IN_LINE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One NDJSON line (without the newline) for `object`. */
export function ndjsonLine(object: unknown): string {
  const line = JSON.stringify(object);
  // Each of them is DEL or beyond ASCII, and most lines are plain ASCII: a native UTF-8 length and
  // one search tell so faster than the expression's scan.
  if (Buffer.byteLength(line, 'utf8') === line.length && !line.includes('\u007f')) return line;
  return escapeUnsafe(line);
}

/** A UTF-16 code unit never takes more than three bytes of UTF-8 (a surrogate pair takes four for two). */
const MAX_UTF8_BYTES_PER_UNIT = 3;
const NEWLINE = 0x0a;
const DEL = '\u007f';

/**
 * NDJSON lines (each as {@link ndjsonLine} writes it, and a newline) encoded straight into one
 * buffer: a line's text is encoded once, and the byte count tells whether it was plain ASCII, the
 * usual case, where the only character ndjsonLine escapes is DEL; any other line is written again,
 * escaped. Saves building a batch string and encoding it afterwards.
 */
export class NdjsonWriter {
  private buffer: Buffer;
  private length = 0;

  /** `expectedBytes`: about what the lines will take, so the buffer rarely has to grow. */
  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  /** Appends the line of a JSON text (`JSON.stringify`'s). */
  append(text: string): void {
    this.reserve(text.length);
    const start = this.length;
    let written = this.buffer.write(text, start, 'utf8');
    // Searched in the text, not the bytes: a subarray of the buffer would be an object per line.
    if (written !== text.length || text.includes(DEL)) {
      const escaped = escapeUnsafe(text);
      this.reserve(escaped.length);
      written = this.buffer.write(escaped, start, 'utf8');
    }
    this.length = start + written;
    this.buffer[this.length++] = NEWLINE;
  }

  /** The lines appended so far. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Room for `units` UTF-16 code units of text and a newline after what is written. */
  private reserve(units: number): void {
    const needed = this.length + units * MAX_UTF8_BYTES_PER_UNIT + 1;
    if (needed <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
