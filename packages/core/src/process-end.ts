import { recordFault } from './diagnostics.js';

// The end of the process as apitrail's packages share it. The register marks it when its end
// begins (its flush when the event loop runs out, a signal); the `exit` listeners that the spool
// keeps in order (first and last of all `exit` listeners) run the tasks registered here last, after
// the app's own `exit` listeners and before the exit summary, so that whatever must be final (the
// integrity log's closing checkpoint) covers the records the app emits as it goes.

let ending = false;
const lastTasks = new Set<() => void>();

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
 * takes it back (a pipeline shut down before the end has nothing left to finish).
 */
export function atLastExit(task: () => void): () => void {
  lastTasks.add(task);
  return () => lastTasks.delete(task);
}

/** Runs each registered task once, in registration order; one that throws is counted, not propagated. */
export function runLastExitTasks(): void {
  const tasks = [...lastTasks];
  lastTasks.clear();
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      recordFault('end of process', error);
    }
  }
}
