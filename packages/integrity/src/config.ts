import { readFileSync } from 'node:fs';
import { ApitrailConfigError, readNumber, readString, type Environment } from '@apitrail/core';

export interface IntegrityConfig {
  /** The HMAC key; integrity is off when neither variable is set. */
  readonly key: Buffer | undefined;
  readonly checkpointIntervalMs: number;
}

/** A shorter key would make the MAC guessable offline; 32 bytes is SHA-256's block-size sweet spot. */
export const MIN_KEY_BYTES = 32;

/**
 * The key as bytes: the UTF-8 of the value (trailing newline of a key file removed). Throws
 * ApitrailConfigError naming `source` when it is shorter than {@link MIN_KEY_BYTES}.
 */
export function integrityKey(source: string, text: string): Buffer {
  const key = Buffer.from(text.replace(/\r?\n$/, ''), 'utf8');
  if (key.length < MIN_KEY_BYTES) {
    throw new ApitrailConfigError(source, `the key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

/** Reads the key from a file, naming `source` (the variable or option) when it cannot. */
export function readKeyFile(source: string, path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ApitrailConfigError(source, `cannot read ${path}: ${(error as Error).message}`);
  }
  return integrityKey(source, text);
}

/** `APITRAIL_INTEGRITY_KEY` or `APITRAIL_INTEGRITY_KEY_FILE` (not both), and the checkpoint interval. */
export function readIntegrityConfig(env: Environment): IntegrityConfig {
  const inline = env.APITRAIL_INTEGRITY_KEY;
  const file = readString(env, 'APITRAIL_INTEGRITY_KEY_FILE');
  if (inline !== undefined && inline !== '' && file !== undefined) {
    throw new ApitrailConfigError(
      'APITRAIL_INTEGRITY_KEY_FILE',
      'set either APITRAIL_INTEGRITY_KEY or _KEY_FILE, not both',
    );
  }
  const key =
    file !== undefined
      ? readKeyFile('APITRAIL_INTEGRITY_KEY_FILE', file)
      : inline !== undefined && inline !== ''
        ? integrityKey('APITRAIL_INTEGRITY_KEY', inline)
        : undefined;
  return {
    key,
    checkpointIntervalMs: readNumber(env, 'APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS', 60_000, {
      min: 100,
      max: 86_400_000,
      integer: true,
    }),
  };
}
