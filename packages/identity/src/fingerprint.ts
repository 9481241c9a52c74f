import { HmacSha256 } from '@apitrail/core/internal';

/** Hex characters of the HMAC kept as `api_key.fingerprint` (96 bits: no collisions in practice). */
const FINGERPRINT_HEX_LENGTH = 24;

/**
 * The keyed digest of a presented key: the only form in which apitrail remembers a key (as a cache
 * key, and truncated as the `api_key.fingerprint` pseudonym). Keyed, so that a leaked fingerprint
 * cannot be checked against a list of candidate keys without the fingerprint key.
 */
export function keyedDigest(fingerprintMac: HmacSha256, secret: string): string {
  return fingerprintMac.hex(secret);
}

export function fingerprintOf(digest: string): string {
  return digest.slice(0, FINGERPRINT_HEX_LENGTH);
}
