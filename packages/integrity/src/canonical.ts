import { FIELD_MAPPINGS, NDJSON_FIELDS, sameKeys } from '@apitrail/core/internal';

/** Builds the canonical text by hand: the general path, for objects whose keys cannot keep a sorted order. */
function canonicalByHand(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index === 0 ? '' : ',') + canonicalByHand(value[index]);
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  let text = '{';
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalByHand(member)}`;
  }
  return `${text}}`;
}

/**
 * Whether an ordinary object written key by key keeps `key` in insertion order as data: V8
 * enumerates integer-like keys first whatever the order, and `__proto__` would set the prototype.
 */
function placeable(key: string): boolean {
  const first = key.charCodeAt(0);
  return key !== '__proto__' && !(first >= 48 && first <= 57);
}

/**
 * A copy with every object's keys inserted in sorted order, so JSON.stringify (native, faster)
 * writes them sorted. Objects with a key that cannot be placed set `needsHand`.
 */
function sortedCopy(value: unknown, state: { needsHand: boolean }): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => sortedCopy(item, state));
  const object = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) {
    if (!placeable(key)) state.needsHand = true;
    else copy[key] = sortedCopy(object[key], state);
  }
  return copy;
}

/**
 * The top-level keys of records seen before (audit records, application logs and checkpoints each
 * share one), with an object holding the keys to write in sorted order. Cloning that template and
 * filling it keeps V8's fast object layout, where a sorted copy built key by key turns into a
 * slow dictionary beyond a dozen keys: this is what makes canonicalisation cost about one
 * JSON.stringify.
 */
interface Layout {
  readonly keys: readonly string[];
  readonly entry: boolean;
  readonly sortedKeys: readonly string[];
  /** For each sorted key, its index in `keys` (and so in `Object.values` of such a record). */
  readonly sortedIndexes: readonly number[];
  /** For each sorted key, whether its value is seconds to write as integer nanoseconds. */
  readonly nanoseconds: readonly boolean[];
  /** Undefined when a key cannot keep its place (integer-like, or `__proto__`, which is the prototype). */
  readonly template: Readonly<Record<string, unknown>> | undefined;
}

/** NDJSON fields outside the signed entry: what SIEM shapes do not all keep (see the README). */
const UNSIGNED_FIELDS: ReadonlySet<string> = new Set([NDJSON_FIELDS.logger, NDJSON_FIELDS.traceFlags]);
/** Fields in seconds, signed as integer nanoseconds: ECS keeps `event.duration` so, and the value must survive. */
const NANOSECOND_FIELDS: ReadonlySet<string> = new Set(
  FIELD_MAPPINGS.filter((mapping) => mapping.unit === 'seconds').map((mapping) => mapping.ndjson),
);

/** Bounded: a file of records each shaped differently must not grow memory. */
const MAX_LAYOUTS = 16;
const layouts: Layout[] = [];

function layoutOf(keys: readonly string[], entry: boolean): Layout {
  for (const layout of layouts) if (layout.entry === entry && sameKeys(layout.keys, keys)) return layout;
  const sortedKeys = keys.filter((key) => !(entry && UNSIGNED_FIELDS.has(key))).sort();
  const sortedIndexes = sortedKeys.map((key) => keys.indexOf(key));
  const nanoseconds = sortedKeys.map((key) => entry && NANOSECOND_FIELDS.has(key));
  const template = sortedKeys.every(placeable)
    ? Object.fromEntries(sortedKeys.map((key) => [key, undefined]))
    : undefined;
  const layout = { keys, entry, sortedKeys, sortedIndexes, nanoseconds, template };
  layouts.unshift(layout);
  if (layouts.length > MAX_LAYOUTS) layouts.pop();
  return layout;
}

/** Seconds as integer nanoseconds, truncated as the collector's OTTL `Int(seconds * 1000000000)` does. */
function nanosecondsOf(value: unknown): unknown {
  return typeof value === 'number' ? Math.trunc(value * 1e9) : value;
}

/** The canonical text of `value`; as a signed entry, without the unsigned fields and with nanoseconds. */
function canonicalText(value: unknown, entry: boolean): string {
  if (value === null || typeof value !== 'object') return canonicalByHand(value);
  if (!Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const { sortedKeys, sortedIndexes, nanoseconds, template } = layoutOf(Object.keys(object), entry);
    const state = { needsHand: false };
    // Reading the values at once (native) is cheaper than looking each key up.
    const values = Object.values(object);
    const member = (index: number): unknown => {
      const raw = values[sortedIndexes[index]!];
      return nanoseconds[index] === true ? nanosecondsOf(raw) : raw;
    };
    if (template !== undefined) {
      const copy: Record<string, unknown> = { ...template };
      for (let index = 0; index < sortedKeys.length; index++)
        copy[sortedKeys[index]!] = sortedCopy(member(index), state);
      if (!state.needsHand) return JSON.stringify(copy);
    }
    let text = '{';
    for (let index = 0; index < sortedKeys.length; index++) {
      const item = member(index);
      if (item === undefined) continue;
      text += `${text.length === 1 ? '' : ','}${JSON.stringify(sortedKeys[index])}:${canonicalByHand(item)}`;
    }
    return `${text}}`;
  }
  const state = { needsHand: false };
  const copy = sortedCopy(value, state);
  return state.needsHand ? canonicalByHand(value) : JSON.stringify(copy);
}

/**
 * JSON Canonicalization Scheme (RFC 8785) for the values an NDJSON record can hold: object keys
 * sorted by UTF-16 code units, no whitespace, ECMAScript number and string serialisation.
 * Members whose value is undefined are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return canonicalText(value, false);
}

/**
 * The bytes a record's Merkle leaf hashes: JCS of its NDJSON object (`toNdjsonObject`, or a line
 * of apitrail's NDJSON file) without `logger` and `trace_flags`, with fields in seconds as
 * integer nanoseconds. The README specifies it field by field.
 */
export function canonicalEntry(fields: Readonly<Record<string, unknown>>): string {
  return canonicalText(fields, true);
}
