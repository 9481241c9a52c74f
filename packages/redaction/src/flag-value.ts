import { isWhollyCensored } from './censor.js';
import { KEY_CHARACTERS_SOURCE, necessaryKeyLiterals, quotedValue, unquoted } from './key-value.js';
import { escapeRegExp } from './pattern-safety.js';
import { addRange } from './ranges.js';

/**
 * A command line in free text (`mysql -u root --password <s> -h db`, `pg_dump --pwd 'my pass' …`):
 * the argument after an option whose name the key rules call secret, with spaces between, is its
 * value, whatever it looks like, as it is in a command line split in arguments (redactor.ts). The
 * `=` form (`--password=<s>`) is a key=value pair (key-value.ts).
 *
 * An option is one or two dashes and a name (a letter, then key characters), not inside a word
 * (`x--password`), followed by one to eight spaces or tabs. No value, and so nothing masked, when
 * what follows starts with `-` (the next option, `-` for stdin), is our own replacement, or is one
 * of the few words that follow an option's name in prose (`use --password to set it`, `--token is
 * required`: {@link PROSE_WORDS}); nor after an option that takes none (`--no-password`,
 * `--password-stdin`). What a one-letter option means depends on its command (`-p` is a port for
 * ssh, psql and docker, a password for mysql): those that take a password are read after their
 * commands only ({@link addShortOptionRanges}).
 *
 * The value is an argument as a shell reads it: in single or double quotes (escaped ones too, in a
 * JSON string: `\"my pass\"`) up to the closing quote, which stays, through a shell's `'\''` and
 * escaped quotes inside it; unquoted, up to a space, a tab, a line break or a `"` (a JSON string's
 * end), a backslash taking the character after it unless that is a space (`a\"b`; a password
 * ending in a backslash ends there, as in a pair: `pass\ word` keeps `word`). A closing quote glued to
 * more of the argument (`'my pass'word`) takes it, quotes and all; an unclosed quote runs to the end
 * of the line. Each option is read once, from where the last value ended: linear.
 */

/** One or two dashes and a name, after the start of the text or a character that is no key character, then spaces. */
const FLAG = new RegExp(`(^|[^${KEY_CHARACTERS_SOURCE}])(--?[A-Za-z][${KEY_CHARACTERS_SOURCE}]{0,63})[ \\t]{1,8}`, 'g');

/**
 * Options that name a secret and take no value: a negated boolean (`--no-password`), a secret read
 * from stdin (`--password-stdin`); and a name that ends a sentence or a bracket (`set it with
 * --password. Then …`), which no option's name does.
 */
const TAKES_NO_VALUE = /^--?no-|-stdin$|[.\]]$/i;

/**
 * Words that follow an option's name in prose about it (`use --password to set it`, `--password
 * or --password-file`, `the --token flag`), kept as they are: a password that is one of them is
 * not worth the sentences it would cut.
 */
const PROSE_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'can',
  'cannot',
  'for',
  'flag',
  'from',
  'has',
  'if',
  'in',
  'instead',
  'is',
  'may',
  'must',
  'nor',
  'not',
  'of',
  'on',
  'option',
  'or',
  'requires',
  'should',
  'the',
  'to',
  'was',
  'when',
  'will',
  'with',
  'without',
]);

/** A quote that opens a value: bare, or escaped for a JSON string (one to seven backslashes before `"`). */
const OPENING_QUOTE = /'|\\{0,7}"/y;
/** The rest of a line after a quote left open. */
const REST_OF_LINE = /[^\r\n]*/y;

/**
 * A cheap necessary condition for an option naming a secret followed by a space (or by what
 * `after`, a regex class, says: a list element's closing quote): the longest literal of some key
 * glob, the rest of a name and a space or tab (sensitivePairTrigger's shape).
 */
export function sensitiveFlagTrigger(globs: readonly string[], after = '[ \\t]'): RegExp {
  const necessary = necessaryKeyLiterals(globs);
  return new RegExp(`(?:${necessary.map(escapeRegExp).join('|')})[${KEY_CHARACTERS_SOURCE}]{0,64}${after}`, 'i');
}

/** A dash at the start of the text or after a character that is no key character ({@link mayHoldOption}). */
const OPTION_START = new RegExp(`(?:^|[^${KEY_CHARACTERS_SOURCE}])-`);

/**
 * Whether `text` has a dash that starts a word (` --…`, `"-…`), as every option does: most text
 * with dashes has them inside words only (identifiers, dates, paths), and skips the trigger.
 */
