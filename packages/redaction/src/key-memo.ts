import { KEY_CACHE_LIMIT } from './key-matcher.js';

/** What is remembered about one key (of an attribute, or of a map in a log body). */
export interface KeyMemo {
  /** Whether the whole value under the key is secret. */
  readonly secret: boolean;
  /** The key with the secret it holds masked (a token used as a map key), or undefined for a clean key. */
  readonly maskedKey: string | undefined;
  /** The last string value found clean under the key (a copy), if it was short enough to keep. */
  lastClean: string | undefined;
}

/** Longer values are not kept: one key's memo holds at most this much text. */
const MAX_REMEMBERED_LENGTH = 512;

/**
 * The key verdicts (its value secret; the key itself holding a secret) and the last clean value, per key. Most attributes (and fields of structured log
 * bodies) carry the same value on every record (a method, a route, a user agent), and each string
 * is redacted several times over a span's life (at its start, at its end, in the exporter
 * backstop): comparing with the remembered value costs far less than a scan. Strings are compared,
 * not hashed, so a miss costs next to nothing.
 */
export function createKeyMemo(
  isSecretKey: (key: string) => boolean,
  redactText: (text: string) => string,
): (key: string) => KeyMemo {
  const memos = new Map<string, KeyMemo>();
  return (key) => {
    let memo = memos.get(key);
    if (memo === undefined) {
      if (memos.size >= KEY_CACHE_LIMIT) memos.clear();
      const masked = redactText(key);
      memo = { secret: isSecretKey(key), maskedKey: masked === key ? undefined : masked, lastClean: undefined };
      memos.set(key, memo);
    }
    return memo;
  };
}

/**
 * Remembers `text` as the key's last clean value. A copy: the string itself may be a short slice
 * that keeps a much larger string (a request body) alive; concatenating and slicing again makes V8
 * copy the characters.
 */
export function rememberClean(memo: KeyMemo, text: string): void {
  memo.lastClean = text.length <= MAX_REMEMBERED_LENGTH ? ` ${text}`.slice(1) : undefined;
}
