import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SIGNATURE_TYPE, Signer } from '@apitrail/integrity/internal';

export interface KeygenResult {
  readonly privateFile: string;
  readonly publicFile: string;
  readonly vkey: string;
}

/**
 * Writes a new Ed25519 key pair as signed-note keys: `<dir>/<base>.key` (private, mode 0600,
 * never overwritten) and `<dir>/<base>.pub`. The log root key signs notes (type 0x01); a
 * witness key cosigns checkpoints (type 0x04).
 */
export function writeKeyPair(dir: string, base: string, name: string, witness: boolean): KeygenResult {
  // The key first: a name signed-note does not allow throws before any directory is made.
  const signer = Signer.generate(name, witness ? SIGNATURE_TYPE.cosignature : SIGNATURE_TYPE.ed25519);
  makeDirectory(dir);
  const privateFile = join(dir, `${base}.key`);
  const publicFile = join(dir, `${base}.pub`);
  // `wx`: an existing key is never replaced (that would orphan every log it signed).
  writeFileSync(privateFile, `${signer.skey}\n`, { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(privateFile, 0o600);
    writeFileSync(publicFile, `${signer.verifier.vkey}\n`, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    // A public key already there (its private key moved away) is not this key's: the new private
    // key would lie beside a public key that does not match it, and block the next keygen.
    rmSync(privateFile);
    throw error;
  } finally {
    signer.erase();
  }
  return { privateFile, publicFile, vkey: signer.verifier.vkey };
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdirSync never returns where mkdir says a
 * directory's parent does not exist while it does (a name under /proc): it tries the parent and
 * the directory again, forever.
 */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir);
    return;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
  }
  makeDirectory(dirname(dir));
  mkdirSync(dir);
}
