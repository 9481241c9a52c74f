import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { neutralizeControlCharacters } from '@apitrail/core/internal';
import { drainSpoolsSync, persistSpoolsSync } from '@apitrail/spool/internal';

/** Signals on which apitrail flushes (bounded) before the process ends. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/**
 * Other signals whose default action ends the process: no time for a network flush, but what is
 * in memory goes to the spool (or the NDJSON file) synchronously before the default action.
 */
const FATAL_SIGNALS = ['SIGHUP', 'SIGQUIT'] as const;

/** What flushOnExit needs of the telemetry pipeline. */
export interface ExitPipeline {
  /** Exports what is queued, leaving the pipeline open for records still to come. */
  flush(): Promise<void>;
  /**
   * Exports what is queued and closes the pipeline's exports: records emitted afterwards (the app's
   * `exit` listener) go to the spool or the file synchronously.
   */
  shutdown(): Promise<void>;
  /** Log records emitted so far (see {@link EmittedRecordCounter}). */
  recordsEmitted(): number;
}

/** Counts the log records that enter the pipeline, so a flush can tell whether more came during it. */
export class EmittedRecordCounter implements LogRecordProcessor {
  count = 0;

  onEmit(): void {
    this.count += 1;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Resolves when `work` is done or the shutdown's time is up, whichever comes first. The timer is
 * not unref'd: it holds the process for the flush, and nothing else apitrail does can hold it
 * longer (the exporters' sockets are unref'd). `deadline` is shared by every flush of one shutdown,
 * so the signal's flush and the `beforeExit` one after it take the bound once between them.
 */
function withTimeout(work: Promise<void>, deadline: () => number, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(
      () => {
        diag.warn(
          `apitrail: flush did not finish within ${timeoutMs} ms; records not exported stay in the spool for the next start`,
        );
        resolve(false);
      },
      Math.max(0, deadline() - Date.now()),
    );
  });
  const finished = work.then(
    () => true,
    (error: unknown) => {
      // One line: the records are in the spool, and the app's stderr is the app's (no stack dump).
      diag.error(
        `apitrail: flush failed (${neutralizeControlCharacters(error instanceof Error ? error.message : String(error))})`,
      );
      return true;
    },
  );
  return Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Flushes until a flush ends with nothing new emitted during it. Requests still in flight when
 * the process is told to stop can be answered while a flush runs (it waits on the network); their
 * audit records go out with the next round instead of meeting an already closed pipeline.
 */
async function drain(pipeline: ExitPipeline): Promise<void> {
  let emitted: number;
  do {
    emitted = pipeline.recordsEmitted();
    await pipeline.flush();
  } while (pipeline.recordsEmitted() !== emitted);
}

/**
 * Runs `work` with every timer it starts, itself or in what it calls, unref'd: the SDK's timers in
 * the end's flush (the log batch's wait on an export, 30 s, when the records are not spooled) must
 * not hold an ending process past the shutdown's bound, which the bound's own timer alone holds.
 * Unlike the instances unheld-exports.ts patches, these are reached only through the SDK's private
 * classes. The hook runs only for the end's flush (it costs every promise something), and touches
 * no timer of the app's.
 */
function unheld(work: () => Promise<void>): Promise<void> {
  const scope = new AsyncLocalStorage<true>();
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'Timeout' && scope.getStore() === true) (resource as NodeJS.Timeout).unref();
    },
  });
  hook.enable();
  return scope.run(true, work).finally(() => hook.disable());
}

/**
 * Async resources whose callbacks run in the turn that queued them: they never hold the event loop,
 * so their running tells nothing of work the app started.
 */
const SAME_TURN = new Set(['TickObject', 'PROMISE', 'Microtask']);

/**
 * Keeps the app's `beforeExit` listeners from being called once more only because apitrail's flush
 * held the loop. Node emits `beforeExit` each time the loop runs out: the flush apitrail starts in
 * the first one makes the loop run out a second time, and without apitrail a listener that started
 * no work of its own (a summary line, a counter) is called once. From the first emission on, the
 * resources created outside the flush (`flushing`) that can hold the loop are noted, and the first
 * callback of one of them is work of the app's (or another library's). When the flush is done
 * (`settle`) and no such work ran, the listeners are set aside behind a gate until the next
 * emission: if by then still no such work ran, that emission is the flush's alone and they are not
 * called; otherwise they are put back, in their order, before that work's callback (and are called
 * as Node would). The hook runs only from the first emission to the decision.
 */
function passOverTheFlushsEmission(flushing: AsyncLocalStorage<true>): { settle(): void } {
  const appResources = new Set<number>();
  let watching = true;
  let gate: (() => void) | undefined;
  let setAside: ReturnType<typeof process.rawListeners> = [];
  const putBack = (): void => {
    watching = false;
    hook.disable();
    if (gate === undefined) return;
    process.removeListener('beforeExit', gate);
    gate = undefined;
    for (const listener of setAside) process.on('beforeExit', listener as (code: number) => void);
  };
  const hook = createHook({
    init(asyncId, type) {
      if (!SAME_TURN.has(type) && flushing.getStore() !== true) appResources.add(asyncId);
    },
    before(asyncId) {
      if (!appResources.has(asyncId)) return;
      // An exception thrown in an async hook ends the process: none may leave it.
      try {
        putBack();
      } catch (error) {
        diag.error(`apitrail: could not put the app's beforeExit listeners back (${String(error)})`);
      }
    },
  });
  hook.enable();
  return {
    settle(): void {
      if (!watching) return;
      setAside = process.rawListeners('beforeExit');
      if (setAside.length === 0) {
        putBack();
        return;
      }
      process.removeAllListeners('beforeExit');
      gate = putBack;
      process.on('beforeExit', gate);
    },
  };
}

