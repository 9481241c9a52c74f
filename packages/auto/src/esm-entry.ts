import { findPackageJSON } from 'node:module';
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { neutralizeControlCharacters } from '@apitrail/core/internal';

declare global {
  /** Set by the `--import` entry once it registered the ESM loader hook. */
  var __apitrailEsmHook: boolean | undefined;
}

/** Whether `script` (the app's entry, as given to node) is an ES module by its name or its package's `type`. */
export function isEsmEntry(script: string | undefined): boolean {
  if (script === undefined || script === '') return false;
  const path = resolve(script);
  const extension = extname(path);
  if (extension === '.mjs' || extension === '.mts') return true;
  if (extension === '.cjs' || extension === '.cts') return false;
  try {
    const manifest = findPackageJSON(pathToFileURL(path));
    if (manifest === undefined) return false;
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
  } catch {
    return false;
  }
}

/**
 * Said once when the app's entry is an ES module and only the `--require` entry ran: requests are
 * audited (servers are patched on http.Server.prototype), but without the ESM loader hook a call the
 * app makes through a named import of node:http or node:https is not instrumented (no client span,
 * no traceparent), which nothing else would show.
 */
export function esmWithoutHookNote(script: string | undefined): string | undefined {
  if (globalThis.__apitrailEsmHook === true || !isEsmEntry(script)) return undefined;
  return (
    `apitrail: ${neutralizeControlCharacters(script!)} is an ES module and the register was loaded with --require: ` +
    "its requests are audited, but calls it makes through `import { request } from 'node:http'` (or https) are " +
    'not traced (no traceparent); start it with --import @apitrail/auto/register'
  );
}
