import { ATTR_INTEGRITY_MAC, HmacSha256, sameKeys } from '@apitrail/core';

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
  readonly omittedKey: string | undefined;
  readonly sortedKeys: readonly string[];
  /** For each sorted key, its index in `keys` (and so in `Object.values` of such a record). */
  readonly sortedIndexes: readonly number[];
  /** Undefined when a key cannot keep its place (integer-like, or `__proto__`, which is the prototype). */
  readonly template: Readonly<Record<string, unknown>> | undefined;
}

/** Bounded: a file of records each shaped differently must not grow memory. */
const MAX_LAYOUTS = 16;
const layouts: Layout[] = [];

function layoutOf(keys: readonly string[], omittedKey: string | undefined): Layout {
  for (const layout of layouts) if (layout.omittedKey === omittedKey && sameKeys(layout.keys, keys)) return layout;
  const sortedKeys = keys.filter((key) => key !== omittedKey).sort();
  const sortedIndexes = sortedKeys.map((key) => keys.indexOf(key));
  const template = sortedKeys.every(placeable)
    ? Object.fromEntries(sortedKeys.map((key) => [key, undefined]))
    : undefined;
  const layout = { keys, omittedKey, sortedKeys, sortedIndexes, template };
  layouts.unshift(layout);
  if (layouts.length > MAX_LAYOUTS) layouts.pop();
  return layout;
}

/** The canonical text of `value`, leaving out the top-level member `omittedKey`. */
function canonicalText(value: unknown, omittedKey: string | undefined): string {
  if (value === null || typeof value !== 'object') return canonicalByHand(value);
  if (!Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const { sortedKeys, sortedIndexes, template } = layoutOf(Object.keys(object), omittedKey);
    if (template !== undefined) {
      const state = { needsHand: false };
      const copy: Record<string, unknown> = { ...template };
      // Reading the values at once (native) is cheaper than looking each key up.
      const values = Object.values(object);
      for (let index = 0; index < sortedKeys.length; index++)
        copy[sortedKeys[index]!] = sortedCopy(values[sortedIndexes[index]!], state);
      if (!state.needsHand) return JSON.stringify(copy);
    }
    return canonicalByHand(omittedKey === undefined ? object : { ...object, [omittedKey]: undefined });
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
  return canonicalText(value, undefined);
}

/** Domain separation: a MAC over an apitrail record can never be mistaken for any other HMAC use of the key. */
const MAC_DOMAIN = 'apitrail-integrity-v1\n';

/**
 * The MACs of one key. `of(record)` is HMAC-SHA256(key, "apitrail-integrity-v1\n" ‖ JCS(record
 * without the mac field)), lowercase hex, where `record` is the record's NDJSON object (see the
 * README for the mapping); `keyId` is the key's public id.
 */
export class RecordMac {
  readonly keyId: string;
  private readonly hmac: HmacSha256;

  constructor(key: Buffer) {
    this.hmac = new HmacSha256(key);
    this.keyId = this.hmac.hex('apitrail-integrity-key-id').slice(0, 16);
  }

  of(record: Readonly<Record<string, unknown>>): string {
    return this.hmac.hex(MAC_DOMAIN, canonicalText(record, ATTR_INTEGRITY_MAC));
  }
}