export function mayHoldOption(text: string): boolean {
  return OPTION_START.test(text);
}

/** Where an unquoted argument from `start` ends. */
function unquotedEnd(text: string, start: number): number {
  let at = start;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 34 /* " */) break;
    if (code === 92 /* \ */) {
      const next = text.charCodeAt(at + 1);
      at += next === 32 || next === 9 || next === 10 || next === 13 || Number.isNaN(next) ? 1 : 2;
      continue;
    }
    at++;
  }
  return at;
}

/** Where the secret of the argument at `valueStart` starts and ends (`argumentEnd` then holds the end). */
let argumentStart = 0;
let argumentEnd = 0;

/**
 * Reads the argument at `valueStart` into {@link argumentStart} and {@link argumentEnd}; false when
 * it is none to mask: empty, our own replacement, or (unquoted, with `prose` set) a word of
 * {@link PROSE_WORDS}.
 */
function readArgument(text: string, valueStart: number, prose: boolean): boolean {
  OPENING_QUOTE.lastIndex = valueStart;
  const open = OPENING_QUOTE.exec(text)?.[0];
  let start = valueStart;
  let end: number;
  if (open === undefined) {
    end = unquotedEnd(text, valueStart);
    if (prose && PROSE_WORDS.has(text.slice(valueStart, end))) {
      argumentEnd = end;
      return false;
    }
  } else {
    const value = quotedValue(text, valueStart, open);
    if (value === open) {
      // No closing quote on the line: the value runs to its end.
      start = valueStart + open.length;
      REST_OF_LINE.lastIndex = start;
      REST_OF_LINE.test(text);
      end = REST_OF_LINE.lastIndex;
    } else {
      // Inside its quotes, which stay; a value whose pieces ran on past them, or glued to more of the
      // argument after its closing quote (`'my pass'word`, the shell's one word), whole.
      const parts = unquoted(value);
      const closed = valueStart + value.length;
      const glued = unquotedEnd(text, closed);
      if (parts.open === '' || glued > closed) {
        end = Math.max(closed, glued);
      } else {
        start = valueStart + parts.open.length;
        end = start + parts.inner.length;
      }
    }
  }
  argumentStart = start;
  argumentEnd = end;
  return end > start && !isWhollyCensored(text.slice(start, end));
}

/**
 * Adds `[start, end)` of the value after every option in `text` that `isSecretKey` calls secret
 * (its name with its dashes) to `ranges`.
 */
export function addFlagValueRanges(text: string, ranges: number[], isSecretKey: (key: string) => boolean): void {
  FLAG.lastIndex = 0;
  for (let match = FLAG.exec(text); match !== null; match = FLAG.exec(text)) {
    const [whole, before = '', name = ''] = match;
    const nameEnd = match.index + before.length + name.length;
    const valueStart = match.index + whole.length;
    // From the name's end: the spaces after it can be the boundary before the next option.
    FLAG.lastIndex = nameEnd;
    const first = text.charCodeAt(valueStart);
    if (
      valueStart >= text.length ||
      // `--password = x` and `--password :x` are pairs (key-value.ts).
      first === 45 /* - */ ||
      first === 61 /* = */ ||
      first === 58 /* : */ ||
      TAKES_NO_VALUE.test(name) ||
      !isSecretKey(name)
    ) {
      continue;
    }
    const found = readArgument(text, valueStart, true);
    FLAG.lastIndex = Math.max(nameEnd, argumentEnd);
    if (found) addRange(ranges, argumentStart, argumentEnd);
  }
}

/**
 * An option written as an element of a list (`["mysql", "--password", "<s>"]`, a Python list's
 * `'--password', '<s>'`, JSON in a JSON string's `\"--password\",\"<s>\"`): its quote, the name, the
 * same quote, a comma and spaces; the next element, in quotes, is its value.
 */
const LISTED_FLAG = new RegExp(
  `(\\\\{0,7}["'])(--?[A-Za-z][${KEY_CHARACTERS_SOURCE}]{0,63})\\1[ \\t]{0,8},[ \\t]{0,8}(?=\\\\{0,7}["'])`,
  'g',
);

/**
 * Adds `[start, end)` of the element after every listed option in `text` that `isSecretKey` calls
 * secret ({@link LISTED_FLAG}) to `ranges`: inside its quotes, whatever it holds.
 */
