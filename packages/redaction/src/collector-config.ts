import { AFTER_SEPARATOR_SOURCE, BEFORE_SEPARATOR_SOURCE, KEY_CHARACTERS_SOURCE } from './key-value.js';
import { CHARSETS, type CredentialFormat, type Run } from './catalogue.js';
import type { RedactionRules } from './rules.js';
import { escapeRegExp } from './pattern-safety.js';
import { SQL_PASSWORD_LITERAL_SOURCES } from './sql-password.js';
import {
  CREDENTIAL_KEYWORDS,
  ENTROPY_TOKEN_CHARACTERS,
  ENTROPY_TOKEN_MAX,
  ENTROPY_TOKEN_MIN,
  HEX_TOKEN_MIN,
  SHORT_WORDS,
} from './scanner.js';

/** RE2 refuses repeat counts above 1000; it runs in linear time, so a larger bound can go. */
const RE2_MAX_REPEAT = 1000;

export function re2Source(source: string): string {
  return source.replace(/\{(\d+),(\d+)\}/g, (bound, min: string, max: string) =>
    Number(max) > RE2_MAX_REPEAT ? `{${min},}` : bound,
  );
}

/**
 * A key glob as RE2, with the same meaning as in the SDK: the whole key, the part after a dot or
 * an opening bracket or after a command-line flag's dashes (`--pwd`), a closing bracket or `[]`
 * after it (`user[password]`, `password[]`).
 */
export function keyGlobRe2(glob: string): string {
  return `(?i)^(?:-{1,2}|.*[.\\[])?${glob.split('*').map(escapeRegExp).join('.*')}(?:\\]|\\[\\])?$`;
}

/** A character of an unquoted value (as in key-value.ts's KEY_VALUE_VALUE_SOURCE). */
const VALUE_CHARACTER = '[^ \\t\\r\\n&"\',;<>=]';
/** What an unquoted value may start with after its leading `=` (not base64 padding's end). */
const AFTER_EQUALS = '[^ \\t\\r\\n&"\',;<>=)\\]}.\\\\]';

/**
 * A value in bare quotes as the SDK reads it (key-value.ts's closingQuoteEnd), where RE2 can: through
 * doubled quotes (`'''x'''`, `'it''s'`, `"""x"""`) and a shell's `'\\''`, after an SQL literal's
 * prefix (`N'…'`, `E'…'`, `X'…'`, `B'…'`); a closing quote glued to more than a delimiter runs on to
 * the next `&` or the end of the line (the SDK goes on through an `&` that starts no parameter, which
 * needs a lookahead). Values in escaped quotes (JSON inside JSON) are read as before: the parity of
 * the backslashes before a quote is beyond a regex of this size.
 */
const BARE_QUOTED_RE2 =
  `(?:[NnEeXxBb]?'(?:[^'\\n]|''|'\\\\{1,8}''){1,1024}'?|"(?:[^"\\n]|""){1,1024}"?)` +
  `(?:[^\\s,;&}\\])\\\\][^&\\r\\n]{0,1024})?`;
const ESCAPED_QUOTED_RE2 = `\\\\{1,7}"[^"\\n]{1,1024}"?|\\\\{1,7}'[^'\\n]{1,1024}'?`;
/**
 * A value after `=` that starts with `=` and is no comparison (key-value.ts's isComparison:
 * `token==expected` is kept): three `=` or more, or one or two and a character no name starts with,
 * or a name and a character that neither continues nor ends it (`==abc!x`).
 */
const EQUALS_NOT_COMPARED_RE2 =
  `={3,8}${AFTER_EQUALS}${VALUE_CHARACTER}{0,1023}` +
  `|={1,2}[^ \\t\\r\\n&"',;<>=)\\]}.\\\\A-Za-z_$]${VALUE_CHARACTER}{0,1023}` +
  `|={1,2}[A-Za-z_$][\\w$.]{0,63}[^ \\t\\r\\n&"',;<>=)\\w$.]${VALUE_CHARACTER}{0,1022}`;

