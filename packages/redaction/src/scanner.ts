import { CHARSETS, type CredentialFormat, type Run } from './catalogue.js';
import { CENSORED_PREFIX } from './censor.js';
import { buildLiteralAutomaton } from './literal-automaton.js';
import { escapeRegExp } from './pattern-safety.js';
import { addRange, normalizeRanges } from './ranges.js';
import { SQL_PASSWORD_KEYWORDS, SQL_PASSWORD_LITERAL_SOURCES } from './sql-password.js';

/**
 * One pass over a string finds every credential of the catalogue, and the generic shapes (a
 * high-entropy token after a credential keyword, a `provider_…` prefix before a long random token).
 * Every format's literal prefix or keyword goes into one Aho-Corasick automaton (ASCII
 * case-folded); the scan feeds it each character (one table lookup, whatever the number of formats)
 * and checks a format, anchored, only where one of its literals was found. Each anchored check
 * reads a bounded number of characters (runs have upper bounds and never give characters back), so
 * the whole scan is linear in the input.
 */
export interface CredentialScanner {
  /**
   * Appends `[start, end)` of every secret found in `text` to `ranges` (ascending, disjoint) and
   * returns it.
   */
  scan(text: string, ranges?: number[]): number[];
}

/** Characters within which a keyword must be followed by its value (gitleaks' keyword rule shape). */
const IDENTIFIER_TAIL = 20;
/** How far before a prefixed token a format's required keyword may be. */
const KEYWORD_LOOKBEHIND = 80;
/** Longest run a token is extended over past its format's bound (masked whole, never cut). */
const MAX_EXTENSION = 4096;

/** Generic detector: credential words after which a high-entropy token is a secret. */
const CREDENTIAL_KEYWORDS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'api-key',
  'accesskey',
  'access_key',
  'auth',
  'credential',
  'creds',
  'private_key',
  'bearer',
  'key',
];
/** A token after a credential keyword: at least this long, with upper and lower case and digits. */
const ENTROPY_TOKEN_MIN = 16;
const ENTROPY_TOKEN_MAX = 512;
/** Shannon entropy (bits per character) a token after a keyword needs: random text has 4.5 to 6. */
const ENTROPY_MIN_BITS = 3.5;
/**
 * How far after a keyword a token may start (`the token is …`, `"secret": "…"`, `the api key for
 * tenant acme-7 in region eu-west-1 is …`).
 */
const ENTROPY_WINDOW = 64;
/**
 * Two-letter words of names, which a camelCase or kebab-case name made of words holds besides words
 * of three letters or more (`getUserById`, `isValid`, `confirm-my-account`): the lower-case runs of
 * one or two letters a name has where random letters have them by chance.
 */
const SHORT_WORDS: readonly string[] = [
  'an',
  'as',
  'at',
  'be',
  'by',
  'db',
  'do',
  'go',
  'id',
  'if',
  'in',
  'io',
  'ip',
  'is',
  'it',
  'js',
  'me',
  'my',
  'no',
  'of',
  'ok',
  'on',
  'or',
  'os',
  'so',
  'to',
  'ui',
  'up',
  'us',
  'we',
];
/** Hex in a path segment after a keyword is a token from this length (128 bits). */
const HEX_TOKEN_MIN = 32;
/** Generic detector: `provider_` / `provider-` (one or two words) then a random run at least this long. */
const PROVIDER_TOKEN_MIN = 32;
const PROVIDER_TOKEN_MAX = 256;
/** A random run after a provider prefix needs more entropy than one after a keyword: no keyword vouches for it. */
const PROVIDER_MIN_BITS = 4;

// Exported from locals: inside the module, an exported constant compiles to a property load from
// `exports` at every use, and the scan's loops use these.
export {
  CREDENTIAL_KEYWORDS,
  ENTROPY_TOKEN_CHARACTERS,
  ENTROPY_MIN_BITS,
  ENTROPY_TOKEN_MAX,
  ENTROPY_TOKEN_MIN,
  HEX_TOKEN_MIN,
  PROVIDER_TOKEN_MIN,
  SHORT_WORDS,
  TRUNCATED_TOKEN_MIN,
};

type Membership = Uint8Array;

function membership(charsetClass: string): Membership {
  const set = new Uint8Array(128);
  for (let index = 0; index < charsetClass.length; index++) {
    const from = charsetClass.charCodeAt(index);
    if (charsetClass[index + 1] === '-' && index + 2 < charsetClass.length) {
      const to = charsetClass.charCodeAt(index + 2);
      for (let code = from; code <= to; code++) set[code] = 1;
      index += 2;
    } else {
      set[from] = 1;
    }
  }
  return set;
}

const SETS = Object.fromEntries(
  Object.entries(CHARSETS).map(([name, charsetClass]) => [name, membership(charsetClass)]),
) as Record<keyof typeof CHARSETS, Membership>;
const ALNUM = SETS.alnum;
const WORD = SETS.word;
/**
 * Characters of a token after a keyword: base64, base64url and the `.`/`~` of some formats (a regex
 * character class's contents, shared with the Collector's copy of the path-segment rule).
 */
const ENTROPY_TOKEN_CHARACTERS = 'A-Za-z0-9+/_.~-';
const ENTROPY_TOKEN = membership(ENTROPY_TOKEN_CHARACTERS);
const PADDING = membership('=');
const PRINTABLE = membership('!-~');
/**
 * Where the window after a keyword ends: the next parameter, statement or line, or the end of the
 * object or list it is in; a replacement (`[REDACTED`) ends it too ({@link isReplacementAt}).
 * Opening brackets and `<`, `>` do not: a value is often in them (`token <…>`, `key: {…}`,
 * `<token>…</token>`, `secret => …`).
 */
const WINDOW_END = membership('&;\r\n]}');
/** Words after a keyword looked at (`the password of the admin account was set to …`: the eighth). */
const ENTROPY_WORDS = 8;
/** What may continue an identifier between a keyword and its separator (`DATADOG_API_KEY =`). */
const IDENTIFIER = membership(' \tA-Za-z0-9_.-');
// Backslashes: the quotes of JSON inside a JSON string are escaped (`\\"key\\": \\"value\\"`).
// `+` is a space in form-encoded text (`q=%22key%22%3A+%22…`, decoded `"key":+"…`).
const QUOTE_OR_SPACE = membership(' +\t\r\n\'"`\\');
const AFTER_SEPARATOR = membership(' +\t\r\n\'"`=\\');
/** What may continue a keyword's identifier up to its separator in free text (`_key`, `.secret`; no spaces). */
const KEY_TAIL = membership('A-Za-z0-9_.-');
const SPACE = membership(' \t');
const BACKSLASH = membership('\\');

const inSet = (set: Membership, code: number): boolean => code < 128 && set[code] === 1;