export function addListedFlagValueRanges(text: string, ranges: number[], isSecretKey: (key: string) => boolean): void {
  LISTED_FLAG.lastIndex = 0;
  for (let match = LISTED_FLAG.exec(text); match !== null; match = LISTED_FLAG.exec(text)) {
    const name = match[2]!;
    if (TAKES_NO_VALUE.test(name) || !isSecretKey(name)) continue;
    const valueStart = match.index + match[0].length;
    OPENING_QUOTE.lastIndex = valueStart;
    const open = OPENING_QUOTE.exec(text)![0];
    // Inside the element's quotes; a quote left open runs to the end of the line.
    const element = quotedValue(text, valueStart, open);
    const start = valueStart + open.length;
    const end = element === open ? lineEnd(text, start) : valueStart + element.length - open.length;
    LISTED_FLAG.lastIndex = Math.max(LISTED_FLAG.lastIndex, end);
    // The next option (`"--password", "--host"`: mysql then asks) is no value.
    if (end > start && text.charCodeAt(start) !== 45 /* - */ && !isWhollyCensored(text.slice(start, end))) {
      addRange(ranges, start, end);
    }
  }
}

/**
 * The one-letter options that take a password in the commands that have one, and whether the
 * password may follow after a space (`sshpass -p <s>`) or only glued to the option (`mysql
 * -p<s>`: mysql reads `-p <word>` as "ask for the password" and the word as the database). What a
 * one-letter option means depends on the command (`-p` is a port for ssh, psql and docker), so only
 * these are read, after one of these commands on the same line.
 */
const SHORT_PASSWORD_OPTIONS: Readonly<Record<string, { readonly option: number; readonly spaced: boolean }>> = {
  ...Object.fromEntries(
    [
      'mysql',
      'mysqldump',
      'mysqladmin',
      'mysqlimport',
      'mysqlcheck',
      'mysqlshow',
      'mysqlslap',
      'mysqlpump',
      'mysqlsh',
      'mariadb',
      'mariadb-dump',
      'mariadb-admin',
      'mariadb-import',
      'mariadb-check',
      'mariadb-show',
      '7z',
      '7za',
      '7zr',
    ].map((command) => [command, { option: 112 /* p */, spaced: false }]),
  ),
  ...Object.fromEntries(
    [
      'sshpass',
      'mongo',
      'mongosh',
      'mongodump',
      'mongorestore',
      'mongoexport',
      'mongoimport',
      'mongostat',
      'mongotop',
    ].map((command) => [command, { option: 112 /* p */, spaced: true }]),
  ),
  ...Object.fromEntries(
    ['redis-cli', 'valkey-cli', 'keydb-cli'].map((command) => [command, { option: 97 /* a */, spaced: true }]),
  ),
  ...Object.fromEntries(
    ['sqlcmd', 'bcp', 'zip', 'unzip'].map((command) => [command, { option: 80 /* P */, spaced: true }]),
  ),
  ...Object.fromEntries(
    [
      'ldapsearch',
      'ldapadd',
      'ldapmodify',
      'ldapdelete',
      'ldapwhoami',
      'ldappasswd',
      'ldapcompare',
      'ldapmodrdn',
      'ldapexop',
    ].map((command) => [command, { option: 119 /* w */, spaced: true }]),
  ),
};

const COMMAND_NAMES = Object.keys(SHORT_PASSWORD_OPTIONS)
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join('|');
/** A command of {@link SHORT_PASSWORD_OPTIONS} as a word (after a path's `/`, a quote, `;`, `&`, `|`, `(`). */
const COMMAND = new RegExp(`(?:^|[\\s/"'\`;&|(])(${COMMAND_NAMES})(?=[\\s"']|$)`, 'g');
/** A cheap necessary condition for {@link COMMAND}. */
const COMMAND_TRIGGER = /mysql|mariadb|7z|sshpass|mongo|-cli|sqlcmd|bcp|zip|ldap/;

/**
 * Adds `[start, end)` of the password after a one-letter option of {@link SHORT_PASSWORD_OPTIONS}
 * (`mysql -u root -p<s> db`, `sshpass -p <s> ssh …`, `redis-cli -a <s>`) to `ranges`: the option
 * after a space or a tab, after its command and before the next one or the end of the line. Each
 * stretch of text after a command is read once.
 */
