import { escapeRegExp } from './pattern-safety.js';

/**
 * The shape of a `key=value` / `key: value` / `"key": "value"` pair in free text and query strings
 * (JSON-escaped quotes included, nested up to three levels), shared by the SDK's matcher and the
 * Collector's generated pattern, which reads a value further where RE2 can (collector-config.ts). A
 * quoted value runs to its closing quote (JSON passwords have spaces), or to the end of the line
 * where there is none (a JSON line cut short by a length limit);
 * an unquoted one to the next delimiter or `=`, so base64 padding (`…/pw==`) is no `pw=` pair and
 * the value of an ordinary key is short to rescan for a pair inside it (`code=token=…`).
 */
/**
 * The characters of a key in a pair: brackets too, for the form encodings of nested and repeated
 * fields (`user[password]=…`, `password[]=…`), whose parts the key rules read as dotted ones.
 */
export const KEY_CHARACTERS_SOURCE = '\\w.\\[\\]-';
// `+` is a space in form-encoded text. `=>` assigns in Ruby and PHP hashes and their dumps
// (`{"password"=>"…"}`, `[password] => …`).
/** What may come between a key and its separator (its closing quote, escaped, and spaces), and after the separator. */
export const BEFORE_SEPARATOR_SOURCE = '\\\\{0,7}["\']?[\\s+]{0,3}';
export const AFTER_SEPARATOR_SOURCE = '[\\s+]{0,3}';
export const KEY_VALUE_SEPARATOR_SOURCE = `${BEFORE_SEPARATOR_SOURCE}(?:=>|[=:])${AFTER_SEPARATOR_SOURCE}`;
// An unquoted value may start with `=` (a password such as `==x…`), though not with `=` and a
// character that ends base64 text: padding (`…/pw==`, `(…+pw==)`, `…pw==.`) is still no `pw=` pair.
export const KEY_VALUE_VALUE_SOURCE =
  '(?:\\\\{0,7}"[^"\\n]{1,1024}"?|\\\\{0,7}\'[^\'\\n]{1,1024}\'?|={1,8}[^ \\t\\r\\n&"\',;<>=)\\]}.\\\\][^ \\t\\r\\n&"\',;<>=]{0,1023}|[^ \\t\\r\\n&"\',;<>=]{1,1024})';

/**
 * A value whose first piece is joined to the next at once ({@link quotesJoinedAt}), which
 * {@link KEY_VALUE_VALUE_SOURCE} does not read: a quote doubled (SQL's `'''x'''` for `'x'`, Python's
 * `"""x"""`) or an empty piece before a shell's escaped quote (`''\''x'` for `'x`). The SDK takes its
 * opening quote and reads on from there ({@link closingQuoteEnd}).
 */
const JOINED_OPENING_SOURCE = `'(?='(?:'|\\\\{1,8}''))|"(?="")`;

/** What a value must start with for {@link keyValueValue} to match at least one character of it. */
const VALUE_START_SOURCE =
  `${JOINED_OPENING_SOURCE}|` +
  '\\\\{0,7}"[^"\\n]|\\\\{0,7}\'[^\'\\n]|={1,8}[^ \\t\\r\\n&"\',;<>=)\\]}.\\\\]|[^ \\t\\r\\n&"\',;<>=]';

/**
 * A pair in the SDK: groups are the text before the key, the key and the separator; of the value
 * only its first character is looked at, and {@link keyValueValue} reads it where the key is
 * sensitive. Text of ordinary pairs back to back (`oauth:oauth:…`, each value running on through
 * the pairs after it) would otherwise be read up to the value's 1024-character bound at every pair.
 */
export function keyValuePattern(): RegExp {
  return new RegExp(
    `(^|[^${KEY_CHARACTERS_SOURCE}])([${KEY_CHARACTERS_SOURCE}]{1,64})(${KEY_VALUE_SEPARATOR_SOURCE})(?=${VALUE_START_SOURCE})`,
    'g',
  );
}

/**
 * The value of a pair at `lastIndex` (with its quotes, if any), as the Collector's pattern reads it,
 * or the opening quote of one whose first piece is joined to the next ({@link JOINED_OPENING_SOURCE}).
 */
export function keyValueValue(): RegExp {
  return new RegExp(`${JOINED_OPENING_SOURCE}|${KEY_VALUE_VALUE_SOURCE}`, 'y');
}

/**
 * The longest literal of each key glob, lower case, without those that contain another (the shorter
 * one occurs wherever the longer does): one of them is in every sensitive key.
 */
export function necessaryKeyLiterals(globs: readonly string[]): string[] {
  const literals = [
    ...new Set(
      globs.map((glob) =>
        glob
          .toLowerCase()
          .split('*')
          .reduce((longest, part) => (part.length > longest.length ? part : longest), ''),
      ),
    ),
  ];
  return literals.filter((literal) => !literals.some((other) => other !== literal && literal.includes(other)));
}

