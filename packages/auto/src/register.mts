/**
 * `node --import @apitrail/auto/register app.mjs`: registers OpenTelemetry's ESM loader hook (so
 * instrumentations can patch modules the app imports) and then starts apitrail like the
 * `--require` entry does, in the main thread only (see register.ts).
 *
 * The hook (import-in-the-middle) wraps only the modules apitrail's instrumentations patch through
 * it: node:http and node:https, for a named import of `request` or `get`. Left to wrap every module,
 * it broke the live bindings of the app's own ones (an `export let` changed by its module still read
 * its first value in the importer), with the SDK on or off. winston is patched where its CommonJS
 * files are required, which the hook has no part in.
 */
import { createRequire, register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/** The modules apitrail's instrumentations (HTTP, request scope) patch; node: forms are added by the hook. */
const HOOKED_MODULES = ['http', 'https'];

if (isMainThread) {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: HOOKED_MODULES } });
  globalThis.__apitrailEsmHook = true;
  createRequire(import.meta.url)('./register-start.js');
}
