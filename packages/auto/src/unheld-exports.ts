/**
 * The SDK's timers in apitrail's exports, unref'd: like the exporters' sockets (unref-agent.ts),
 * they must not keep alive a process whose app is done. Ref'd, the OTLP exporter's wait between
 * retries kept a process whose collector refuses connections alive for up to
 * OTEL_EXPORTER_OTLP_TIMEOUT (10 s) after its work, and the span batch's wait on an export a stalled
 * collector never answers for OTEL_BSP_EXPORT_TIMEOUT (30 s), far past
 * APITRAIL_SHUTDOWN_TIMEOUT_MS, which bounds the flush at the end with a timer of its own. While the
 * app runs, its loop is alive and every one of these timers still fires.
 */

type SetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => NodeJS.Timeout;

/** Calls `call` with every timer it starts synchronously unref'd (the SDK calls the global setTimeout). */
function withUnrefTimers<T>(call: () => T): T {
  const set = globalThis.setTimeout as unknown as SetTimeout;
  const unref: SetTimeout = (callback, ms, ...args) => set(callback, ms, ...args).unref();
  globalThis.setTimeout = Object.assign(unref, set) as unknown as typeof setTimeout;
  try {
    return call();
  } finally {
    globalThis.setTimeout = set as unknown as typeof setTimeout;
  }
}

/**
 * `method` of `target`, an SDK object's (a private one, found by name), made to start its timers
 * unref'd. An object without it (another SDK version) is left as it is: its timers stay ref'd,
 * and the process's end waits on them as it did.
 */
function unrefTimersOf(target: unknown, method: string): void {
  if (typeof target !== 'object' || target === null) return;
  const original: unknown = Reflect.get(target, method);
  if (typeof original !== 'function') return;
  Reflect.set(target, method, function (this: unknown, ...args: unknown[]): unknown {
    return withUnrefTimers(() => Reflect.apply(original, this, args) as unknown);
  });
}

/** An SDK OTLP exporter whose waits between retries (its transport's `retry`) do not hold the process. */
export function unrefRetries<T extends object>(exporter: T): T {
  const delegate: unknown = Reflect.get(exporter, '_delegate');
  unrefTimersOf(
    typeof delegate === 'object' && delegate !== null ? Reflect.get(delegate, '_transport') : undefined,
    'retry',
  );
  return exporter;
}

/** An SDK batch span processor whose wait on an export (`_flushOneBatch`'s timeout) does not hold the process. */
export function unrefExportTimeouts<T extends object>(processor: T): T {
  unrefTimersOf(processor, '_flushOneBatch');
  return processor;
}