/**
 * `key=value` pairs with a sensitive key, as one RE2 pattern (the SDK decides the key in code; RE2
 * must name the keys). The Collector masks the whole match, key included. The separator is `=` or
 * another one (`:`, `=>`): only after `=` is a leading `=` read as a comparison.
 */
export function keyValueRe2(globs: readonly string[]): string {
  const keys = globs.map((glob) => glob.split('*').map(escapeRegExp).join('[\\w.-]{0,64}')).join('|');
  const key = KEY_CHARACTERS_SOURCE;
  const value = (startingWithEquals: string): string =>
    `(?:${BARE_QUOTED_RE2}|${ESCAPED_QUOTED_RE2}|${startingWithEquals}|${VALUE_CHARACTER}{1,1024})`;
  const anyEquals = value(`={1,8}${AFTER_EQUALS}${VALUE_CHARACTER}{0,1023}`);
  // `==` written together may be a comparison; with a space or `+` between, the second `=` is the value's.
  const afterEquals = `${BEFORE_SEPARATOR_SOURCE}=(?:[\\s+]{1,3}${anyEquals}|${value(EQUALS_NOT_COMPARED_RE2)})`;
  const afterOther = `${BEFORE_SEPARATOR_SOURCE}(?:=>|:)${AFTER_SEPARATOR_SOURCE}${anyEquals}`;
  return `(?i)(?:^|[^${key}])(?:-{1,2}|[${key}]{0,64}[.\\[])?(?:${keys})(?:\\]|\\[\\])?(?:${afterEquals}|${afterOther})`;
}

const run = ([charset, min, max]: Run, open = false): string =>
  `[${CHARSETS[charset]}]` + (open ? `{${min},}` : (max ?? min) === min ? `{${min}}` : `{${min},${max}}`);

function bodyRe2(format: CredentialFormat): string {
  const last = format.body.length - 1;
  return format.body
    .map((segment, index) =>
      typeof segment === 'string'
        ? escapeRegExp(segment)
        : segment[0] === 'digits'
          ? // The Collector runs its regexes in no fixed order: the card rule may have masked a
            // token's digit group (`xoxb-<digits>-…`) before this regex sees the token.
            `(?:${run(segment)}|\\*{4})`
          : run(segment, index === last && !format.wordEnd && format.prefixes.length > 0),
    )
    .join('');
}

/** What separates a keyword (and the rest of its identifier) from its value. */
const KEYWORD_SEPARATOR_RE2 = `[ \\t\\w.-]{0,20}[\\s+'"\x60\\\\]{0,8}(?:=>|:=|\\|\\||\\?=|[=>:,])[\\s+'"\x60=\\\\]{0,10}`;

/**
 * The catalogue as RE2, matching what the SDK's scanner masks: the prefix, the body, and for a
 * token longer than its format the rest of its last run. What the scanner checks around the token
 * becomes part of the match (the Collector masks the whole match): the character before a
 * `wordStart` token, the keyword and separator before a keyword format's value, and the text
 * between a required keyword and its token. Each regex starts with one literal wherever it can
 * (RE2 then skips to it with a string search), and keyword formats with the same value shape share
 * one regex: the Collector runs every regex over every string, so their number is its cost.
 */