export function addShortOptionRanges(text: string, ranges: number[]): void {
  if (!COMMAND_TRIGGER.test(text)) return;
  COMMAND.lastIndex = 0;
  let match = COMMAND.exec(text);
  let lineEnd = -1;
  let covered = 0;
  let dash = -1;
  while (match !== null) {
    const { option, spaced } = SHORT_PASSWORD_OPTIONS[match[1]!]!;
    const from = COMMAND.lastIndex;
    const next = COMMAND.exec(text);
    if (lineEnd < from) {
      lineEnd = text.length;
      for (let at = from; at < text.length; at++) {
        const code = text.charCodeAt(at);
        if (code === 10 || code === 13) {
          lineEnd = at;
          break;
        }
      }
    }
    const regionEnd = Math.min(next === null ? text.length : next.index, lineEnd);
    for (let at = Math.max(from, covered); ; at++) {
      // The next dash, searched for again only once passed: each part of the text is searched once.
      if (dash < at) dash = text.indexOf('-', at);
      if (dash < 0 || dash >= regionEnd) break;
      at = dash;
      const before = text.charCodeAt(at - 1);
      if ((before !== 32 && before !== 9) || text.charCodeAt(at + 1) !== option) continue;
      let valueStart = at + 2;
      const first = text.charCodeAt(valueStart);
      const afterSpace = first === 32 || first === 9;
      if (afterSpace) {
        if (!spaced) continue;
        while (valueStart < at + 10 && (text.charCodeAt(valueStart) === 32 || text.charCodeAt(valueStart) === 9)) {
          valueStart++;
        }
        if (text.charCodeAt(valueStart) === 45 /* - */) continue;
      }
      if (!readArgument(text, valueStart, afterSpace)) continue;
      addRange(ranges, argumentStart, argumentEnd);
      covered = argumentEnd;
      at = Math.max(at, argumentEnd - 1);
    }
    match = next;
  }
}

/**
 * curl's credentials (`curl -u user:password`, `--user`, and the proxy's `-U`, `--proxy-user`):
 * the password, after the argument's first `:`, goes and the user name stays; an argument without
 * a `:` is a user name alone (curl asks for the password). The one-letter options are read glued
 * (`-uuser:password`) or spaced, also last in a cluster (`-fsSLu user:password`), after `curl` on
 * the same line; `-u` means a user name alone for other commands (`mysql -u root`).
 */
const CURL_CREDENTIALS =
  /(?:^|[\s/"'`;&|(])curl(?=[\s"']|$)|(?<=[ \t])(?:-[A-Za-z]{0,15}?[uU]|--user|--proxy-user)(?=[^\r\n])/g;

/** Adds the password of each curl credential option in `text` to `ranges` (see {@link CURL_CREDENTIALS}). */
export function addCurlCredentialRanges(text: string, ranges: number[]): void {
  if (!text.includes('curl')) return;
  CURL_CREDENTIALS.lastIndex = 0;
  // Where the line of the last curl ends (-1: no curl yet), found once per line.
  let curlLineEnd = -1;
  for (let match = CURL_CREDENTIALS.exec(text); match !== null; match = CURL_CREDENTIALS.exec(text)) {
    const found = match[0];
    const after = match.index + found.length;
    if (found.endsWith('curl')) {
      if (after > curlLineEnd) curlLineEnd = lineEnd(text, after);
      continue;
    }
    // An option of curl: on the line of a curl before it.
    if (match.index >= curlLineEnd) continue;
    let valueStart = after;
    const spaced = text.charCodeAt(valueStart) === 32 || text.charCodeAt(valueStart) === 9;
    if (spaced) {
      while (valueStart < after + 8 && (text.charCodeAt(valueStart) === 32 || text.charCodeAt(valueStart) === 9)) {
        valueStart++;
      }
      if (text.charCodeAt(valueStart) === 45 /* - */) continue;
    } else if (found.startsWith('--')) {
      continue;
    }
    const read = readArgument(text, valueStart, false);
    CURL_CREDENTIALS.lastIndex = Math.max(CURL_CREDENTIALS.lastIndex, argumentEnd);
    if (!read) continue;
    let colon = argumentStart;
    while (colon < argumentEnd && text.charCodeAt(colon) !== 58 /* : */) colon++;
    if (colon + 1 < argumentEnd) addRange(ranges, colon + 1, argumentEnd);
  }
}

/** Where the line holding `at` ends: its line break, or the end of the text. */
function lineEnd(text: string, at: number): number {
  for (let position = at; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (code === 10 || code === 13) return position;
  }
  return text.length;
}
