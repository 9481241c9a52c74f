import { isWhollyCensored } from './censor.js';
import { KEY_CHARACTERS_SOURCE, quotedValue, unquoted } from './key-value.js';
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
 * `--password-stdin`). One-letter options are not read: `-p` is a port as often as a password (ssh,
 * psql, docker), and mysql's `-p <word>` takes the word for a database.
 *
 * The value is an argument as a shell reads it: in single or double quotes (escaped ones too, in a
 * JSON string: `\"my pass\"`) up to the closing quote, which stays, through a shell's `'\''` and
 * escaped quotes inside it; unquoted, up to a space, a tab, a line break or a `"` (a JSON string's
 * end), a backslash taking the character after it (`pass\ word`, `a\"b`). A closing quote glued to
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
 * A cheap necessary condition for an option naming a secret followed by a space: the longest
 * literal of some key glob, the rest of a name and a space or tab (sensitivePairTrigger's shape).
 */
export function sensitiveFlagTrigger(globs: readonly string[]): RegExp {
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
  const necessary = literals.filter(
    (literal) => !literals.some((other) => other !== literal && literal.includes(other)),
  );
  return new RegExp(`(?:${necessary.map(escapeRegExp).join('|')})[${KEY_CHARACTERS_SOURCE}]{0,64}[ \\t]`, 'i');
}

/**
 * Whether `text` has a dash that starts a word (` --…`, `"-…`), as every option does: most text
 * with dashes has them inside words only (identifiers, dates, paths), and skips the trigger.
 */
export function mayHoldOption(text: string): boolean {
  for (let at = text.indexOf('-'); at >= 0; at = text.indexOf('-', at + 1)) {
    if (at === 0 || !isKeyCharacter(text.charCodeAt(at - 1))) return true;
  }
  return false;
}

/** A character of a key, `\w.[]-` ({@link KEY_CHARACTERS_SOURCE}). */
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

/** Where an unquoted argument from `start` ends. */
function unquotedEnd(text: string, start: number): number {
  let at = start;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 34 /* " */) break;
    if (code === 92 /* \ */) {
      const next = text.charCodeAt(at + 1);
      at += next === 10 || next === 13 || Number.isNaN(next) ? 1 : 2;
      continue;
    }
    at++;
  }
  return at;
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
    OPENING_QUOTE.lastIndex = valueStart;
    const open = OPENING_QUOTE.exec(text)?.[0];
    let start = valueStart;
    let end: number;
    if (open === undefined) {
      end = unquotedEnd(text, valueStart);
      if (PROSE_WORDS.has(text.slice(valueStart, end))) continue;
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
    FLAG.lastIndex = Math.max(nameEnd, end);
    if (end <= start || isWhollyCensored(text.slice(start, end))) continue;
    addRange(ranges, start, end);
  }
}