/**
 * Upper case 1, lower case 2, digits 4: a random token has both cases ({@link BOTH_CASES}), and a
 * provider's token digits too ({@link MIXED_CLASSES}).
 */
const CHARACTER_CLASS = new Uint8Array(128);
CHARACTER_CLASS.fill(1, 65, 91);
CHARACTER_CLASS.fill(2, 97, 123);
CHARACTER_CLASS.fill(4, 48, 58);
const BOTH_CASES = 3;
const MIXED_CLASSES = 7;

interface CompiledRun {
  readonly set: Membership;
  /** The charset's index, which names its slot in the run cache. */
  readonly charset: number;
  readonly min: number;
  readonly max: number;
}

const CHARSET_NAMES = Object.keys(CHARSETS) as (keyof typeof CHARSETS)[];

const compileRun = ([charset, min, max]: Run): CompiledRun => ({
  set: SETS[charset],
  charset: CHARSET_NAMES.indexOf(charset),
  min,
  max: max ?? min,
});

/** What a literal at a position can start. */
type Entry =
  | {
      readonly kind: 'format';
      readonly literal: string;
      /** Keyword entries compare case-insensitively and must be followed by a separator. */
      readonly keyword: boolean;
      readonly format: CredentialFormat;
      readonly body: readonly (string | CompiledRun)[];
      readonly lead: CompiledRun | undefined;
      /** The keywords one of which must be shortly before a prefixed token, if its format has any. */
      readonly keywords: KeywordSearch | undefined;
      /** Characters of the body a token cut short must have to count ({@link cutShortMinimum}). */
      readonly cutShortMin: number;
    }
  | { readonly kind: 'entropy' | 'sql'; readonly literal: string };

/**
 * A format's required keywords, and where the last search for them in the current scan found one:
 * each search runs on from where the last one's window started, so a token repeated back to back
 * (`md-…` repeated, every one well-formed and no keyword in the text) costs one search, not one
 * look-behind per token.
 */
interface KeywordSearch {
  /** Lower case. */
  readonly keywords: readonly string[];
  /** Any of them, case-insensitively (global: searched from `lastIndex`). */
  readonly pattern: RegExp;
  /** The scan the fields below belong to. */
  scan: number;
  /** Where the last search started, and the first keyword it found from there (`at` -1: none up to the end). */
  from: number;
  at: number;
  end: number;
}

function formatEntries(format: CredentialFormat): Entry[] {
  const body = format.body.map((segment) => (typeof segment === 'string' ? segment : compileRun(segment)));
  const lead = format.lead === undefined ? undefined : compileRun(format.lead);
  const keywords = format.keywords?.map((keyword) => keyword.toLowerCase());
  if (format.prefixes.length === 0) {
    return (keywords ?? []).map((literal) => ({
      kind: 'format',
      literal,
      keyword: true,
      format,
      body,
      lead,
      keywords: undefined,
      cutShortMin: TRUNCATED_TOKEN_MIN,
    }));
  }
  const search: KeywordSearch | undefined = keywords && {
    keywords,
    pattern: new RegExp(keywords.map(escapeRegExp).join('|'), 'gi'),
    scan: -1,
    from: 0,
    at: -1,
    end: -1,
  };
  return format.prefixes.map((literal) => ({
    kind: 'format',
    literal,
    keyword: false,
    format,
    body,
    lead,
    keywords: search,
    cutShortMin: cutShortMinimum(literal),
  }));
}

/**
 * Whether the first `length` characters of `literal` (all of it by default) are spelled exactly at
 * `at`: compared here, a literal is a few characters, and hostile text (`ghp_` repeated) asks at
 * every fourth one, where `startsWith`'s native call costs more.
 */
function spelledAt(text: string, at: number, literal: string, length = literal.length): boolean {
  if (at + length > text.length) return false;
  for (let index = 0; index < length; index++) {
    if (text.charCodeAt(at + index) !== literal.charCodeAt(index)) return false;
  }
  return true;
}

/** Characters of `set` from `at`, at most `max`. */
function runLength(text: string, at: number, set: Membership, max: number): number {
  const end = Math.min(text.length, at + max);
  let position = at;
  while (position < end && inSet(set, text.charCodeAt(position))) position++;
  return position - at;
}

const isLower = (code: number): boolean => code >= 97 && code <= 122;
const isUpper = (code: number): boolean => code >= 65 && code <= 90;

/**
 * Whether the `length` characters at `at` start a word: nothing alphanumeric before them, or a
 * camelCase boundary (a lower-case letter, then a capital and lower case: `accessToken`).
 */
function startsWord(text: string, at: number, length: number): boolean {
  if (at === 0) return true;
  const before = text.charCodeAt(at - 1);
  if (!inSet(ALNUM, before)) return true;
  if (!isLower(before) || !isUpper(text.charCodeAt(at))) return false;
  for (let index = at + 1; index < at + length; index++) if (!isLower(text.charCodeAt(index))) return false;
  return true;
}

const BASE64 = membership('A-Za-z0-9+/');
/**
 * Base64 characters glued to the front of a keyword from which it is a piece of base64 data (an
 * image, a blob) that spells it by chance, when they look random, and how far back they are read.
 */
const BASE64_BEFORE_KEYWORD = 16;
const BASE64_LOOKBEHIND = 24;
/** Entropy the run before such a keyword needs: 16 random base64 characters have 3.7 bits on average, rarely under 3.2. */
const BASE64_MIN_BITS = 3.2;

/**
 * Whether the keyword at `at` is glued to a random run of base64 before it: then it is a piece of
 * base64 data spelling it by chance (`…OgukEY+…`, `…6yxWvPwd/…`), not a word, and the data after it
 * no value (random base64 would read as a token). A path (`/api/v2/Users/resetPassword/`) has words
 * between its slashes, and a word or a separator before the keyword (`x-api-key:`) ends the run.
 */
function gluedToBase64(text: string, at: number): boolean {
  let start = at;
  while (start > 0 && at - start < BASE64_LOOKBEHIND && inSet(BASE64, text.charCodeAt(start - 1))) start--;
  return at - start >= BASE64_BEFORE_KEYWORD && looksRandom(text, start, at, BASE64_MIN_BITS, false);
}

/**
 * Where a keyword's value starts: after the rest of its identifier (at most {@link IDENTIFIER_TAIL}
 * characters), quotes or spaces, a separator (`=`, `:`, `:=`, `=>`, `>`, `,`, `||`, `?=`) and
 * quotes, spaces or `=` again; -1 when no separator follows.
 */