/**
 * A cheap necessary condition for a pair with a sensitive key: the longest literal of some key glob
 * followed by the rest of a key and a separator. Most paths, routes and queries have none (`/api/`
 * alone is no pair) and skip the pair scan. A literal that contains another is left out: the
 * shorter one occurs wherever the longer does.
 */
export function sensitivePairTrigger(globs: readonly string[]): RegExp {
  const necessary = necessaryKeyLiterals(globs);
  return new RegExp(
    `(?:${necessary.map(escapeRegExp).join('|')})[${KEY_CHARACTERS_SOURCE}]{0,64}${KEY_VALUE_SEPARATOR_SOURCE}`,
    'i',
  );
}

// The closing quote is escaped as the opening one is, and ends the value: a value ending in a
// backslash (`"…\\"`, an escaped backslash before the quote) keeps it.
const QUOTED = /^(\\{0,7}["'])([\s\S]*)\1$/;

/** The value without its quotes (escaped or not), and the quotes to put back around its replacement. */
export function unquoted(value: string): { open: string; inner: string; close: string } {
  const first = value.charCodeAt(0);
  // Most values start with neither a quote nor a backslash: no pattern to run.
  const quoted = first === 34 /* " */ || first === 39 /* ' */ || first === 92 /* \ */ ? QUOTED.exec(value) : null;
  return quoted === null
    ? { open: '', inner: value, close: '' }
    : { open: quoted[1]!, inner: quoted[2]!, close: quoted[1]! };
}

// Only the separators people type end an unquoted value: a form feed, vertical tab or exotic space
// inside a secret is more likely part of it than a delimiter, and cutting there leaked the rest.
// Sticky, read to their end: the regex engine's compiled loop reads a long value (hostile text has
// one of 32 KB) several times faster than a loop over charCodeAt.
const UNQUOTED_VALUE = /[^ \t\r\n&"',;<>]*/y;
const AFTER_CLOSING_QUOTE = /[\s,;&}\])\\]/;
const REST_OF_LINE = /[^&\r\n]*/y;
/** A query parameter after `&` (`&page=2`): where the rest of a value ends ({@link restOfValueEnd}). */
const NEXT_PARAMETER = /&[\w.[\]-]{1,64}=/y;

/** A character of a key: `\w`, `.`, `[`, `]`, `-` (KEY_CHARACTERS_SOURCE). */
function isKeyCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 /* _ */ ||
    code === 46 /* . */ ||
    code === 91 /* [ */ ||
    code === 93 /* ] */ ||
    code === 45 /* - */
  );
}

/**
 * Where the rest of a value that ran on past its quotes ends: at the end of the line, or at an `&`
 * that starts the next query parameter (`&page=2`). Any other `&` is the value's: in
 * `password='ab\'cd&ef` (a quote escaped the shell's way, read the JSON way) `&ef` went out when
 * every `&` ended the value.
 */
function restOfValueEnd(text: string, from: number): number {
  let at = from;
  for (;;) {
    REST_OF_LINE.lastIndex = at;
    REST_OF_LINE.test(text);
    at = REST_OF_LINE.lastIndex;
    // A run of `&` (hostile text has one of 32 KB) is read here, character by character: the pattern
    // runs only where a key character follows.
    while (text.charCodeAt(at) === 38 /* & */) {
      if (isKeyCharacter(text.charCodeAt(at + 1))) {
        NEXT_PARAMETER.lastIndex = at;
        if (NEXT_PARAMETER.test(text)) return at;
      }
      at++;
    }
    if (at >= text.length || text.charCodeAt(at) === 10 /* \n */ || text.charCodeAt(at) === 13 /* \r */) return at;
  }
}

