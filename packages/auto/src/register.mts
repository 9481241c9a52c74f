/**
 * `node --import @apitrail/auto/register app.mjs`: registers OpenTelemetry's ESM loader hook (so
 * instrumentations can patch modules the app imports) and then starts apitrail like the
 * `--require` entry does, in the main thread only (see register.ts).
 */
import { createRequire, register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  createRequire(import.meta.url)('./register-start.js');
}