function valueAfterKeyword(text: string, at: number): number {
  let position = at + runLength(text, at, IDENTIFIER, IDENTIFIER_TAIL);
  position += runLength(text, position, QUOTE_OR_SPACE, 8);
  const code = text.charCodeAt(position);
  if (code === 61 /* = */ || code === 62 /* > */ || code === 44 /* , */) position++;
  else if (code === 58 /* : */) position += text.charCodeAt(position + 1) === 61 ? 2 : 1;
  else if (code === 124 /* | */ && text.charCodeAt(position + 1) === 124) position += 2;
  else if (code === 63 /* ? */ && text.charCodeAt(position + 1) === 61) position += 2;
  else return -1;
  if (text.charCodeAt(position) === 62 /* => */) position++;
  return position + runLength(text, position, AFTER_SEPARATOR, 10);
}

/** A token cut short by a length limit (`…[truncated 120]` follows, or the text ends) still counts from this many characters. */
const TRUNCATED_TOKEN_MIN = 16;
/** A prefix this long (`github_pat_`, `glpat-`) names its format even glued to a word and cut short. */
const DISTINCTIVE_PREFIX = 5;
/**
 * After a prefix with a separator in it (`ghp_`, `xoxb-`, `glpat-`), a token cut short counts from
 * this many characters: an attribute length limit (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) cuts without a
 * mark, and no 8-character piece of a token may go out. Letters-only prefixes keep
 * {@link TRUNCATED_TOKEN_MIN}: `00D` (Salesforce) and `EAAA` (Meta) end upper-case UUIDs
 * (`…-00DAB61DA3C4`) a few times in a hundred thousand.
 */
const SEPARATED_PREFIX_CUT_SHORT_MIN = 8;

function cutShortMinimum(prefix: string): number {
  return prefix.length >= 4 && /[_-]/.test(prefix) ? SEPARATED_PREFIX_CUT_SHORT_MIN : TRUNCATED_TOKEN_MIN;
}
const ELLIPSIS = 0x2026;

// The last maximal run found per charset: a format whose literal recurs inside its own value's run
// (`aiven=+aiven=+…`, every character base64) would otherwise read up to its bound at each one.
// Typed slots, not objects: hostile text finds a new run at every literal (`ghp_` repeated).
const runCacheText: (string | undefined)[] = CHARSET_NAMES.map(() => undefined);
const runCacheFrom = new Int32Array(CHARSET_NAMES.length);
const runCacheTo = new Int32Array(CHARSET_NAMES.length);

/** Where the run of `run`'s characters that contains `position` ends (`position` itself if none). */
function maximalRunEnd(text: string, position: number, run: CompiledRun): number {
  const slot = run.charset;
  if (runCacheText[slot] === text && position >= runCacheFrom[slot]! && position < runCacheTo[slot]!) {
    return runCacheTo[slot]!;
  }
  const to = position + runLength(text, position, run.set, text.length - position);
  if (to > position) {
    runCacheText[slot] = text;
    runCacheFrom[slot] = position;
    runCacheTo[slot] = to;
  }
  return to;
}

// The last run of lead characters read backwards, per charset: `[leadFrom, leadTo)` is all of the
// charset and starts where the run does. A prefix that recurs inside its own lead's run (`_mmk`
// repeated, `_` being a lead character) would otherwise read the lead's bound back at each one.
const leadCacheText: (string | undefined)[] = CHARSET_NAMES.map(() => undefined);
const leadFrom = new Int32Array(CHARSET_NAMES.length);
const leadTo = new Int32Array(CHARSET_NAMES.length);

/** Where the run of `run`'s characters that ends at `position` starts (`position` itself if none). */
function leadRunStart(text: string, position: number, run: CompiledRun): number {
  const slot = run.charset;
  let readFrom = 0;
  if (leadCacheText[slot] === text && position >= leadFrom[slot]!) {
    if (position <= leadTo[slot]!) return leadFrom[slot]!;
    // The cached run goes on up to `position` if nothing between breaks it.
    let at = leadTo[slot]!;
    while (at < position && inSet(run.set, text.charCodeAt(at))) at++;
    if (at === position) {
      leadTo[slot] = position;
      return leadFrom[slot]!;
    }
    readFrom = at;
  }
  let start = position;
  while (start > readFrom && inSet(run.set, text.charCodeAt(start - 1))) start--;
  leadCacheText[slot] = text;
  leadFrom[slot] = start;
  leadTo[slot] = position;
  return start;
}

/** Whether the text is cut at `position`: it ends there, or a truncation mark follows (after half an escape, `%2…`). */
function isCut(text: string, position: number): boolean {
  let at = position;
  if (text.charCodeAt(at) === 37 /* % */) {
    at++;
    if (inSet(SETS.anyHex, text.charCodeAt(at))) at++;
  }
  return at === text.length || text.charCodeAt(at) === ELLIPSIS;
}

/** Whether the last {@link bodyEnd} that matched found a token cut short. */
let bodyCutShort = false;

/**
 * End of `body` matched at `at`, or -1. Runs are greedy and never give characters back. A body that
 * stops short where the text ends or a truncation mark (`…`) starts is a token cut short: it ends
 * there if at least `cutShortMin` of its characters are present.
 */
function bodyEnd(text: string, at: number, body: readonly (string | CompiledRun)[], cutShortMin: number): number {
  bodyCutShort = false;
  let position = at;
  for (let index = 0; index < body.length; index++) {
    const segment = body[index]!;
    let matched: boolean;
    if (typeof segment === 'string') {
      matched = spelledAt(text, position, segment);
      if (matched) {
        position += segment.length;
      } else {
        // What is there must begin the segment (a token cut short inside it).
        const present = runLength(text, position, PRINTABLE, segment.length);
        if (!spelledAt(text, position, segment, present)) return -1;
        position += present;
      }
    } else {
      const length = Math.min(maximalRunEnd(text, position, segment) - position, segment.max);
      matched = length >= segment.min;
      position += length;
    }
    if (!matched) {
      bodyCutShort = position - at >= cutShortMin && isCut(text, position);
      return bodyCutShort ? position : -1;
    }
  }
  return position;
}

