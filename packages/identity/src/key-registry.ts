import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApitrailConfigError } from '@apitrail/core';

/** What a registered key resolves to. Only names for the key: the secret is never stored. */
export interface ResolvedApiKey {
  readonly id: string;
  readonly name?: string;
  readonly tenantId?: string;
  readonly userId?: string;
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
}

interface DigestEntry {
  readonly key: ResolvedApiKey;
  readonly sha256: Buffer;
}

interface PrefixEntry {
  readonly key: ResolvedApiKey;
  readonly prefix: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

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
  const key: ResolvedApiKey = {
    id,
    ...(name === undefined ? {} : { name }),
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(userId === undefined ? {} : { userId }),
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
    return { key, sha256: Buffer.from(digest, 'hex') };
  }
  return { key, prefix: prefix! };
}

/**
 * The key registry for zero-code use: a JSON array of `{ id, name, tenant_id, sha256 }` (hex
 * SHA-256 of the whole key) or `{ id, name, tenant_id, prefix }` (a public prefix such as
 * Prowler's `pk_XXXXXXXX`). Digest entries are compared with `timingSafeEqual` against every
 * entry, without an early exit, so timing tells nothing about which entry (or how much of one)
 * matched. Prefix entries are public and matched by the longest prefix.
 */
export function createKeyRegistry(setting: string, entries: unknown): KeyRegistry {
  if (!Array.isArray(entries)) throw new ApitrailConfigError(setting, 'expected a JSON array of key entries');
  const parsed = entries.map((entry, index) => parseEntry(setting, index, entry));
  const digests = parsed.filter((entry): entry is DigestEntry => 'sha256' in entry);
  const prefixes = parsed
    .filter((entry): entry is PrefixEntry => 'prefix' in entry)
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    size: parsed.length,
    lookup(presentedKey) {
      const presented = sha256(presentedKey);
      let found: ResolvedApiKey | undefined;
      for (const entry of digests) {
        if (timingSafeEqual(entry.sha256, presented) && found === undefined) found = entry.key;
      }
      if (found !== undefined) return { key: found };
      const byPrefix = prefixes.find((entry) => presentedKey.startsWith(entry.prefix));
      return byPrefix === undefined ? undefined : { key: byPrefix.key, prefix: byPrefix.prefix };
    },
  };
}

export function loadKeyRegistry(setting: string, path: string): KeyRegistry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApitrailConfigError(setting, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new ApitrailConfigError(setting, `${path} is not valid JSON`);
  }
  return createKeyRegistry(setting, entries);
}