/** `count` of signal-exit's shared emitter `holder` holds under `key`, 0 without one. */
function loadedCopies(holder: object, key: PropertyKey): number {
  const emitter: unknown = Reflect.get(holder, key);
  const count: unknown = typeof emitter === 'object' && emitter !== null ? Reflect.get(emitter, 'count') : undefined;
  return typeof count === 'number' && Number.isSafeInteger(count) && count > 0 ? count : 0;
}

/**
 * The listeners signal-exit has on each signal it handles (SIGTERM, SIGINT, SIGHUP and SIGQUIT
 * among them): one per loaded copy, v4 counting them on a global emitter, v3 on
 * `process.__signal_exit_emitter__`. signal-exit ends the process by the signal itself only when
 * every listener is its own, leaving the exit to any other; apitrail leaves it to the app's
 * listener. Counting signal-exit's as the app's, each waited on the other and the process ignored
 * the signal; so apitrail counts them out, flushes, removes its listener and re-raises, and
 * signal-exit then runs its callbacks and ends the process, as without apitrail.
 */
function signalExitListeners(): number {
  return loadedCopies(globalThis, Symbol.for('signal-exit emitter')) + loadedCopies(process, '__signal_exit_emitter__');
}

/**
 * Flushes queued telemetry when the process is about to end: on `beforeExit`, and on SIGTERM and
 * SIGINT. apitrail never takes over the app's signal handling: when the app has its own listener
 * for the signal (or the process is pid 1, which such a signal does not end), apitrail only
 * flushes, keeps the pipeline open for the requests the app still finishes, and leaves the exit to
 * the app (closing the pipeline at `beforeExit`); when it has none, apitrail flushes, closes the
 * pipeline and then re-raises the signal so the default action (termination) still happens. Each
 * is bounded by `timeoutMs`. SIGHUP and SIGQUIT the app handles put what is in memory in the spool,
 * which goes on exporting.
 *
 * Returns a function that removes the listeners.
 */
export function flushOnExit(pipeline: ExitPipeline, timeoutMs: number): () => void {
  // The process's end: the signal's flush and the `beforeExit` one after it share one bound.
  let deadlineMs: number | undefined;
  const deadline = (): number => (deadlineMs ??= Date.now() + timeoutMs);
  let finishing: Promise<boolean> | undefined;
  const finishOnce = (): Promise<boolean> =>
    (finishing ??= withTimeout(
      unheld(() => drain(pipeline).then(() => pipeline.shutdown())),
      deadline,
      timeoutMs,
    ));

  // The loop ran out. At the bound, apitrail lets go: nothing of its flush holds the loop any more
  // (unheld), so the process ends as it would have, with its exit code (13 for an unsettled
  // top-level await, which Node sets only at a natural end). The app's own `beforeExit` listeners
  // may have started last work (a cleanup): it is the app's, and ends the process when it is done,
  // as without apitrail. Without such a listener nothing of the app's can be running, so what still
  // holds the loop after the bound is apitrail's (a connection attempt to a collector that drops
  // packets, which no timer of its own covers): the process ends at once, the exit drain leaving
  // the records in the spool.
  const onBeforeExit = (): void => {
    const flushing = new AsyncLocalStorage<true>();
    const emission = passOverTheFlushsEmission(flushing);
    void flushing.run(true, () =>
      finishOnce().then((finished) => {
        if (!finished && process.listenerCount('beforeExit') === 0) setTimeout(() => process.exit(), 0).unref();
        emission.settle();
      }),
    );
  };
  process.once('beforeExit', onBeforeExit);

  const reRaise = (signal: NodeJS.Signals, handler: () => void): void => {
    // No exit event follows a signal's default action: what is still in memory goes out now.
    drainSpoolsSync();
    process.removeListener(signal, handler);
    process.kill(process.pid, signal);
  };

  /**
   * Whether the process goes on after `signal`: the app handles it itself, or the process is pid 1
   * (a container without an init), to which the kernel does not apply a signal's default action:
   * without apitrail's listener it would keep running, and so it does with it, pipeline open.
   * signal-exit's listeners are not the app's handling it (see signalExitListeners).
   */
  const goesOn = (signal: NodeJS.Signals): boolean =>
    process.listenerCount(signal) - 1 - signalExitListeners() > 0 || process.pid === 1;

  const signalHandlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      // A second signal while the first one's flush runs (Ctrl-C twice): no more waiting; what is
      // in memory goes to the spool, and the signal ends the process at once, as it would without apitrail.
      if (finishing !== undefined && !goesOn(signal)) {
        reRaise(signal, handler);
        return;
      }
      if (goesOn(signal)) {
        // A bound of its own: the process may live on long after, and end another way.
        const until = Date.now() + timeoutMs;
        void withTimeout(drain(pipeline), () => until, timeoutMs);
        return;
      }
      void finishOnce().then(() => reRaise(signal, handler));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const fatalHandlers = FATAL_SIGNALS.map((signal) => {
    const handler = (): void => {
      // Records in memory go to the spool now, in case the end comes soon; the spool goes on exporting.
      if (goesOn(signal)) persistSpoolsSync();
      else reRaise(signal, handler);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of [...signalHandlers, ...fatalHandlers]) process.removeListener(signal, handler);
  };
}
