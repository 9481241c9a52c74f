// Test-time API keys (never committed) and the registry files that describe them by SHA-256.
import { randomBytes } from 'node:crypto';

export interface TestKey {
  readonly secret: string;
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
}

/** A fresh random key, `sk_` + 32 base64url characters. */
export function newSecret(prefix = 'sk_'): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export function newKey(id: string, name: string, tenantId: string): TestKey {
  return { secret: newSecret(), id, name, tenantId };
}

export { leakForms, writeKeysFile } from '../../scripts/lib/secret-search.mjs';
