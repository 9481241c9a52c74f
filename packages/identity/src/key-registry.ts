import { hash } from 'node:crypto';
import { ApitrailConfigError, type ApiKeyStatus } from '@apitrail/core';
import { readFailureText, readFileBounded } from '@apitrail/core/internal';

/** What a registered key resolves to. Only names for the key: the secret is never stored. */
export interface ResolvedApiKey {
  readonly id: string;
  readonly name?: string;
  readonly tenantId?: string;
  readonly userId?: string;
  /** From then on a use of the key is `authn_token_reuse` (CRITICAL), not a normal request. */
  readonly revokedAt?: Date;
  /** From then on a use of the key is `authn_token_reuse` with `api_key.status=expired`. */
  readonly expiresAt?: Date;
  /** The lifecycle fields of a registry entry, which a reloaded file is compared on. */
  readonly lifecycle?: KeyLifecycleFields;
}

/** Who created, rotated or revoked a registry entry, and why (registry file fields). */
export interface KeyLifecycleFields {
  readonly createdBy?: string;
  readonly revokedBy?: string;
  readonly revocationReason?: string;
  /** The id of the key that replaced this one: a revocation by rotation. */
  readonly rotatedTo?: string;
}

/** `revoked` or `expired` when the key's life had ended at `nowMs`, else `undefined` (active). */
export function keyStatusAt(key: ResolvedApiKey, nowMs: number): ApiKeyStatus | undefined {
  if (key.revokedAt !== undefined && key.revokedAt.getTime() <= nowMs) return 'revoked';
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= nowMs) return 'expired';
  return undefined;
}

/** A registry entry that matched, and whether it matched by its public prefix only. */
export interface RegistryMatch {
  readonly key: ResolvedApiKey;
  readonly prefix?: string;
}

export interface KeyRegistry {
  /** Constant-time lookup of a presented key; the key is not retained. */
  lookup(presentedKey: string): RegistryMatch | undefined;
  readonly size: number;
  /** Every entry's key, in file order (for comparing a reloaded file with the one it replaces). */
  readonly keys: readonly ResolvedApiKey[];
}

interface DigestEntry {
  readonly key: ResolvedApiKey;
  /** Lowercase hex. */
  readonly sha256: string;
}

interface PrefixEntry {
  readonly key: ResolvedApiKey;
  readonly prefix: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

function optionalString(
  setting: string,
  index: number,
  entry: Record<string, unknown>,
  field: string,
): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ApitrailConfigError(setting, `entry ${index}: "${field}" must be a non-empty string`);
  }
  return value;
}

function optionalTime(setting: string, index: number, entry: Record<string, unknown>, field: string): Date | undefined {
  const value = optionalString(setting, index, entry, field);
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime())) {
    throw new ApitrailConfigError(setting, `entry ${index}: "${field}" must be an ISO 8601 date or time`);
  }
  return time;
}

function definedFields<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  const result: Partial<T> = {};
  for (const name of Object.keys(fields) as (keyof T)[]) if (fields[name] !== undefined) result[name] = fields[name];
  return result;
}

function parseEntry(setting: string, index: number, raw: unknown): DigestEntry | PrefixEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApitrailConfigError(setting, `entry ${index} is not an object`);
  }
  const entry = raw as Record<string, unknown>;
  const id = optionalString(setting, index, entry, 'id');
  if (id === undefined) throw new ApitrailConfigError(setting, `entry ${index} has no "id"`);
  const name = optionalString(setting, index, entry, 'name');
  const tenantId = optionalString(setting, index, entry, 'tenant_id');
  const userId = optionalString(setting, index, entry, 'user_id');
  const revokedAt = optionalTime(setting, index, entry, 'revoked_at');
  const expiresAt = optionalTime(setting, index, entry, 'expires_at');
  const lifecycle = definedFields({
    createdBy: optionalString(setting, index, entry, 'created_by'),
    revokedBy: optionalString(setting, index, entry, 'revoked_by'),
    revocationReason: optionalString(setting, index, entry, 'revocation_reason'),
    rotatedTo: optionalString(setting, index, entry, 'rotated_to'),
  });
  const key: ResolvedApiKey = {
    id,
    ...(name === undefined ? {} : { name }),
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(userId === undefined ? {} : { userId }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(Object.keys(lifecycle).length === 0 ? {} : { lifecycle }),
  };
  const digest = optionalString(setting, index, entry, 'sha256');
  const prefix = optionalString(setting, index, entry, 'prefix');
  if ((digest === undefined) === (prefix === undefined)) {
    throw new ApitrailConfigError(setting, `entry ${index} ("${id}") needs exactly one of "sha256" or "prefix"`);
  }
  if (digest !== undefined) {
    // Never echo the value: a full key pasted here by mistake must not reach the error output.
    if (!SHA256_HEX.test(digest)) {
      throw new ApitrailConfigError(setting, `entry ${index} ("${id}"): "sha256" must be 64 hex digits`);
    }
    return { key, sha256: digest.toLowerCase() };
  }
  return { key, prefix: prefix! };
}

/**
 * The key registry for zero-code use: a JSON array of `{ id, name, tenant_id, sha256 }` (hex
 * SHA-256 of the whole key) or `{ id, name, tenant_id, prefix }` (a public prefix such as
 * Prowler's `pk_XXXXXXXX`). A presented key is found by its SHA-256 digest in a Map: one lookup
 * whatever the registry's size, where a constant-time comparison with every entry would cost about
 * 90 ns per entry on every request. The lookup's timing can only depend on the digest of the caller's own input, which says
 * nothing about a registered key: finding a key from its digest is a preimage search. The key
 * itself is never compared. Prefix entries are public and matched by the longest prefix. Where
 * two entries share a digest, the first in the file wins.
 */
export function createKeyRegistry(setting: string, entries: unknown): KeyRegistry {
  if (!Array.isArray(entries)) throw new ApitrailConfigError(setting, 'expected a JSON array of key entries');
  const parsed = entries.map((entry, index) => parseEntry(setting, index, entry));
  const byDigest = new Map<string, ResolvedApiKey>();
  for (const entry of parsed) {
    if ('sha256' in entry && !byDigest.has(entry.sha256)) byDigest.set(entry.sha256, entry.key);
  }
  const prefixes = parsed
    .filter((entry): entry is PrefixEntry => 'prefix' in entry)
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    size: parsed.length,
    keys: parsed.map((entry) => entry.key),
    lookup(presentedKey) {
      // One-shot crypto.hash: a fifth of createHash().update().digest() for a key-sized input.
      const found = byDigest.get(hash('sha256', presentedKey, 'hex'));
      if (found !== undefined) return { key: found };
      const byPrefix = prefixes.find((entry) => presentedKey.startsWith(entry.prefix));
      return byPrefix === undefined ? undefined : { key: byPrefix.key, prefix: byPrefix.prefix };
    },
  };
}

export function loadKeyRegistry(setting: string, path: string): KeyRegistry {
  let text: string;
  try {
    text = readFileBounded(path).toString('utf8');
  } catch (error) {
    throw new ApitrailConfigError(setting, `cannot read ${path}: ${readFailureText(error)}`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new ApitrailConfigError(setting, `${path} is not valid JSON`);
  }
  return createKeyRegistry(setting, entries);
}
