/**
 * Key rules. A glob (`*` = any run of characters, case-insensitive) matches a key when it matches
 * the whole key or the part after any `.` (so `password` covers `db.password`, and `authorization`
 * covers `http.request.header.authorization`), also without the one or two dashes of a command-line
 * flag (`--pwd`, `-auth`). Brackets separate parts as dots do: the form
 * encodings of nested and repeated fields (`user[password]`, `password[]`, `a[0][token]`) are
 * `user.password`, `password` and `a.0.token`. Matching uses indexOf, never a regex, so it is
 * linear in the key length; verdicts are cached because the same few keys recur on every record.
 */
/** Keys longer than this are not matched but treated as secret: safe, and bounds the work. */
export const MAX_KEY_LENGTH = 256;
/** Most keys whose verdicts are kept (the same few recur; hostile variety must not grow memory). */
export const KEY_CACHE_LIMIT = 4096;

type Matcher = (lowerKey: string) => boolean;

function globMatcher(glob: string): Matcher {
  const parts = glob.toLowerCase().split('*');
  const first = parts[0]!;
  if (parts.length === 1) return (key) => key === first;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1);
  const minLength = parts.reduce((total, part) => total + part.length, 0);
  return (key) => {
    if (key.length < minLength || !key.startsWith(first) || !key.endsWith(last)) return false;
    let position = first.length;
    const end = key.length - last.length;
    for (const part of middle) {
      const found = key.indexOf(part, position);
      if (found < 0 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
}

/** The dashes of a command-line flag (`--pwd=…`, `-auth=…`), which are no part of the key's name. */
const FLAG_DASHES = /^-{1,2}/;

function anyGlob(globs: readonly string[]): Matcher {
  const matchers = globs.map(globMatcher);
  return (key) => {
    let suffix = key.charCodeAt(0) === 45 /* - */ ? key.replace(FLAG_DASHES, '') : key;
    for (;;) {
      if (matchers.some((matches) => matches(suffix))) return true;
      const dot = suffix.indexOf('.');
      if (dot < 0) return false;
      suffix = suffix.slice(dot + 1);
    }
  };
}

const BRACKET = /[[\]]/;

/** `user[password]` as `user.password`, `password[]` as `password` (see the rules above). */
function dotted(key: string): string {
  if (!BRACKET.test(key)) return key;
  return key.replaceAll('[', '.').replaceAll(']', '').replace(/\.+$/, '');
}

/** Whether the whole value under a key is secret. Allow-listed keys (whole-key match) never are. */
export function createKeyMatcher(
  secretGlobs: readonly string[],
  allowGlobs: readonly string[],
): (key: string) => boolean {
  const isSecret = anyGlob(secretGlobs);
  const allowMatchers = allowGlobs.map(globMatcher);
  const cache = new Map<string, boolean>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const lower = dotted(key.toLowerCase());
    const verdict =
      !allowMatchers.some((matches) => matches(lower)) && (key.length > MAX_KEY_LENGTH || isSecret(lower));
    // Unbounded key variety (hostile nested maps) must not grow memory: start over when full.
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    cache.set(key, verdict);
    return verdict;
  };
}
