import { recordFault } from '@apitrail/core/internal';
import type { ResolvedApiKey } from './key-registry.js';
import { LruCache } from './lru-cache.js';

/**
 * The app's own key lookup, sync or async. It receives the presented key and must not keep it;
 * `undefined` means "not a key I know". Its answers are cached under a keyed hash of the key.
 */
export type ApiKeyResolver = (key: string) => ResolvedApiKey | undefined | Promise<ResolvedApiKey | undefined>;

/**
 * A resolver answer: the key, `null` for "unknown key" (cached too, so a flood of bad keys does not
 * flood the resolver), or the promise of either while an async resolver has not answered.
 */
export type CachedResolution = ResolvedApiKey | null | Promise<ResolvedApiKey | null>;

/** The app's resolver behind a bounded, expiring cache keyed by the key's keyed digest. */
export class CachedApiKeyResolver {
  private readonly cache: LruCache<CachedResolution>;

  constructor(
    private readonly resolveApiKey: ApiKeyResolver,
    maxEntries = 10_000,
    ttlMs = 60_000,
  ) {
    this.cache = new LruCache(maxEntries, ttlMs);
  }

  /**
   * The answer for `secret` (whose digest is `digest`): from the cache, else from the resolver,
   * whose answer, or pending promise, is cached at once. `undefined` when the resolver threw (a
   * fault is recorded, nothing cached, so the next request asks again); a rejected promise settles
   * as `null` and leaves the cache.
   */
  resolve(digest: string, secret: string): CachedResolution | undefined {
    const cached = this.cache.get(digest);
    if (cached !== undefined) return cached;
    let answer: ReturnType<ApiKeyResolver>;
    try {
      answer = this.resolveApiKey(secret);
    } catch (error) {
      // Only the error's type is reported: an app's message may quote the key it was given.
      recordFault('api key resolver', new Error(`resolver threw ${(error as Error)?.name ?? typeof error}`));
      return undefined;
    }
    const resolution = answer instanceof Promise ? this.settle(digest, answer) : (answer ?? null);
    this.cache.set(digest, resolution);
    return resolution;
  }

  private settle(digest: string, answer: Promise<ResolvedApiKey | undefined>): Promise<ResolvedApiKey | null> {
    return answer.then(
      (value) => {
        const settled = value ?? null;
        this.cache.set(digest, settled);
        return settled;
      },
      (error: unknown) => {
        this.cache.delete(digest);
        recordFault('api key resolver', new Error(`resolver rejected ${(error as Error)?.name ?? typeof error}`));
        return null;
      },
    );
  }
}