/** Start and end of a format's token whose literal is at `at`, or undefined. */
function matchFormat(
  text: string,
  at: number,
  entry: Extract<Entry, { kind: 'format' }>,
): [number, number] | undefined {
  let start = at;
  let bodyStart: number;
  if (entry.keyword) {
    bodyStart = valueAfterKeyword(text, at + entry.literal.length);
    if (bodyStart < 0) return undefined;
    start = bodyStart;
  } else {
    if (!spelledAt(text, at, entry.literal)) return undefined;
    bodyStart = at + entry.literal.length;
    if (entry.lead !== undefined) {
      // Most literals in hostile text (`:AA` repeated) have no lead character before them at all.
      if (entry.lead.min > 0 && (at === 0 || !inSet(entry.lead.set, text.charCodeAt(at - 1)))) return undefined;
      const length = Math.min(start - leadRunStart(text, start, entry.lead), entry.lead.max + 64);
      if (length < entry.lead.min) return undefined;
      start -= length;
    }
  }
  if ((entry.format.wordStart || entry.keyword) && start > 0 && inSet(ALNUM, text.charCodeAt(start - 1))) {
    return undefined;
  }
  let end = bodyEnd(text, bodyStart, entry.body, entry.cutShortMin);
  // A `+` before a keyword's value was read as a form-encoded space; base64 values can start with one.
  if (end < 0 && entry.keyword && text.charCodeAt(bodyStart - 1) === 43 /* + */) {
    end = bodyEnd(text, bodyStart - 1, entry.body, entry.cutShortMin);
    if (end >= 0) start = bodyStart - 1;
  }
  if (end < 0) return undefined;
  // A token cut short is weaker evidence than a whole one: glued to a word before it and behind a
  // short prefix, it is the end of a name (`task_kewyaphx_…`: a prefix, then identifier characters
  // to the end of the text; about one random identifier in 7,000 of the benign corpus spelled one).
  const gluedCutShort = bodyCutShort && start > 0 && inSet(ALNUM, text.charCodeAt(start - 1));
  if (gluedCutShort && entry.literal.length < DISTINCTIVE_PREFIX) return undefined;
  // Not `body[length - 1]` on an empty body (a format that is all lead, `…_mmk`): index -1 is a
  // property lookup through the prototype chain, slow at every occurrence.
  const last = entry.body.length > 0 ? entry.body[entry.body.length - 1] : undefined;
  if (entry.keyword) {
    // A keyword's value is the whole of the next token, or not this format.
    if (end < text.length && inSet(ALNUM, text.charCodeAt(end))) return undefined;
  } else if (entry.format.wordEnd) {
    if (end < text.length && inSet(WORD, text.charCodeAt(end))) return undefined;
  } else if (last !== undefined && typeof last !== 'string') {
    // Longer than the format allows: still one token, masked whole. The run was read to its end
    // already (and is cached): a prefix that recurs inside it (`md-md-md-…`) reads nothing again.
    end = Math.min(maximalRunEnd(text, end, last), end + MAX_EXTENSION);
  }
  if (entry.keywords !== undefined && !keywordBefore(text, start, entry.keywords)) return undefined;
  return [start, end];
}

// What follows up to the scan itself is the state of the scan under way. It is the module's, like
// the run caches: a scan runs to its end without calling out, so no two interleave, and the functions
// are the module's too, compiled once for every scanner (a process has one per redactor: PII mode on
// and off, the winston formatter's own rules).

/** Counts scans: a format's keyword search from an earlier one is stale. */
let scanNumber = 0;

/** Whether one of the search's keywords ends within {@link KEYWORD_LOOKBEHIND} characters before `start`. */
function keywordBefore(text: string, start: number, search: KeywordSearch): boolean {
  const from = Math.max(0, start - KEYWORD_LOOKBEHIND);
  if (search.scan !== scanNumber || from < search.from || (search.at >= 0 && search.at < from)) {
    search.pattern.lastIndex = from;
    const found = search.pattern.exec(text);
    search.scan = scanNumber;
    search.from = from;
    search.at = found === null ? -1 : found.index;
    search.end = found === null ? -1 : found.index + found[0].length;
  }
  // None from the window's start on, or the first one starts at or after `start`: none ends before it.
  if (search.at < 0 || search.at >= start) return false;
  if (search.end <= start) return true;
  // The first one runs past `start`; a shorter keyword inside it may still end before.
  const before = text.slice(from, start).toLowerCase();
  return search.keywords.some((keyword) => before.includes(keyword));
}

// The maximal runs of token characters last looked at, and whether each was judged not random: a
// keyword inside a long run (`key_key_key…`) must not read the run again, or hostile input costs
// the run's length per keyword; nor must keywords whose windows share runs (`token=…=token=…`,
// each window reaching three runs). Each run is read once, its letter cases and digits noted on
// the way (`runClasses`): a run without both cases is no token, and neither is any suffix of it.
// Reset by every scan.
const RECENT_RUNS = 4;
/** Where the last window after a keyword started (a window that found a token ends the literal's search). */
let lastWindowStart = -1;
const runFrom = new Int32Array(RECENT_RUNS);
const runTo = new Int32Array(RECENT_RUNS);
/** 0: not judged; {@link REJECTED}; {@link REJECTED_AT_START}. */
const runRejected = new Uint8Array(RECENT_RUNS);
/** Judged not random: so is every suffix of it a later window sees. */
const REJECTED = 1;
/** Turned down for its first character (`/`, `.`): a suffix is judged on its own. */
const REJECTED_AT_START = 2;
const runClasses = new Uint8Array(RECENT_RUNS);
let oldestRun = 0;

/** The slot of the recent run that holds `position`, read now if none does. */
function recentRun(text: string, position: number): number {
  for (let slot = 0; slot < RECENT_RUNS; slot++) {
    if (position >= runFrom[slot]! && position < runTo[slot]!) return slot;
  }
  const slot = oldestRun;
  oldestRun = (oldestRun + 1) % RECENT_RUNS;
  let end = position;
  let classes = 0;
  for (; end < text.length; end++) {
    const code = text.charCodeAt(end);
    if (!inSet(ENTROPY_TOKEN, code)) break;
    classes |= CHARACTER_CLASS[code]!;
  }
  runFrom[slot] = position;
  runTo[slot] = end;
  runClasses[slot] = classes;
  runRejected[slot] = 0;
  return slot;
}

// The next run of token characters long enough to be a token, found by a search that has read up
// to `longRunSearchedTo`: windows start further on at every keyword, so the text between them is
// read once, and a window with no such run in reach is dismissed without being walked
// (`api_key%3D%22` repeated: a 40-character window every 13 characters, in the raw and decoded text).
let longRunFrom = 0;
let longRunTo = 0;
let longRunSearchedTo = 0;

/** Whether a run of at least {@link ENTROPY_TOKEN_MIN} token characters starts in `[from, to)` or goes on through `from`. */
function longRunWithin(text: string, from: number, to: number): boolean {
  if (longRunTo - Math.max(longRunFrom, from) >= ENTROPY_TOKEN_MIN) return Math.max(longRunFrom, from) < to;
  let position = Math.max(longRunSearchedTo, longRunTo, from);
  while (position < to) {
    if (!inSet(ENTROPY_TOKEN, text.charCodeAt(position))) {
      position++;
      continue;
    }
    const end = position + runLength(text, position, ENTROPY_TOKEN, text.length - position);
    if (end - position >= ENTROPY_TOKEN_MIN) {
      longRunFrom = position;
      longRunTo = longRunSearchedTo = end;
      return true;
    }
    position = end;
  }
  longRunSearchedTo = position;
  return false;
}

/** Whether our own replacement (`[REDACTED`, `[REDACTED:…]`) starts at `at`: text redacted once already. */
function isReplacementAt(text: string, at: number): boolean {
  return spelledAt(text, at, CENSORED_PREFIX);
}

