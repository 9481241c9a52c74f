import type { Quarantine } from '@apitrail/respond';
import type { ApitrailHandle } from './start.js';

declare global {
  /** The instance the register started, one per process whatever the number of copies loaded. */
  var __apitrail: ApitrailHandle | undefined;
}

/**
 * Exports every record queued so far by the instance the register started (a no-op without one).
 * For an app that ends itself with `process.exit()`: nothing asynchronous runs after it, so records
 * still in memory then are written to the spool by the exit drain and exported at the next start;
 * awaiting this first exports them now.
 */
export function flushApitrail(): Promise<void> {
  return globalThis.__apitrail?.flush() ?? Promise.resolve();
}

/**
 * The quarantine list of the instance the register started, when `APITRAIL_RESPONSE=block`:
 * `apitrailQuarantine()?.add(keyId, seconds, reason)`, `.lift(keyId)`, `.list()`.
 */
export function apitrailQuarantine(): Quarantine | undefined {
  return globalThis.__apitrail?.quarantine;
}