export function catalogueRe2(formats: readonly CredentialFormat[]): string[] {
  const regexes: string[] = [];
  const keywordsByValue = new Map<string, string[]>();
  for (const format of formats) {
    const body = bodyRe2(format);
    if (format.prefixes.length === 0) {
      const last = format.body[format.body.length - 1]!;
      // The value ends where the scanner ends it: before a letter or digit. A value that can end in
      // `+`, `/`, `=` or `-` has no word boundary there (RE2 would settle for a shorter match and
      // leave the rest), so the end is the next character instead (masked with it); a value ending
      // in a literal such as base64 padding needs neither.
      const endsInWordCharacter = typeof last === 'string' ? !/\W$/.test(last) : !/[+/=.@~]|-$/.test(CHARSETS[last[0]]);
      const ending = endsInWordCharacter ? '\\b' : typeof last === 'string' ? '' : '(?:[^A-Za-z0-9]|$)';
      const value = body + ending;
      keywordsByValue.set(value, [...(keywordsByValue.get(value) ?? []), ...(format.keywords ?? [])]);
      continue;
    }
    const end = format.wordEnd ? '\\b' : '';
    const lead = format.lead === undefined ? '' : run(format.lead);
    const start = format.wordStart ? '(?:^|[^A-Za-z0-9])' : '';
    const near = format.keywords === undefined ? '' : `(?i:${format.keywords.map(escapeRegExp).join('|')})[^\\n]{0,80}`;
    for (const prefix of format.prefixes) regexes.push(`${near}${start}${lead}${escapeRegExp(prefix)}${body}${end}`);
  }
  for (const [value, keywords] of keywordsByValue) {
    regexes.push(`(?i:${[...new Set(keywords)].map(escapeRegExp).join('|')})${KEYWORD_SEPARATOR_RE2}${value}`);
  }
  return [...new Set(regexes)];
}

/** Words a name made of words has at most in the Collector's path-segment rule, after its first. */
const WORDS_MAX = 30;
/** Letters a word has at most there (a repeat count times the one it is nested in stays within Go's 1000). */
const WORD_MAX = Math.floor(1000 / WORDS_MAX);

/**
 * The SDK scanner's path-segment rule (`/reset-password/<token>`, `/api/token/<token>`) as two RE2
 * regexes for the transform processor, which, unlike the redaction processor, can keep part of a
 * match (`${1}`): the keyword's segment stays, the token's segment becomes `****`.
 *
 * Built from the scanner's own keyword list, token characters and length bounds. The keyword starts
 * a word (nothing alphanumeric before it, or a camelCase boundary: `resetPassword/`) and a `/`
 * follows it. The token is the whole segment after that slash: a maximal run of the scanner's token
 * characters (without `/`, which ends a segment) of {@link ENTROPY_TOKEN_MIN} to
 * {@link ENTROPY_TOKEN_MAX} characters, not starting with `.`, with an upper-case letter and a
 * lower-case letter, and a digit or a lower-case run no word makes (without a digit, a segment whose
 * every lower-case run is a word is a name made of words, `getApiKeyForUser`, as the scanner reads
 * it), and up to two `=` of base64 padding. RE2 has no lookahead, so "at least 16 characters, both
 * cases and a digit or a run no word makes" cannot be one regex;
 * `mark` puts `****` before every segment of the right length and `settle` takes it away again where
 * the segment lacks a case, is made of words without a digit, or starts with `.` (the leftmost-first
 * alternation tries those shapes first) and otherwise drops the segment, leaving `****`. Each regex consumes the character before the keyword and the one after
 * the token (RE2 has no `\b` for `-`, `.`, `~` or `+`), and puts both back.
 */
