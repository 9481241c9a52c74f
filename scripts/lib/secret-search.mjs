// Generated API keys, the registry file that describes them by digest, and the search for them in
// output. Shared by `npm run demo` and the tests, which both generate their secrets at run time.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes `[{ id, name, tenant_id, sha256 }]` (the format of APITRAIL_API_KEYS_FILE) for `keys`
 * (`{ id, name, tenantId, secret, lifecycle? }`, `lifecycle` holding registry lifecycle fields
 * such as `revoked_at`) to a new temporary file (or `file`, rewritten), readable by its owner
 * only, and returns its path. Only digests are written.
 */
export function writeKeysFile(keys, file = join(mkdtempSync(join(tmpdir(), 'apitrail-keys-')), 'keys.json')) {
  const entries = keys.map((key) => ({
    id: key.id,
    name: key.name,
    tenant_id: key.tenantId,
    sha256: createHash('sha256').update(key.secret).digest('hex'),
    ...key.lifecycle,
  }));
  writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  return file;
}

/**
 * The forms in which a secret could leak: raw, URL-encoded, and base64/base64url at each of the
 * three byte alignments it could have inside a longer encoded value (such as a Basic credential);
 * for those, the middle of the encoding, which does not depend on the neighbouring bytes.
 */
export function leakForms(secret) {
  const forms = [secret, encodeURIComponent(secret)];
  for (let offset = 0; offset < 3; offset++) {
    const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]);
    for (const encoding of ['base64', 'base64url']) {
      const encoded = bytes.toString(encoding);
      forms.push(encoded.slice(4, encoded.length - 4));
    }
  }
  return forms;
}

/** The secrets (`{ what, value }`) some form of which occurs in `text`. */
export function leakedSecrets(text, secrets) {
  return secrets.filter((secret) => leakForms(secret.value).some((form) => text.includes(form)));
}
