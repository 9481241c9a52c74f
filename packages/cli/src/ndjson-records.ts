// apitrail's NDJSON records read back: Prowler's field names mapped to their OTel attributes.
import { FIELD_MAPPINGS, NDJSON_FIELDS, NDJSON_RECORD_FIELDS } from '@apitrail/core/internal';
import type { SourceRecord } from './records.js';

const ATTRIBUTE_BY_FIELD: ReadonlyMap<string, string> = new Map(FIELD_MAPPINGS.map((m) => [m.ndjson, m.attribute]));
const RECORD_FIELDS: ReadonlySet<string> = new Set(NDJSON_RECORD_FIELDS);

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

/**
 * An NDJSON record read back. A class, so its getter is defined once, on the prototype: an object
 * literal would define one (and a closure) on every record, about 0.4 µs a record for `verify`.
 */
class NdjsonSourceRecord implements SourceRecord {
  private attributesOfFields: Record<string, unknown> | undefined;

  constructor(
    readonly location: string,
    readonly unit: string,
    readonly timeMs: number,
    readonly eventName: string | undefined,
    readonly fields: Record<string, unknown>,
  ) {}

  // Built when read: `verify` reads only the fields, and this map costs it as much as a hash.
  get attributes(): Record<string, unknown> {
    return (this.attributesOfFields ??= attributesOfNdjson(this.fields));
  }
}

/**
 * The record an NDJSON object at `file:lineNumber` holds, or undefined when it has no valid
 * timestamp (then it is no NDJSON record of apitrail's).
 */
export function ndjsonSourceRecord(
  file: string,
  lineNumber: number,
  parsed: Record<string, unknown>,
): SourceRecord | undefined {
  const timeMs = parseTimestamp(parsed[NDJSON_FIELDS.timestamp]);
  if (Number.isNaN(timeMs)) return undefined;
  const event = parsed[NDJSON_FIELDS.event];
  return new NdjsonSourceRecord(
    `${file}:${lineNumber}`,
    file,
    timeMs,
    typeof event === 'string' ? event : undefined,
    parsed,
  );
}