export function pathTokenRe2(): { readonly mark: string; readonly settle: string } {
  const token = ENTROPY_TOKEN_CHARACTERS.replace('/', '');
  const tokenClass = (without = ''): string => `[${token.replace(without, '')}]`;
  const words = CREDENTIAL_KEYWORDS.map(escapeRegExp).join('|');
  const camel = CREDENTIAL_KEYWORDS.filter((keyword) => /^[a-z]+$/.test(keyword))
    .map((keyword) => keyword[0]!.toUpperCase() + keyword.slice(1))
    .join('|');
  const keyword = `((?:^|[^A-Za-z0-9])(?i:${words})/|[a-z](?:${camel})/)`;
  const length = `{${ENTROPY_TOKEN_MIN},${ENTROPY_TOKEN_MAX}}`;
  const end = `={0,2}(?:[^${token}]|$)`;
  // Without a digit, a name made of words (the scanner's lowerCaseRunsAreWords): a lower-case word
  // first, then words each after capitals and other token characters, a capital and two lower-case
  // letters or more, a capitalised short word, or after a `-`, `_`, `.`, `~` or `+` three lower-case
  // letters or more or a short word. Every word's letters are taken whole (what follows is no
  // lower-case letter), so V8, which runs this in the tests, has one way to read a segment. Go
  // refuses a repetition nested in another when their counts multiply past 1000: at most
  // {@link WORDS_MAX} words of {@link WORD_MAX} characters after the first.
  const others = `[${token.replace('a-z', '').replace('0-9', '')}]`;
  const marks = `[${token.replace('A-Za-z0-9', '')}]`;
  const short = SHORT_WORDS.join('|');
  const capitalised = SHORT_WORDS.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('|');
  const word =
    `${others}{0,${WORD_MAX - 1}}` +
    `(?:[A-Z][a-z]{2,${WORD_MAX}}|(?:${capitalised})|${marks}(?:[a-z]{3,${WORD_MAX}}|(?:${short})))`;
  const madeOfWords = `(?:[a-z]{3,${ENTROPY_TOKEN_MAX}}|(?:${short}))?(?:${word}){0,${WORDS_MAX}}${others}{0,${WORD_MAX}}`;
  const notRandom = [
    `\\.${tokenClass()}{${ENTROPY_TOKEN_MIN - 1},${ENTROPY_TOKEN_MAX - 1}}`,
    ...['A-Z', 'a-z'].map((missing) => tokenClass(missing) + length),
    madeOfWords,
  ].join('|');
  // Hex of 32 characters or more in one case is a token (the scanner's isHexToken), though it lacks
  // a case: tried first, it is dropped before the shapes that keep a segment.
  const hex = `(?:[0-9a-f]{${HEX_TOKEN_MIN},${ENTROPY_TOKEN_MAX}}|[0-9A-F]{${HEX_TOKEN_MIN},${ENTROPY_TOKEN_MAX}})`;
  const dropped = `(\\*{4})${hex}={0,2}((?:[^${token}]|$))`;
  return {
    mark: `${keyword}(${tokenClass()}${length}${end})`,
    settle: `${keyword}(?:${dropped}|\\*{4}((?:${notRandom})${end})|(\\*{4})${tokenClass()}${length}={0,2}((?:[^${token}]|$)))`,
  };
}

/** What `mark` and `settle` are replaced with (Go's regexp expansion; groups that did not take part are empty). */
export const PATH_TOKEN_MARK_REPLACEMENT = '${1}****${2}';
export const PATH_TOKEN_SETTLE_REPLACEMENT = '${1}${2}${3}${4}${5}${6}';

/** An OTTL string literal (Go's strconv.Unquote reads it: backslashes and quotes escaped). */
const ottlString = (value: string): string => `"${value.replace(/[\\"]/g, '\\$&')}"`;

/** The transform processor's statements applying {@link pathTokenRe2} to every string the redaction processor covers. */
function pathTokenStatements(): { readonly traces: string; readonly logs: string } {
  const { mark, settle } = pathTokenRe2();
  const steps: [string, string][] = [
    [mark, PATH_TOKEN_MARK_REPLACEMENT],
    [settle, PATH_TOKEN_SETTLE_REPLACEMENT],
  ];
  const onMap = (target: string, condition = ''): string[] =>
    steps.map(
      ([regex, replacement]) =>
        `replace_all_patterns(${target}, "value", ${ottlString(regex)}, ${ottlString(replacement)})${condition}`,
    );
  const onString = (target: string): string[] =>
    steps.map(([regex, replacement]) => `replace_pattern(${target}, ${ottlString(regex)}, ${ottlString(replacement)})`);
  const group = (context: string, statements: readonly string[]): string =>
    `\n      - context: ${context}\n        statements:${statements.map((statement) => `\n          - ${yamlString(statement)}`).join('')}`;
  return {
    traces:
      group('resource', onMap('resource.attributes')) +
      group('span', onMap('span.attributes')) +
      group('spanevent', onMap('spanevent.attributes')),
    logs:
      group('resource', onMap('resource.attributes')) +
      group('log', [
        ...onMap('log.attributes'),
        // replace_pattern leaves a body that is not a string as it is; a map body's values are
        // reached by replace_all_patterns (its top level: nested maps are not walked).
        ...onString('log.body'),
        ...onMap('log.body', ' where IsMap(log.body)'),
      ]),
  };
}