/**
 * Where the value assigned to a keyword starts when a separator follows the keyword's identifier
 * (`=`, `:`, `:=`, `==`, `=>`, `->`, and `>` of `<token>…`, with quotes and spaces around it), or -1
 * (`the token is …`).
 */
function assignedValueAt(text: string, at: number): number {
  let position = at + runLength(text, at, KEY_TAIL, IDENTIFIER_TAIL);
  position += runLength(text, position, QUOTE_OR_SPACE, 8);
  const code = text.charCodeAt(position);
  const next = text.charCodeAt(position + 1);
  if (code === 61 /* = */ || code === 58 /* : */) position += next === 61 || next === 62 ? 2 : 1;
  else if (code === 62 /* > */) position++;
  else if (code === 45 /* - */ && next === 62) position += 2;
  else return -1;
  return position + runLength(text, position, SPACE, 8);
}

/**
 * A high-entropy token among the first few words after a credential keyword at `at` (`the token
 * is …`, `secret: "…"`), within a short window that ends at the next parameter, statement or line.
 * After an assignment (`password=…`, `"secret": "…"`), a value at least as long as a token ends the
 * window where it ends, random or not (a password without a digit): the next word is not its value
 * (`password=%s for %s`, the user name in the second place).
 */
function matchAfterKeyword(text: string, at: number, literal: string): [number, number] | undefined {
  // The keyword is a word or a camelCase part (`token:`, `API_KEY=`, `accessToken`), not inside
  // one (`tokens`, `monkey`, `…dKEY+…` in base64).
  if (inSet(ALNUM, text.charCodeAt(at + literal.length)) || !startsWord(text, at, literal.length)) return undefined;
  if (gluedToBase64(text, at)) return undefined;
  let position = at + literal.length;
  // A keyword that ends another (`key` in `api_key`) has the same window: read once.
  if (position === lastWindowStart) return undefined;
  lastWindowStart = position;
  // The key of a subscript (`$config['password'] = …`, `os.environ["API_KEY"] = …`) ends at its
  // closing quote and bracket: what is assigned after them is the keyword's.
  const keyQuoteAt = position + runLength(text, position, BACKSLASH, 8);
  const keyQuote = text.charCodeAt(keyQuoteAt);
  if ((keyQuote === 34 /* " */ || keyQuote === 39) /* ' */ && text.charCodeAt(keyQuoteAt + 1) === 93 /* ] */)
    position = keyQuoteAt + 1;
  // A path segment after a keyword (`/reset-password/<token>`, `/api/token/<token>`): the slash
  // separates, though base64 makes it a token character everywhere else. The bracket of a form
  // field's key (`data[key]=…`) is no end of the window.
  const first = text.charCodeAt(position);
  if (first === 47 /* / */ || first === 93 /* ] */) position++;
  const windowEnd = Math.min(text.length, position + ENTROPY_WINDOW);
  if (!longRunWithin(text, position, windowEnd)) return undefined;
  if (first === 47 /* / */) {
    // The segment is judged on its own, whatever its run was found to be: a path without a scheme
    // (`app.example.test/account/reset-password/<token>`) is no token as a whole, and an earlier
    // keyword's window (`password reset link: app.…`) may have turned the run down already. Only
    // the one keyword that ends at its slash reads a segment: each is read once. A random segment
    // takes the rest of its run with it, as a token judged whole does: a slash is a base64 character.
    const segmentEnd = pathSegmentEnd(text, position);
    const length = segmentEnd - position;
    if (
      length >= ENTROPY_TOKEN_MIN &&
      length <= ENTROPY_TOKEN_MAX &&
      (looksRandom(text, position, segmentEnd, ENTROPY_MIN_BITS, false) || isHexToken(text, position, segmentEnd))
    ) {
      const runEnd = runTo[recentRun(text, position)]!;
      const end = runEnd - position <= ENTROPY_TOKEN_MAX ? runEnd : segmentEnd;
      return [position, end + runLength(text, end, PADDING, 2)];
    }
  }
  // Where the value assigned to the keyword starts, if any (inside its quotes, escaped JSON quotes
  // too: `\"secret\": \"…\"`), and the quote that ends it (0: unquoted, a space ends it).
  let valueFrom = assignedValueAt(text, position);
  let quote = 0;
  if (valueFrom >= 0) {
    const open = valueFrom + runLength(text, valueFrom, BACKSLASH, 8);
    const code = text.charCodeAt(open);
    if (code === 34 /* " */ || code === 39 /* ' */ || code === 96 /* ` */) [quote, valueFrom] = [code, open + 1];
  }
  for (let words = 0; position < windowEnd && words < ENTROPY_WORDS;) {
    const code = text.charCodeAt(position);
    if (inSet(WINDOW_END, code) || (code === 91 /* [ */ && isReplacementAt(text, position))) return undefined;
    // The end of the assigned value: one as long as a token is the value, and the words after it
    // are not (`password=%s for %s`); after a shorter one they are read on (`token: Bearer …`).
    if (valueFrom >= 0 && position >= valueFrom && (quote === 0 ? inSet(SPACE, code) : code === quote)) {
      if (position - valueFrom >= ENTROPY_TOKEN_MIN) return undefined;
      valueFrom = -1;
    }
    // A percent-escape (`token%3D…`) separates like the character it stands for.
    if (
      code === 37 /* % */ &&
      inSet(SETS.anyHex, text.charCodeAt(position + 1)) &&
      inSet(SETS.anyHex, text.charCodeAt(position + 2))
    ) {
      position += 3;
      continue;
    }
    if (!inSet(ENTROPY_TOKEN, code)) {
      position++;
      continue;
    }
    words++;
    const run = recentRun(text, position);
    const end = runTo[run]!;
    const length = end - position;
    const rejected = runRejected[run]!;
    // A run judged from where it starts is judged again from a window that starts inside it, if it
    // was turned down for its first character: the rest of `/reset-password/<token>` is no path.
    const judge = rejected === 0 || (rejected === REJECTED_AT_START && position > runFrom[run]!);
    if (judge && length >= ENTROPY_TOKEN_MIN && length <= ENTROPY_TOKEN_MAX) {
      // base64 padding belongs to the token.
      if (
        (rejected !== 0 || (runClasses[run]! & BOTH_CASES) === BOTH_CASES) &&
        looksRandom(text, position, end, ENTROPY_MIN_BITS, false) &&
        !readsAsWords(text, position, end)
      )
        return withDoubledQuotes(text, position, end + runLength(text, end, PADDING, 2));
      // A later keyword in the same run sees a suffix of it: no more random than the whole, unless
      // the whole was turned down for its first character (a path, a dotted name).
      const start = text.charCodeAt(position);
      runRejected[run] = start === 47 /* / */ || start === 46 /* . */ ? REJECTED_AT_START : REJECTED;
      runFrom[run] = position;
    }
    position = end;
  }
  return undefined;
}

