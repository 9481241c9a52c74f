/**
 * SQL that sets a password without a key and separator a pair would read: a quoted literal right
 * after `PASSWORD` (`ALTER USER bob WITH PASSWORD '…'`, `ALTER ROLE x PASSWORD '…'`, `IDENTIFIED BY
 * PASSWORD '*…'`), `IDENTIFIED BY` (`CREATE USER bob IDENTIFIED BY '…'`, also `IDENTIFIED WITH
 * <plugin> BY '…'`) or `PASSWORD FOR <user> =` (`SET PASSWORD FOR 'bob'@'%' = '…'`, which reads as
 * the key `'%'`, also `= PASSWORD('…')`) is a credential whatever it looks like. Only a literal
 * right there, in the usual casings (lower, capitalised, upper): `the password 'x' was rejected` is
 * masked too, `password reset for bob` and `PASSWORD(x)` are not.
 *
 * One regex per quote (`'` for SQL's strings, `"` for Oracle's quoted passwords), and one per level
 * of JSON string the statement may be logged in for `"`, which JSON escapes (`IDENTIFIED BY \"…\"`
 * in a JSON string, `\\\"…\\\"` in JSON inside a JSON string), each valid in V8 and RE2: group 1 is
 * kept (the keywords, an SQL literal's prefix, the opening quote) and group 2 is the literal's
 * inside, doubled quotes (and a shell's `'\''`) in it, up to its closing quote, which stays, or the
 * end of the line (of the JSON string, escaped). The SDK's scanner runs them anchored where its
 * automaton finds `password` or `identified` ({@link SQL_PASSWORD_KEYWORDS}), so clean text pays
 * nothing for them; the Collector runs them as more `blocked_values`.
 */
const KEYWORDS_SOURCE =
  '\\b(?:(?:[Pp]assword|PASSWORD)(?:\\s{1,8}(?:[Ff]or|FOR)\\s{1,8}[^\\s=]{1,128}\\s{0,8}=\\s{0,8}(?:(?:[Pp]assword|PASSWORD)\\s{0,8}\\(\\s{0,8})?|\\s{1,8})' +
  '|(?:[Ii]dentified|IDENTIFIED)\\s{1,8}(?:(?:[Ww]ith|WITH)\\s{1,8}\\w{1,64}\\s{1,8})?(?:[Bb]y|BY)\\s{1,8})';

/**
 * A `"…"` literal inside `level` JSON strings (1: a JSON string, 2: JSON inside one), where a quote
 * of the SQL text is written with 2^level − 1 backslashes before it and a backslash with 2^level.
 * The inside is read one escaped character at a time, so the closing quote's backslashes are never
 * taken for the literal's: a character JSON leaves as it is, a backslash of the SQL text, another
 * escape of the level below (`\n`, `\u…`: 2^(level−1) backslashes and a character), or a doubled
 * quote (`\"\"`, the SQL text's `""`). Each step matches one way at most, so V8 never backtracks in it.
 */
function escapedDoubleQuoteSource(level: number): string {
  const backslashes = (count: number): string => (count === 1 ? '\\\\' : `\\\\{${count}}`);
  const quote = `${backslashes(2 ** level - 1)}"`;
  const inside = `(?:[^"\\\\\\n]|${backslashes(2 ** level)}|${backslashes(2 ** (level - 1))}[^"\\\\\\n]|${quote}${quote})`;
  return `(${KEYWORDS_SOURCE}${quote})(${inside}{1,1024})`;
}

export const SQL_PASSWORD_LITERAL_SOURCES: readonly string[] = [
  ...(["'", '"'] as const).map((quote) => {
    const inside = quote === "'" ? `(?:[^'\\n]|''|'\\\\{1,8}'')` : '(?:[^"\\n]|"")';
    return `(${KEYWORDS_SOURCE}[NEXBnexb]?${quote})(${inside}{1,1024})`;
  }),
  escapedDoubleQuoteSource(1),
  escapedDoubleQuoteSource(2),
];

/** The words one of which starts every match of {@link SQL_PASSWORD_LITERAL_SOURCES}, lower case. */
export const SQL_PASSWORD_KEYWORDS: readonly string[] = ['password', 'identified'];
