import {
  ApitrailConfigError,
  readFileBounded,
  readNumber,
  readString,
  type Environment,
} from '@apitrail/core/internal';
import { NoteError, SIGNATURE_TYPE, Signer, Verifier } from './note.js';

/** What `@apitrail/integrity` reads from the environment (`readIntegrityConfig`): the root key, checkpoint interval, epoch length. */
export interface IntegrityConfig {
  /** The root signing key; integrity is off when APITRAIL_INTEGRITY_KEY_FILE is not set. */
  readonly rootKey: Signer | undefined;
  readonly checkpointIntervalMs: number;
  readonly epochMs: number;
}

function readText(source: string, path: string): string {
  try {
    return readFileBounded(path).toString('utf8');
  } catch (error) {
    throw new ApitrailConfigError(source, `cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * A private key file written by `apitrail keygen`: a log root key (note signatures), or with
 * `type` cosignature a witness key. Names `source` when the file is not that.
 */
export function readSignerKeyFile(
  source: string,
  path: string,
  type: (typeof SIGNATURE_TYPE)[keyof typeof SIGNATURE_TYPE] = SIGNATURE_TYPE.ed25519,
): Signer {
  const text = readText(source, path);
  try {
    const signer = Signer.parse(text);
    if (signer.verifier.type !== type) {
      throw new NoteError(
        type === SIGNATURE_TYPE.ed25519 ? 'a witness key, not a log root key' : 'a log root key, not a witness key',
      );
    }
    return signer;
  } catch (error) {
    throw new ApitrailConfigError(
      source,
      `${path} is not an apitrail private key (${(error as Error).message}); make one with \`apitrail keygen\``,
    );
  }
}

/**
 * A public (verifier) key file, naming `source` when it is not one; with `type`, when it is the
 * other kind of key (a witness's public key where a log root's is wanted, or the other way round).
 */
export function readVerifierKeyFile(
  source: string,
  path: string,
  type?: (typeof SIGNATURE_TYPE)[keyof typeof SIGNATURE_TYPE],
): Verifier {
  const text = readText(source, path);
  let verifier: Verifier;
  try {
    verifier = Verifier.parse(text);
  } catch (error) {
    throw new ApitrailConfigError(source, `${path} is not an apitrail public key (${(error as Error).message})`);
  }
  if (type !== undefined && verifier.type !== type) {
    const kind = (keyType: number): string =>
      keyType === SIGNATURE_TYPE.cosignature ? 'a witness public key' : 'a log root public key';
    throw new ApitrailConfigError(source, `${path} is ${kind(verifier.type)}, not ${kind(type)}`);
  }
  return verifier;
}

/** `APITRAIL_INTEGRITY_KEY_FILE` (the root key), the checkpoint interval and the epoch length. */
export function readIntegrityConfig(env: Environment): IntegrityConfig {
  // The HMAC chain's shared secret: an app upgraded with it still set expects integrity on, so it is
  // refused at start rather than ignored (integrity would silently be off).
  if (readString(env, 'APITRAIL_INTEGRITY_KEY') !== undefined) {
    throw new ApitrailConfigError(
      'APITRAIL_INTEGRITY_KEY',
      'HMAC chains are no longer supported: make a root key with `npx apitrail keygen --out DIR` and set APITRAIL_INTEGRITY_KEY_FILE=DIR/apitrail-root.key instead (docs/integrity.md)',
    );
  }
  const file = readString(env, 'APITRAIL_INTEGRITY_KEY_FILE');
  return {
    rootKey: file === undefined ? undefined : readSignerKeyFile('APITRAIL_INTEGRITY_KEY_FILE', file),
    checkpointIntervalMs: readNumber(env, 'APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS', 1000, {
      min: 100,
      max: 86_400_000,
      integer: true,
    }),
    epochMs:
      1000 * readNumber(env, 'APITRAIL_INTEGRITY_EPOCH_SECONDS', 3600, { min: 1, max: 31_536_000, integer: true }),
  };
}