/**
 * Quote characters taken with a token on either side, at most: a password starts or ends with a quote
 * or two, and each of several keywords whose windows find the same token reads its quotes again (a
 * run of them to the end of the text would be read once per keyword).
 */
const DOUBLED_QUOTES_MAX = 8;

/**
 * A token with the quotes doubled right before and after it: in an SQL literal (`WITH PASSWORD
 * '''…'''`, the password `'…'`) they are the value's own quotes, and kept they told how it starts
 * and ends. The literal's own opening and closing quotes stay.
 */
function withDoubledQuotes(text: string, start: number, end: number): [number, number] {
  let from = start;
  while (
    start - from < DOUBLED_QUOTES_MAX &&
    from >= 2 &&
    text.charCodeAt(from - 1) === 39 /* ' */ &&
    text.charCodeAt(from - 2) === 39
  ) {
    from -= 2;
  }
  let to = end;
  while (to - end < DOUBLED_QUOTES_MAX && text.charCodeAt(to) === 39 && text.charCodeAt(to + 1) === 39) to += 2;
  return [from, to];
}

/** Where the path segment from `start` ends: at a slash or past its token characters, read up to one past the longest token. */
function pathSegmentEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + ENTROPY_TOKEN_MAX + 1);
  let end = start;
  while (end < limit) {
    const code = text.charCodeAt(end);
    if (code === 47 /* / */ || !inSet(ENTROPY_TOKEN, code)) break;
    end++;
  }
  return end;
}

/** What a scanner is made of: its literals, their entries and the automaton that finds them. */
interface ScanTables {
  readonly literals: readonly string[];
  readonly entriesOf: readonly (readonly Entry[])[];
  readonly next: Int32Array;
  readonly classes: number;
  readonly classOf: Uint8Array;
  readonly firstEndingState: number;
  readonly endings: readonly (readonly number[])[];
  readonly ends: Uint8Array;
  readonly endCase: Uint8Array;
  readonly endLength: Int32Array;
  readonly endFirst: Int32Array;
  readonly endLast: Int32Array;
}

/**
 * From this length a string is copied before the scan. V8 keeps substrings and concatenations as
 * views of other strings, and reads a view a character at a time at about twice the cost of a
 * sequential string; the scan reads hostile text several times per character, so a 32 KB view
 * scanned 15% slower than the copy (which costs about 0.4 ns a character). Shorter strings, the
 * attributes of every request, are scanned as they are.
 */
const SEQUENTIAL_COPY_MIN = 4096;

// The last secret found: a literal that starts where it does or before it (a format whose literal
// ends after a generic detector's keyword or separator) is tried as any other. Inside a format's
// token, every literal is part of it (the format read its whole run); inside a generic detector's,
// only a format can add to it (`ci_AIza…` found as a provider-prefixed run up to the first `_` of the
// key, `AIza…` running on past it).
let coveredFrom = 0;
let coveredUntil = 0;
let coveredByFormat = false;
// The last lower-case and upper-case letters before `caseReadUntil`, read only for exact endings.
let caseReadUntil = 0;
let lastLower = -1;
let lastUpper = -1;

function scanText(tables: ScanTables, given: string, ranges: number[]): number[] {
  // UTF-16 both ways: every code unit as it was, lone surrogates too, so offsets hold.
  const text = given.length >= SEQUENTIAL_COPY_MIN ? Buffer.from(given, 'utf16le').toString('utf16le') : given;
  scanNumber++;
  runFrom.fill(0);
  runTo.fill(0);
  lastWindowStart = -1;
  longRunFrom = longRunTo = longRunSearchedTo = 0;
  coveredFrom = coveredUntil = caseReadUntil = 0;
  coveredByFormat = false;
  lastLower = lastUpper = -1;
  // The loop over every character stays small; what a literal's ending asks is out of line.
  const { next, classes, classOf, firstEndingState, ends } = tables;
  let state = 0;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    state = next[state + classOf[code]!]!;
    if (state >= firstEndingState) {
      const row = (state / classes) | 0;
      if (ends[row] !== 0) tryEndingLiterals(tables, text, position, row, ranges);
    }
    if ((code === 95 /* _ */ || code === 45) /* - */ && (position < coveredFrom || position >= coveredUntil)) {
      const found = providerToken(text, position);
      if (found !== undefined) {
        addRange(ranges, found[0], found[1]);
        [coveredFrom, coveredUntil] = found;
        coveredByFormat = false;
      }
    }
  }
  // The caches hold the text: nothing of it may outlive the scan.
  runCacheText.fill(undefined);
  leadCacheText.fill(undefined);
  return normalizeRanges(ranges);
}

/** Tries the entries of the literals that end at `position` (automaton row `row`), adding what one finds. */
function tryEndingLiterals(tables: ScanTables, text: string, position: number, row: number, ranges: number[]): void {
  const ending = tables.ends[row]!;
  if (ending >= 2) {
    const start = position - tables.endLength[row]! + 1;
    const dismissed =
      (ending === 3 &&
        (text.charCodeAt(position) !== tables.endLast[row] || text.charCodeAt(start) !== tables.endFirst[row])) ||
      (coveredByFormat && start > coveredFrom && start < coveredUntil);
    if (dismissed) return;
    if (ending === 3 && tables.endCase[row] !== 0) {
      // Locals in the loop: the module's variables are context slots, a load and a store each.
      let lower = lastLower;
      let upper = lastUpper;
      for (let index = Math.max(caseReadUntil, start); index <= position; index++) {
        const letter = text.charCodeAt(index);
        if (letter >= 97 && letter <= 122) lower = index;
        else if (letter >= 65 && letter <= 90) upper = index;
      }
      lastLower = lower;
      lastUpper = upper;
      caseReadUntil = position + 1;
      if ((tables.endCase[row] === 1 ? lastLower : lastUpper) >= start) return;
    }
  }
  // Indexed loops: V8 does not inline the iterators of `for…of` in a function this size.
  const rowLiterals = tables.endings[row]!;
  for (let literalIndex = 0; literalIndex < rowLiterals.length; literalIndex++) {
    const literal = rowLiterals[literalIndex]!;
    const start = position - tables.literals[literal]!.length + 1;
    const covered = start > coveredFrom && start < coveredUntil;
    if (covered && coveredByFormat) continue;
    let matched: [number, number] | undefined;
    let byFormat = false;
    const literalEntries = tables.entriesOf[literal]!;
    for (let entryIndex = 0; entryIndex < literalEntries.length; entryIndex++) {
      const entry = literalEntries[entryIndex]!;
      if (covered && entry.kind !== 'format') break;
      byFormat = entry.kind === 'format';
      matched = byFormat
        ? matchFormat(text, start, entry as Extract<Entry, { kind: 'format' }>)
        : entry.kind === 'sql'
          ? sqlPasswordLiteral(text, start)
          : matchAfterKeyword(text, start, entry.literal);
      if (matched !== undefined) break;
    }
    if (matched !== undefined) {
      addRange(ranges, matched[0], matched[1]);
      if (!covered) coveredFrom = matched[0];
      coveredUntil = Math.max(covered ? coveredUntil : 0, matched[1]);
      coveredByFormat = byFormat;
      return;
    }
  }
}

