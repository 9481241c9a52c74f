import { FIELD_MAPPINGS, LayoutCache, UNSIGNED_NDJSON_FIELDS, sameKeys } from '@apitrail/core/internal';

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

/** Set by `sortedCopy` when an object has a key that cannot be placed; reset before each copy. */
let needsHand = false;

/**
 * A copy with every object's keys inserted in sorted order, so JSON.stringify (native, faster)
 * writes them sorted. Objects with a key that cannot be placed set `needsHand`.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const object = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) {
    if (!placeable(key)) needsHand = true;
    else copy[key] = sortedCopy(object[key]);
  }
  return copy;
}

/** Seconds as integer nanoseconds, truncated as the collector's OTTL `Int(seconds * 1000000000)` does. */
function nanosecondsOf(value: unknown): unknown {
  return typeof value === 'number' ? Math.trunc(value * 1e9) : value;
}

/** Builds the sorted copy of a record of one layout from its `Object.values`. */
type SortedBuilder = (values: readonly unknown[]) => Record<string, unknown>;

/** The sorted copy by cloning a template object holding the keys in order and filling it key by key. */
function templateBuilder(
  sortedKeys: readonly string[],
  sortedIndexes: readonly number[],
  nanoseconds: readonly boolean[],
): SortedBuilder {
  const template = Object.fromEntries(sortedKeys.map((key) => [key, undefined]));
  return (values) => {
    const copy: Record<string, unknown> = { ...template };
    for (let index = 0; index < sortedKeys.length; index++) {
      const raw = values[sortedIndexes[index]!];
      copy[sortedKeys[index]!] = sortedCopy(nanoseconds[index] === true ? nanosecondsOf(raw) : raw);
    }
    return copy;
  };
}

/**
 * The sorted copy as an object literal with the sorted keys, each filled from its place in
 * `values`, compiled for one layout. V8 creates such an object from one boilerplate, in its fast
 * layout, for a fraction of what the template's keyed stores with ever-changing keys cost, and
 * JSON.stringify writes it faster. The keys enter the source as JSON string literals, so no key can
 * inject code; every key is placeable (`placeable`). Undefined where code generation from strings
 * is disallowed (`node --disallow-code-generation-from-strings`): the template stays in use.
 */
function compiledBuilder(
  sortedKeys: readonly string[],
  sortedIndexes: readonly number[],
  nanoseconds: readonly boolean[],
): SortedBuilder | undefined {
  const members = sortedKeys.map((key, index) => {
    const value = `values[${sortedIndexes[index]!}]`;
    return `${JSON.stringify(key)}: sortedCopy(${nanoseconds[index] === true ? `nanosecondsOf(${value})` : value})`;
  });
  try {
    const compiled = new Function('sortedCopy', 'nanosecondsOf', `return (values) => ({ ${members.join(', ')} });`) as (
      copy: typeof sortedCopy,
      seconds: typeof nanosecondsOf,
    ) => SortedBuilder;
    return compiled(sortedCopy, nanosecondsOf);
  } catch {
    return undefined;
  }
}

/**
 * Records of one layout canonicalised before its builder is compiled: compiling costs tens of
 * microseconds, worth it for a layout that recurs (audit records, checkpoints), not for one seen
 * a few times (application logs whose attributes vary).
 */
const COMPILE_AFTER = 32;

/**
 * The top-level keys of records seen before (audit records, application logs and checkpoints each
 * share one), with how to build their sorted copy: a template cloned and filled at first, an
 * object literal compiled for the layout once it recurs. Either keeps V8's fast object layout,
 * where a sorted copy built key by key turns into a slow dictionary beyond a dozen keys: this is
 * what makes canonicalisation cost about one JSON.stringify.
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
  build: SortedBuilder | undefined;
  uses: number;
}

/** NDJSON fields outside the signed entry: what SIEM shapes do not all keep (see the README). */
const UNSIGNED_FIELDS: ReadonlySet<string> = new Set(UNSIGNED_NDJSON_FIELDS);
/** Fields in seconds, signed as integer nanoseconds: ECS keeps `event.duration` so, and the value must survive. */
export const NANOSECOND_FIELDS: ReadonlySet<string> = new Set(
  FIELD_MAPPINGS.filter((mapping) => mapping.unit === 'seconds').map((mapping) => mapping.ndjson),
);

const layouts = new LayoutCache<Layout>(16);

function layoutOf(keys: readonly string[], entry: boolean): Layout {
  for (const layout of layouts.layouts) if (layout.entry === entry && sameKeys(layout.keys, keys)) return layout;
  const sortedKeys = keys.filter((key) => !(entry && UNSIGNED_FIELDS.has(key))).sort();
  const sortedIndexes = sortedKeys.map((key) => keys.indexOf(key));
  const nanoseconds = sortedKeys.map((key) => entry && NANOSECOND_FIELDS.has(key));
  const build = sortedKeys.every(placeable) ? templateBuilder(sortedKeys, sortedIndexes, nanoseconds) : undefined;
  return layouts.add({ keys, entry, sortedKeys, sortedIndexes, nanoseconds, build, uses: 0 });
}

/** The canonical text of `value`; as a signed entry, without the unsigned fields and with nanoseconds. */
function canonicalText(value: unknown, entry: boolean): string {
  if (value === null || typeof value !== 'object') return canonicalByHand(value);
  needsHand = false;
  if (!Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const layout = layoutOf(Object.keys(object), entry);
    const { sortedKeys, sortedIndexes, nanoseconds } = layout;
    if (layout.build !== undefined && ++layout.uses === COMPILE_AFTER) {
      layout.build = compiledBuilder(sortedKeys, sortedIndexes, nanoseconds) ?? layout.build;
    }
    const { build } = layout;
    // Reading the values at once (native) is cheaper than looking each key up.
    const values = Object.values(object);
    if (build !== undefined) {
      const copy = build(values);
      if (!needsHand) return JSON.stringify(copy);
    }
    let text = '{';
    for (let index = 0; index < sortedKeys.length; index++) {
      const raw = values[sortedIndexes[index]!];
      const item = nanoseconds[index] === true ? nanosecondsOf(raw) : raw;
      if (item === undefined) continue;
      text += `${text.length === 1 ? '' : ','}${JSON.stringify(sortedKeys[index])}:${canonicalByHand(item)}`;
    }
    return `${text}}`;
  }
  const copy = sortedCopy(value);
  return needsHand ? canonicalByHand(value) : JSON.stringify(copy);
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
