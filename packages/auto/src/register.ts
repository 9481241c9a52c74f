/**
 * `node --require @apitrail/auto/register app.js`: starts apitrail from the environment before the
 * app loads (register-start.ts), in the main thread only. A worker thread inherits the process's
 * `--require` and `--import` (its execArgv): the SDK loaded in each cost every worker of a pool
 * about half a second of start-up and printed apitrail's start-up warnings once per thread, for
 * HTTP servers that run in the main thread. A server in a worker thread is audited by calling
 * `startApitrail()` in that worker.
 */
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Required, not imported: an import would load the SDK in every thread before this check.
if (isMainThread) {
  const load = createRequire(__filename);
  load('./register-start.js');
  // After the --import entries (which Node loads after every --require), before the app's first turn ends.
  // A note, never a failure of the app's: loading the module or reading the app's package.json can
  // fail (no file descriptor left, an unreadable file), and is then left unsaid.
  setImmediate(() => {
    if (globalThis.__apitrail?.config.disabled !== false) return;
    try {
      const { esmWithoutHookNote } = load('./esm-entry.js') as typeof import('./esm-entry.js');
      const note = esmWithoutHookNote(process.argv[1]);
      if (note !== undefined) process.stderr.write(`${note}\n`);
    } catch {
      // Best effort (above).
    }
  }).unref();
}