const ENTRY_ORDER: Record<Entry['kind'], number> = { format: 0, sql: 1, entropy: 2 };

/** {@link SQL_PASSWORD_LITERAL_SOURCES}, anchored where their keyword starts. */
const SQL_PASSWORD_LITERALS = SQL_PASSWORD_LITERAL_SOURCES.map((source) => new RegExp(source, 'y'));

/** The inside of an SQL password literal after the keyword at `at` (`WITH PASSWORD '…'`), or undefined. */
function sqlPasswordLiteral(text: string, at: number): [number, number] | undefined {
  for (const pattern of SQL_PASSWORD_LITERALS) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match !== null) {
      const start = at + match[1]!.length;
      return [start, start + match[2]!.length];
    }
  }
  return undefined;
}

export function createCredentialScanner(formats: readonly CredentialFormat[]): CredentialScanner {
  const entries: Entry[] = [
    ...formats.flatMap(formatEntries),
    ...SQL_PASSWORD_KEYWORDS.map((literal): Entry => ({ kind: 'sql', literal })),
    ...CREDENTIAL_KEYWORDS.map((literal): Entry => ({ kind: 'entropy', literal })),
  ];
  // One automaton state per folded literal; its entries in the order they are tried: formats (longer
  // literals are tried first by the automaton's endings), the SQL password literal, then the generic
  // keyword detector.
  const literals = [...new Set(entries.map((entry) => entry.literal.toLowerCase()))];
  const entriesOf = literals.map((literal) =>
    entries
      .filter((entry) => entry.literal.toLowerCase() === literal)
      .sort((a, b) => ENTRY_ORDER[a.kind] - ENTRY_ORDER[b.kind]),
  );
  const automaton = buildLiteralAutomaton(literals);
  const { next, classes, classOf, firstEndingState, endings } = automaton;
  // The automaton folds case, so a case-sensitive prefix "ends" wherever its letters do in any case:
  // `AAAAAAAAAAAAAAAAAAAAA` (X bearer tokens) at every character of a run of `a`. A state where one
  // literal ends keeps that literal's length and, when every entry spells it the same case-sensitive
  // way, its first and last characters: compared exactly, they dismiss such an ending, and one inside
  // a format's token is dismissed too, both before anything is looked up. 0: no literal ends there;
  // 1: several do; 2: one does, in any case; 3: one does, spelled exactly. An exact literal whose
  // letters are all one case (`endCase`: 1 upper, 2 lower, 0 mixed or none) is
  // dismissed by the last letter of the other case in the text, found in one forward pass however
  // many endings overlap (`AAAAAAAAAAAAAAAAAAAAa` repeated would compare 21 characters per position).
  const ends = new Uint8Array(endings.length);
  const endCase = new Uint8Array(endings.length);
  const endLength = new Int32Array(endings.length);
  const endFirst = new Int32Array(endings.length);
  const endLast = new Int32Array(endings.length);
  endings.forEach((list, row) => {
    if (list.length !== 1) {
      ends[row] = list.length === 0 ? 0 : 1;
      return;
    }
    const entries = entriesOf[list[0]!]!;
    const literal = entries[0]!.literal;
    const exact = entries.every((entry) => entry.kind === 'format' && !entry.keyword && entry.literal === literal);
    ends[row] = exact ? 3 : 2;
    endLength[row] = literal.length;
    endFirst[row] = literal.charCodeAt(0);
    endLast[row] = literal.charCodeAt(literal.length - 1);
    const [lower, upper] = [/[a-z]/.test(literal), /[A-Z]/.test(literal)];
    endCase[row] = lower === upper ? 0 : upper ? 1 : 2;
  });

  const tables: ScanTables = {
    literals,
    entriesOf,
    next,
    classes,
    classOf,
    firstEndingState,
    endings,
    ends,
    endCase,
    endLength,
    endFirst,
    endLast,
  };
  return { scan: (text, ranges = []) => scanText(tables, text, ranges) };
}

/** How often each character occurs in the run {@link looksRandom} reads; zeroed again before it returns. */
const characterCounts = new Uint16Array(65536);
/**
 * `count × log2(count)` for every count a run can have (runs after keywords and provider prefixes are
 * bounded): the entropy sum takes a lookup per distinct character, not a logarithm.
 */
const COUNT_LOG2 = Float64Array.from({ length: Math.max(ENTROPY_TOKEN_MAX, PROVIDER_TOKEN_MAX) + 1 }, (_, count) =>
  count === 0 ? 0 : count * Math.log2(count),
);

/**
 * Random-looking: both cases, and digits where `needsDigit` (a provider's token, which no keyword
 * vouches for), and a Shannon entropy of at least `minBits` bits per character, log2(n) − Σ
 * count·log2(count) / n over a run of n; not a path. Without a digit, a run whose every lower-case
 * run has three letters or more is a name made of words (`refreshAccessToken`,
 * `XMLHttpRequestUpload`, `Confirm-Your-Account`), not a token: random letters have a run of one
 * or two lower-case letters somewhere, all but about one 16-character draw in 200. Two passes over
 * the run, whatever it holds (a third over a run without a digit, or with slashes enough for a
 * path): hostile text has a run after every keyword.
 */
function looksRandom(text: string, start: number, end: number, minBits: number, needsDigit: boolean): boolean {
  const first = text.charCodeAt(start);
  // A dotted name (`.example.com`) mixes cases too.
  if (first === 46 /* . */) return false;
  let slashes = 0;
  let classes = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code === 47) slashes++;
    else if (code < 128) classes |= CHARACTER_CLASS[code]!;
    characterCounts[code]!++;
  }
  // Each distinct character's term once: its count is zeroed when it is first added.
  let weighted = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    weighted += COUNT_LOG2[characterCounts[code]!]!;
    characterCounts[code] = 0;
  }
  const length = end - start;
  if ((classes & BOTH_CASES) !== BOTH_CASES || Math.log2(length) - weighted / length < minBits) return false;
  if (classes !== MIXED_CLASSES && (needsDigit || lowerCaseRunsAreWords(text, start, end))) return false;
  // A path mixes cases and digits too (`/api/v1/Users/Profile123`): a run that starts with a slash
  // or holds more than two is one when a segment is a word. Base64's own slashes (one character in
  // 64) separate random pieces, which are words by chance only when very short.
  return (first !== 47 && slashes <= 2) || !hasWordSegment(text, start, end);
}