/**
 * A YAML scalar as Prettier writes it (single quotes unless escapes are needed), with every `$`
 * doubled: Collector config interpolates `${...}` and unescapes `$$`.
 */
function yamlString(value: string): string {
  const quoted = /['\\]/.test(value) ? JSON.stringify(value) : `'${value}'`;
  return quoted.replaceAll('$', '$$$$');
}

const HEADER = `# GENERATED by \`npm run generate:redaction\` from @apitrail/redaction's rule set. Do not edit by hand:
# a unit test fails when this file differs from what the rule set generates.
# A config fragment: load it beside a pipeline config that runs the \`redaction/apitrail\` processor
# and then the \`transform/apitrail\` processor (both defined here):
#   otelcol-apitrail --config local-redacting.yaml --config redaction.yaml
# Differences from the SDK processors, which RE2 and the processor's options cannot express:
# card numbers are masked by issuer prefix without the Luhn check; allow-listed keys are skipped
# entirely (ignored_keys), not only exempt from the key rules; allow-list globs with \`*\` are left
# out; a masked key=value pair loses its key too; the replacement is always \`****\`. The credential
# catalogue comes without the SDK's entropy detectors and percent-decoding; its matches include the keyword
# and separator of a keyword format and the character before a word-start token.
# summary is silent: the processor's count attributes would be added to every record with an
# allow-listed key, changing signed records so that \`apitrail verify\` rejects all of them. A
# record this processor does mask is reported as modified by \`apitrail verify\`: the SDK let a
# secret through, which is worth investigating.
# transform/apitrail masks a token in the URL path segment after a credential keyword
# (/reset-password/<token> -> /reset-password/****), keeping the keyword's segment, which the
# redaction processor cannot (it masks a whole match). The token is the whole segment, 16 to 512 of
# the SDK's token characters, with upper and lower case and digits; the SDK also needs 3.5 bits of
# entropy per character, reads past the next slash, and looks a few words further, which RE2 cannot.
# Its two statements per target run in order: the first puts **** before every segment of the right
# length, the second removes it again where the segment lacks a class (and takes away the segment
# where not). It covers attributes of resources, spans, span events and log records and string log
# bodies and a map body's top-level values, allow-listed keys included.`;

/** The Collector's `redaction` processor config for `rules`, as a YAML fragment. */
export function collectorRedactionConfig(
  rules: RedactionRules,
  processorName = 'redaction/apitrail',
  transformName = 'transform/apitrail',
): string {
  const list = (items: readonly string[]): string => items.map((item) => `\n      - ${yamlString(item)}`).join('');
  const ignored = rules.allow.filter((key) => !key.includes('*'));
  const blockedValues = [
    ...rules.patterns.map((pattern) => (pattern.caseInsensitive ? '(?i)' : '') + pattern.source),
    ...catalogueRe2(rules.formats ?? []),
    ...SQL_PASSWORD_LITERAL_SOURCES,
    keyValueRe2(rules.keys),
  ].map(re2Source);
  const statements = pathTokenStatements();
  return `${HEADER}
processors:
  ${processorName}:
    allow_all_keys: true
    ignored_keys:${list(ignored)}
    blocked_key_patterns:${list(rules.keys.map(keyGlobRe2))}
    blocked_values:${list(blockedValues)}
    summary: silent
  ${transformName}:
    error_mode: ignore
    trace_statements:${statements.traces}
    log_statements:${statements.logs}
`;
}
