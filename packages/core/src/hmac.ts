import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * HMAC-SHA256 under one key, imported once as a KeyObject. `createHmac` with a raw Buffer imports
 * the key again on every call, which costs several times the MAC of a log record; apitrail MACs
 * per request (fingerprints), per record (integrity) and per secret (hash-mode redaction).
 */
export class HmacSha256 {
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    this.key = createSecretKey(key);
  }

  /** Lowercase hex MAC of the concatenated UTF-8 parts. */
  hex(...parts: readonly string[]): string {
    const hmac = createHmac('sha256', this.key);
    for (const part of parts) hmac.update(part, 'utf8');
    return hmac.digest('hex');
  }
}
