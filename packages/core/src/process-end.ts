import { recordFault } from './diagnostics.js';

// The end of the process as apitrail's packages share it. The register marks it when its end
// begins (its flush when the event loop runs out, a signal); the `exit` listeners that the spool
// keeps in order (first and last of all `exit` listeners) run the tasks registered here last, after
// the app's own `exit` listeners and before the exit summary, so that whatever must be final (the
// integrity log's closing checkpoint) covers the records the app emits as it goes.

let ending = false;
/** What finishes the pipelines (the integrity log's close), then what counts what they could not deliver. */
const lastTasks = { finish: new Set<() => void>(), count: new Set<() => void>() };
const firstListeners = new Set<() => void>();

/** From now on the process is ending: pipelines flush but stay open for the records still to come. */
export function markProcessEnding(): void {
  ending = true;
}

/** Whether the process's end has begun (see {@link markProcessEnding}). */
export function processEnding(): boolean {
  return ending;
}

/**
 * Runs `task` synchronously at the process's last moment (see above); returns a function that
 * takes it back (a pipeline shut down before the end has nothing left to finish). A `count` task
 * runs after every `finish` task, whenever each was registered: what it counts as left undelivered
 * includes what finishing added (the closing checkpoint queued behind the app's records).
 */
export function atLastExit(task: () => void, stage: keyof typeof lastTasks = 'finish'): () => void {
  lastTasks[stage].add(task);
  return () => lastTasks[stage].delete(task);
}

/** Runs each registered task once, the `finish` ones then the `count` ones, each in registration order; one that throws is counted, not propagated. */
export function runLastExitTasks(): void {
  const tasks = [...lastTasks.finish, ...lastTasks.count];
  lastTasks.finish.clear();
  lastTasks.count.clear();
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      recordFault('end of process', error);
    }
  }
}

/**
 * Marks `listener`, an `exit` listener of apitrail's that must run before the exit drain (the
 * request tracker's, which records the requests still in progress), as one the spool puts back
 * first, with its own, when an app removes the `exit` listeners (`process.removeAllListeners()`).
 * The caller adds the listener itself (`process.prependListener('exit', listener)`).
 */
export function keepFirstAtExit(listener: () => void): void {
  firstListeners.add(listener);
}

/** The listeners marked by {@link keepFirstAtExit}, in the order they were marked. */
export function firstAtExit(): ReadonlySet<() => void> {
  return firstListeners;
}
