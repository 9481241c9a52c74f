import { HmacSha256 } from '@apitrail/core/internal';

export const REDACTION_MODES = ['redact', 'hash', 'last4', 'drop'] as const;
export type RedactionMode = (typeof REDACTION_MODES)[number];

/** What replaces a secret. Every form starts with this, so a second pass never re-censors it. */
export const REDACTED = '[REDACTED]';
/** Hex characters of the HMAC kept: enough to tell secrets apart, far too few to test guesses offline. */
const HASH_LENGTH = 12;
/** Below this length, keeping four characters would reveal too much of the secret. */
const LAST4_MIN_LENGTH = 12;

export type Censor = (secret: string) => string;

/**
 * The replacement for one secret. `drop` censors like `redact` where a value cannot be removed
 * (inside a string, a span name, a log body); attribute values are removed by the walker.
 */
export function createCensor(mode: RedactionMode, hashKey: string | undefined): Censor {
  switch (mode) {
    case 'hash': {
      if (hashKey === undefined) throw new Error('hash mode needs a key');
      const mac = new HmacSha256(Buffer.from(hashKey, 'utf8'));
      return (secret) => `[REDACTED:${mac.hex(secret).slice(0, HASH_LENGTH)}]`;
    }
    case 'last4':
      return (secret) => (secret.length >= LAST4_MIN_LENGTH ? `${REDACTED}${secret.slice(-4)}` : REDACTED);
    case 'redact':
    case 'drop':
      return () => REDACTED;
  }
}

/** How every replacement starts (`[REDACTED]`, `[REDACTED:<hash>]`, `[REDACTED]<last 4>`). */
export const CENSORED_PREFIX = '[REDACTED';

export function isCensored(value: string): boolean {
  return value.startsWith(CENSORED_PREFIX);
}

const WHOLLY_CENSORED = /^\[REDACTED(?::[0-9a-f]{12})?\](?:\S{4})?$/;

/** A value that is one replacement and nothing else (`last4` keeps four characters after it). */
export function isWhollyCensored(value: string): boolean {
  // Most values are not, and their first character says so before the pattern runs.
  return value.charCodeAt(0) === 91 /* [ */ && WHOLLY_CENSORED.test(value);
}
