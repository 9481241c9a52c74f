import type { AnyValue, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { FIELD_MAPPINGS, NDJSON_FIELDS, type FieldMapping } from '@apitrail/core';

const MAPPED_ATTRIBUTES: ReadonlySet<string> = new Set(FIELD_MAPPINGS.map((mapping) => mapping.attribute));

export type NdjsonObject = Record<string, unknown>;

export function isoTimestamp(time: HrTime): string {
  return new Date(time[0] * 1000 + Math.floor(time[1] / 1e6)).toISOString();
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

/** `a=1&b=2&b=3` → `{ a: '1', b: ['2', '3'] }`, the shape Prowler's `query_params` has. */
export function queryParamsObject(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const previous = Object.hasOwn(params, key) ? params[key] : undefined;
    if (previous === undefined) setOwn(params, key, value);
    else if (Array.isArray(previous)) previous.push(value);
    else setOwn(params, key, [previous, value]);
  }
  return params;
}

function jsonValue(value: AnyValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') {
    const object: Record<string, unknown> = {};
    for (const [key, nested] of Object.entries(value)) setOwn(object, key, jsonValue(nested as AnyValue));
    return object;
  }
  return value;
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

/**
 * One log record as the object of an NDJSON line, with the seed's field names: `timestamp` (ISO
 * 8601 UTC), `level`, `message`, `logger`, then the audit fields in Prowler's order, then any other
 * attribute under its OTel name, then `trace_id`, `span_id` and `trace_flags`.
 */
export function toNdjsonObject(record: ReadableLogRecord): NdjsonObject {
  const object: NdjsonObject = {
    [NDJSON_FIELDS.timestamp]: isoTimestamp(record.hrTime),
    [NDJSON_FIELDS.level]: levelOf(record),
    [NDJSON_FIELDS.message]: typeof record.body === 'string' ? record.body : '',
    [NDJSON_FIELDS.logger]: record.instrumentationScope.name,
  };
  if (record.body !== undefined && record.body !== null && typeof record.body !== 'string')
    object.body = jsonValue(record.body);
  if (record.eventName !== undefined) object[NDJSON_FIELDS.event] = record.eventName;
  const { attributes } = record;
  for (const mapping of FIELD_MAPPINGS) {
    const value = attributes[mapping.attribute];
    if (value !== undefined && value !== null) object[mapping.ndjson] = mappedValue(mapping, value);
  }
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (!MAPPED_ATTRIBUTES.has(key) && value !== undefined && value !== null) setOwn(object, key, jsonValue(value));
  }
  if (record.spanContext !== undefined) {
    object[NDJSON_FIELDS.traceId] = record.spanContext.traceId;
    object[NDJSON_FIELDS.spanId] = record.spanContext.spanId;
    object[NDJSON_FIELDS.traceFlags] = record.spanContext.traceFlags;
  }
  return object;
}

// JSON.stringify leaves DEL, the C1 controls and U+2028/U+2029 raw. They are valid JSON, but
// U+0085, U+2028 and U+2029 end a line for Python's str.splitlines() and other Unicode-aware
// readers, and C1 CSI (U+009B) drives some terminals. Outside strings JSON is plain ASCII, so
// escaping them keeps the value and the one-record-per-line promise.
const UNSAFE_IN_LINE = /[\u007f-\u009f\u2028\u2029]/g;

/** One NDJSON line (without the newline) for `object`. */
export function ndjsonLine(object: unknown): string {
  return JSON.stringify(object).replace(
    UNSAFE_IN_LINE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
