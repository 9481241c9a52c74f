import { createHmac } from 'node:crypto';
import { ATTR_INTEGRITY_MAC } from '@apitrail/core';

/**
 * JSON Canonicalization Scheme (RFC 8785) for the values an NDJSON record can hold: object keys
 * sorted by UTF-16 code units, no whitespace, ECMAScript number and string serialisation.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(object).sort()) {
    if (object[key] !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  }
  return `{${members.join(',')}}`;
}

/** Domain separation: a MAC over an apitrail record can never be mistaken for any other HMAC use of the key. */
const MAC_DOMAIN = 'apitrail-integrity-v1\n';

/**
 * The record's MAC: HMAC-SHA256(key, "apitrail-integrity-v1\n" ‖ JCS(record without the mac field)),
 * lowercase hex. `record` is the NDJSON object of the record (see the README for the mapping).
 */
export function recordMac(key: Buffer, record: Readonly<Record<string, unknown>>): string {
  // canonicalJson leaves out undefined members, so this is the record without its MAC.
  const covered = { ...record, [ATTR_INTEGRITY_MAC]: undefined };
  return createHmac('sha256', key).update(MAC_DOMAIN).update(canonicalJson(covered)).digest('hex');
}

/** A public id of the key (16 hex digits), so a verifier holding another key says so plainly. */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('apitrail-integrity-key-id').digest('hex').slice(0, 16);
}
