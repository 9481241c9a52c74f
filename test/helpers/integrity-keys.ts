// Integrity root keys for tests, made at test time (never committed): the private key file the
// register reads through APITRAIL_INTEGRITY_KEY_FILE and the public key `apitrail verify` takes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Signer } from '@apitrail/integrity/internal';

export interface RootKeyFiles {
  readonly privateFile: string;
  readonly publicFile: string;
  /** The environment that turns integrity on for an app under the register. */
  readonly env: { readonly APITRAIL_INTEGRITY_KEY_FILE: string };
}

export function rootKeyFiles(name = 'apitrail-root'): RootKeyFiles {
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-root-key-'));
  const signer = Signer.generate(name);
  const privateFile = join(dir, 'apitrail-root.key');
  const publicFile = join(dir, 'apitrail-root.pub');
  writeFileSync(privateFile, `${signer.skey}\n`, { mode: 0o600 });
  writeFileSync(publicFile, `${signer.verifier.vkey}\n`);
  signer.erase();
  return { privateFile, publicFile, env: { APITRAIL_INTEGRITY_KEY_FILE: privateFile } };
}