/** Digits an identifier made of words has at most (`OAuth2Client`, `V1Beta1`, `Sha256`). */
const IDENTIFIER_DIGITS_MAX = 4;
/** Share of an identifier's letters and digits that are in its words. */
const IDENTIFIER_WORD_SHARE = 0.7;
/** Consonants in a row that no word has (`Strength` has four). */
const WORD_CONSONANTS_MAX = 4;
const VOWEL = membership('aeiouy');

/**
 * Whether a run reads as an identifier made of words (`OAuth2Client.refreshAccessToken`,
 * `HttpClient2Factory`, `Argon2id.hashPassword`, `UserAccountV2`), which mixes cases and digits as a
 * random token does and, with enough distinct letters, has its entropy: at most
 * {@link IDENTIFIER_DIGITS_MAX} digits, and two words or more holding at least
 * {@link IDENTIFIER_WORD_SHARE} of its letters and digits, a word being a capital or none, then
 * three lower-case letters or more with a vowel (`y` too) and no five consonants in a row. Random
 * base64 has such runs of lower case by chance only: about one random token in 6,000 of 16 to 64
 * characters reads so (51 of 300,000 measured) and is kept. One pass, on a run already found random only.
 */
function readsAsWords(text: string, start: number, end: number): boolean {
  let alphanumerics = 0;
  let digits = 0;
  let inWords = 0;
  let words = 0;
  for (let index = start; index < end;) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      if (++digits > IDENTIFIER_DIGITS_MAX) return false;
      alphanumerics++;
      index++;
      continue;
    }
    const capital = isUpper(code);
    if (!capital && !isLower(code)) {
      index++;
      continue;
    }
    const wordStart = index;
    if (capital) index++;
    const lowerStart = index;
    let vowels = 0;
    let consonants = 0;
    let mostConsonants = 0;
    for (; index < end && isLower(text.charCodeAt(index)); index++) {
      if (inSet(VOWEL, text.charCodeAt(index))) {
        vowels++;
        consonants = 0;
      } else {
        mostConsonants = Math.max(mostConsonants, ++consonants);
      }
    }
    alphanumerics += index - wordStart;
    if (index - lowerStart >= 3 && vowels > 0 && mostConsonants <= WORD_CONSONANTS_MAX) {
      words++;
      inWords += index - wordStart;
    }
  }
  return words >= 2 && inWords >= IDENTIFIER_WORD_SHARE * alphanumerics;
}

const SHORT_WORD_SET = new Set(SHORT_WORDS);

/**
 * Whether `[start, end)` (letters and other token characters, no digit) has the shape of a name made
 * of words: every run of lower-case letters is a word with the capital before it, three letters or
 * more (`Api`, `Token`, `refresh`), or one of {@link SHORT_WORDS} (`ById`, `isValid`, `-my-`).
 * Random letters have a lone lower-case letter, or two after no capital, somewhere: about one
 * 16-letter draw in 12 has none (one in 100 of 32). The Collector's path-segment rule says the same.
 */
function lowerCaseRunsAreWords(text: string, start: number, end: number): boolean {
  for (let index = start; index < end;) {
    if (!isLower(text.charCodeAt(index))) {
      index++;
      continue;
    }
    const runStart = index;
    while (index < end && isLower(text.charCodeAt(index))) index++;
    const length = index - runStart;
    if (length >= 3) continue;
    const capital = runStart > start && isUpper(text.charCodeAt(runStart - 1));
    const word = text.slice(capital ? runStart - 1 : runStart, index).toLowerCase();
    if (capital ? length === 1 && !SHORT_WORD_SET.has(word) : length === 1 || !SHORT_WORD_SET.has(word)) return false;
  }
  return true;
}

/**
 * Hex of {@link HEX_TOKEN_MIN} characters or more in one case: a token in a path segment after a
 * keyword (`/reset-password/<crypto.randomBytes(32).toString('hex')>`), where a shorter hash or id
 * (a git short SHA) stays. Only there: in prose, content hashes and trace ids look the same.
 */
function isHexToken(text: string, start: number, end: number): boolean {
  if (end - start < HEX_TOKEN_MIN) return false;
  const hex = inSet(SETS.hex, text.charCodeAt(start)) ? SETS.hex : SETS.upperHex;
  for (let index = start; index < end; index++) if (!inSet(hex, text.charCodeAt(index))) return false;
  return true;
}

/** Whether a `/`-separated segment of the run is a word of three letters or more, lower case or capitalised (`api`, `Users`). */
function hasWordSegment(text: string, start: number, end: number): boolean {
  let segmentStart = start;
  for (let index = start; index <= end; index++) {
    if (index < end && text.charCodeAt(index) !== 47 /* / */) continue;
    if (index - segmentStart >= 3 && isWord(text, segmentStart, index)) return true;
    segmentStart = index + 1;
  }
  return false;
}

function isWord(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return false;
  for (let index = start + 1; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < 97 || code > 122) return false;
  }
  return true;
}

/** One or two lower-case words before a token: `acme_`, `acme_live_`, `acme-prod-`. */
const PROVIDER_PREFIX = /^[a-z][a-z0-9]{1,11}(?:[_-][a-z][a-z0-9]{1,11})?$/;
const PROVIDER_PREFIX_CHARACTERS = membership('a-z0-9_-');

/**
 * One or two lower-case words then `_` or `-` (at `separator`) and a random alphanumeric run of at
 * least {@link PROVIDER_TOKEN_MIN} characters: the shape most providers give their tokens
 * (`xxx_live_…`, `acme-…`), also for providers not in the catalogue.
 */
function providerToken(text: string, separator: number): [number, number] | undefined {
  const runStart = separator + 1;
  // The run's first and last required characters, read before the run: most `_` and `-` in text
  // (and all of them in hostile text, `key-` repeated) start no long alphanumeric run.
  if (!inSet(ALNUM, text.charCodeAt(runStart)) || !inSet(ALNUM, text.charCodeAt(separator + PROVIDER_TOKEN_MIN))) {
    return undefined;
  }
  const length = runLength(text, runStart, ALNUM, PROVIDER_TOKEN_MAX + 1);
  if (length < PROVIDER_TOKEN_MIN || length > PROVIDER_TOKEN_MAX) return undefined;
  const end = runStart + length;
  // A run glued to more token characters is part of something longer (base64 data, a path).
  const after = text.charCodeAt(end);
  if (after === 43 /* + */ || after === 47 /* / */ || after === 61 /* = */) return undefined;
  let start = separator;
  while (start > 0 && separator - start < 25 && inSet(PROVIDER_PREFIX_CHARACTERS, text.charCodeAt(start - 1))) start--;
  if (start > 0 && inSet(WORD, text.charCodeAt(start - 1))) return undefined;
  if (!PROVIDER_PREFIX.test(text.slice(start, separator))) return undefined;
  return looksRandom(text, runStart, end, PROVIDER_MIN_BITS, true) ? [start, end] : undefined;
}
