import { ATTR_INTEGRITY_MAC, HmacSha256 } from '@apitrail/core';

/** Builds the canonical text by hand: the general path, for objects with digit-leading keys. */
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
 * A copy with every object's keys inserted in sorted order, so JSON.stringify (native, faster)
 * writes them sorted. Null-prototype objects keep a `__proto__` key as data. V8 enumerates
 * integer-like keys first whatever the insertion order, so such objects set `needsHand`.
 */
function sortedCopy(value: unknown, state: { needsHand: boolean }): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => sortedCopy(item, state));
  const object = value as Record<string, unknown>;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(object).sort()) {
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) state.needsHand = true;
    copy[key] = sortedCopy(object[key], state);
  }
  return copy;
}

/**
 * JSON Canonicalization Scheme (RFC 8785) for the values an NDJSON record can hold: object keys
 * sorted by UTF-16 code units, no whitespace, ECMAScript number and string serialisation.
 * Members whose value is undefined are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  const state = { needsHand: false };
  const copy = sortedCopy(value, state);
  return state.needsHand ? canonicalByHand(value) : (JSON.stringify(copy) ?? 'null');
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
    return this.hmac.hex(MAC_DOMAIN, canonicalJson({ ...record, [ATTR_INTEGRITY_MAC]: undefined }));
  }
}
