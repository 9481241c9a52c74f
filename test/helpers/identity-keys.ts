// Test-time API keys (never committed) and the registry files that describe them by SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Writes `[{ id, name, tenant_id, sha256 }]` to a temporary file and returns its path. */
export function writeKeysFile(keys: readonly TestKey[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'apitrail-keys-')), 'keys.json');
  const entries = keys.map((key) => ({
    id: key.id,
    name: key.name,
    tenant_id: key.tenantId,
    sha256: createHash('sha256').update(key.secret).digest('hex'),
  }));
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

/**
 * The forms in which a secret could leak: raw, URL-encoded, and base64/base64url at each of the
 * three byte alignments it could have inside a longer encoded value (such as a Basic credential);
 * for those, the middle of the encoding, which does not depend on the neighbouring bytes.
 */
export function leakForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  for (let offset = 0; offset < 3; offset++) {
    const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = bytes.toString(encoding);
      forms.push(encoded.slice(4, encoded.length - 4));
    }
  }
  return forms;
}
