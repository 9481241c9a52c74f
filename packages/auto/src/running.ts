import type { ApitrailHandle } from './start.js';

declare global {
  /** The instance the register started, one per process whatever the number of copies loaded. */
  var __apitrail: ApitrailHandle | undefined;
}

/**
 * Exports every record queued so far by the instance the register started (a no-op without one).
 * For an app that ends itself with `process.exit()`, e.g. from its own SIGTERM listener: nothing
 * asynchronous runs after `process.exit()`, so records still queued then are lost unless the app
 * awaits this first.
 */
export function flushApitrail(): Promise<void> {
  return globalThis.__apitrail?.flush() ?? Promise.resolve();
}