/** How far a quoted value is read for its closing quote: the pattern's bound on a quoted value. */
const QUOTED_VALUE_MAX = 1024;
const QUOTE_OPENING = /^\\{0,7}["']/;

/**
 * Where a quoted value that opens with `open` (a quote, escaped for its nesting level) at
 * `valueStart` ends: after the first quote on its line escaped as the opening one is, after any
 * number of the value's own backslashes (`"a\\"`: one backslash, then the closing quote). A quote
 * escaped once more is inside the value (`"a\"b"`; `\"a\\\"b\"` one level down), where the pattern
 * stopped. A value in bare quotes runs on through the quotes that join its pieces
 * ({@link quotesJoinedAt}). `end` when there is no closing quote within the bound, or the end of the
 * line (or the bound) if pieces were joined: the value was open there.
 */
function closingQuoteEnd(text: string, valueStart: number, open: string, end: number): number {
  const quote = open.charCodeAt(open.length - 1);
  const escapes = open.length - 1;
  const from = valueStart + open.length;
  const limit = Math.min(text.length, from + QUOTED_VALUE_MAX + 1);
  let joined = false;
  let at = from;
  for (; at < limit; at++) {
    const code = text.charCodeAt(at);
    if (code === 10 /* \n */ || code === 13 /* \r */) break;
    if (code !== quote) continue;
    let backslashes = 0;
    while (at - backslashes > from && text.charCodeAt(at - 1 - backslashes) === 92 /* \ */) backslashes++;
    // A backslash of the value takes 2 × (escapes + 1) of them: `\\` at the top level, `\\\\` one down.
    if (backslashes % (2 * escapes + 2) !== escapes) continue;
    const reopened = escapes === 0 ? quotesJoinedAt(text, at, quote) : -1;
    if (reopened < 0) return at + 1;
    joined = true;
    at = reopened;
  }
  return joined ? at : end;
}

/**
 * Where the value goes on when the bare quote at `at` would close it, or -1: a quote doubled is one
 * inside the value, as SQL writes it (`'it''s'`, `'''x'''`: `'x'`); a single quote closed, escaped
 * and opened again is how a shell puts one in (`'it'\''s'`, `'it'\\''s'` inside a JSON string).
 * Cutting there kept the rest of the secret.
 */
function quotesJoinedAt(text: string, at: number, quote: number): number {
  const next = text.charCodeAt(at + 1);
  if (next === quote) return at + 1;
  if (quote !== 39 /* ' */ || next !== 92 /* \ */) return -1;
  let escaped = at + 2;
  while (escaped < at + 9 && text.charCodeAt(escaped) === 92) escaped++;
  return text.charCodeAt(escaped) === 39 && text.charCodeAt(escaped + 1) === 39 ? escaped + 1 : -1;
}

/**
 * The value of a sensitive key at `valueStart` as the pattern read it (`value`), a quoted one run on
 * through escaped quotes to its closing quote (`"p\"w,d"`), where the pattern stops at the first.
 */
export function quotedValue(text: string, valueStart: number, value: string): string {
  const open = QUOTE_OPENING.exec(value)?.[0];
  if (open === undefined) return value;
  const end = closingQuoteEnd(text, valueStart, open, valueStart + value.length);
  return end === valueStart + value.length ? value : text.slice(valueStart, end);
}

/**
 * Where the value of a sensitive key starts when it is an SQL string literal with a prefix
 * (`N'…'` national, `E'…'` escaped, `X'…'` hex, `B'…'` bit): past the prefix, so the literal is
 * read as any quoted value (doubled quotes too) and the prefix stays. Cut at the prefix, the
 * literal was left out of the value.
 */
export function sqlLiteralStart(text: string, valueStart: number): number {
  return text.charCodeAt(valueStart + 1) === 39 /* ' */ && SQL_LITERAL_PREFIX.test(text[valueStart] ?? '')
    ? valueStart + 1
    : valueStart;
}
const SQL_LITERAL_PREFIX = /^[NEXBnexb]$/;

/**
 * Whether a pair's separator `=` and the value after it (`token==expected`, `if
 * (password==confirm)`, `secret===EXPECTED_SECRET`) are a comparison with a name rather than a value
 * starting with `=`: one or two more `=`, a name (letters, digits, `_`, `$`, dots; not starting with a
 * digit), then the end of the text, a space, a closing parenthesis or a delimiter. A password that is
 * `=` and such a name looks the same, and is kept with it; one with any other character after its
 * `=` (`=hunter2!`, `=123`), or after `:`, `=>` or a space, is still masked.
 */
export function isComparison(text: string, separator: string, valueStart: number): boolean {
  if (text.charCodeAt(valueStart) !== 61 /* = */ || !ASSIGNING.test(separator)) return false;
  COMPARED_NAME.lastIndex = valueStart;
  return COMPARED_NAME.test(text);
}
/**
 * A separator whose `=` is right before the value's: `==` written together. After `:` or `=>`, or a
 * space or `+` between (`password=+=x…`, where `+` may be a form-encoded space), the `=` is the value's.
 */
const ASSIGNING = /=$/;
const COMPARED_NAME = /={1,2}[A-Za-z_$][\w$.]{0,63}(?=$|[\s)&"',;<>])/y;

/**
 * Where the value of a sensitive key really ends. The pattern stops an unquoted value at `=`
 * (cheap rescans for ordinary keys); a secret runs on through it (`token=api_key=…`, base64
 * padding). A quoted value ({@link quotedValue}) that is not followed by a delimiter was not JSON
 * (`token="client_secret": "…"`), so the secret runs to the end of the line or parameter
 * ({@link restOfValueEnd}).
 */
export function secretValueEnd(text: string, valueStart: number, value: string): number {
  const end = valueStart + value.length;
  const quoted = QUOTE_OPENING.test(value);
  if (quoted && (end >= text.length || AFTER_CLOSING_QUOTE.test(text[end]!))) return end;
  if (quoted) return restOfValueEnd(text, end);
  UNQUOTED_VALUE.lastIndex = end;
  UNQUOTED_VALUE.test(text);
  return UNQUOTED_VALUE.lastIndex;
}
