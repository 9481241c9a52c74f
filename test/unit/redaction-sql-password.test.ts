// An SQL statement that sets a password (`IDENTIFIED BY "…"`, `WITH PASSWORD "…"`, `SET PASSWORD FOR
// … = "…"`) logged inside a JSON string, where its double quotes are escaped (`IDENTIFIED BY \"…\"`),
// and inside JSON inside a JSON string (`\\\"…\\\"`). The bare and single-quoted forms are
// redaction-keyword-window.test.ts's. Secrets are drawn at random here (nothing real-looking is
// committed), several per form: no 8-character piece of one may be left, the JSON must still parse,
// and the Collector's copy of the rule (the same regex source, which masks its whole match) must
// leave nothing either.
import { expect } from 'chai';
import { randomInt } from 'node:crypto';
import { createRedactor } from '@apitrail/redaction';
import { patternProblem, SQL_PASSWORD_LITERAL_SOURCES } from '@apitrail/redaction/internal';
import { randomString } from '../helpers/redaction-secrets.ts';

const redactor = createRedactor();

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
/** Printable ASCII, space, quotes and backslash included. */
const PRINTABLE = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('');

/**
 * Words and separators that other rules read on from (`token=`, `pwd=`): a password spelling one is
 * masked by them too, sometimes past its closing quote, which is not what is tested here.
 */
const OTHER_RULES = /pass|pwd|pw|secret|token|key|auth|cred|bearer|private|session|cookie|jwt|otp|sig|[=:%]/i;

/**
 * A password that is no random token (the keyword window finds those already): 8 to 40 characters
 * of lower case only, letters only, digits only or any printable character (quotes and backslashes
 * too).
 */
function password(): string {
  const alphabets = [LOWER, LETTERS, DIGITS, PRINTABLE, `${LOWER}"\\`];
  for (;;) {
    const value = randomString(randomInt(8, 41), alphabets[randomInt(alphabets.length)]!);
    if (!OTHER_RULES.test(value)) return value;
  }
}

/** The pieces of `secret` (as it was written into the text) of `size` characters that are in `redacted`. */
function survivingPieces(redacted: string, secret: string, size = 8): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + size <= secret.length; start++) {
    const piece = secret.slice(start, start + size);
    if (redacted.includes(piece)) pieces.push(piece);
  }
  return pieces;
}

/** `value` between SQL's double quotes (Oracle's quoted password): each `"` in it doubled. */
const sqlDoubleQuoted = (value: string): string => `"${value.replaceAll('"', '""')}"`;
/** `value` inside a JSON string, without its quotes. */
const jsonEscaped = (value: string): string => JSON.stringify(value).slice(1, -1);

/** Statements with a double-quoted password literal, and the text after it (kept). */
const STATEMENTS: readonly ((literal: string) => string)[] = [
  (literal) => `CREATE USER bob IDENTIFIED BY ${literal}; GRANT ALL ON db TO bob`,
  (literal) => `ALTER USER bob IDENTIFIED BY ${literal} ACCOUNT UNLOCK`,
  (literal) => `create user bob identified with caching_sha2_password by ${literal}`,
  (literal) => `ALTER USER bob WITH PASSWORD ${literal}; COMMIT`,
  (literal) => `alter role app_rw with login password ${literal} valid until 'infinity'`,
  (literal) => `SET PASSWORD FOR bob = ${literal}; FLUSH PRIVILEGES`,
  (literal) => `SET PASSWORD FOR 'bob'@'%' = PASSWORD(${literal}); FLUSH PRIVILEGES`,
];

/** The Collector's redaction processor: every match of every SQL source replaced whole by `****`. */
function collectorMasked(text: string): string {
  return SQL_PASSWORD_LITERAL_SOURCES.reduce((masked, source) => masked.replace(new RegExp(source, 'g'), '****'), text);
}

const ROUNDS = 40;

describe('redaction: an SQL password literal in escaped double quotes (SQL inside a JSON string)', () => {
  it('control: the check finds the pieces of a secret left as it was', () => {
    const value = randomString(20, LOWER);
    const line = JSON.stringify({ sql: `CREATE USER bob IDENTIFIED BY ${sqlDoubleQuoted(value)}` });
    expect(survivingPieces(line, value)).to.have.length(13);
  });

  it('IDENTIFIED BY \\"…\\", WITH PASSWORD \\"…\\", SET PASSWORD … = \\"…\\" in a JSON string: the literal goes, the JSON and the statement stay', () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const statement of STATEMENTS) {
        const value = password();
        const sql = statement(sqlDoubleQuoted(value));
        const line = JSON.stringify({ level: 'info', sql, ms: 3 });
        const redacted = redactor.redactText(line);
        const context = `${line} → ${redacted}`;
        expect(survivingPieces(redacted, jsonEscaped(value)), context).to.deep.equal([]);
        expect(survivingPieces(redacted, value), context).to.deep.equal([]);
        // The quotes stay, and the statement after the literal.
        const parsed = JSON.parse(redacted) as { sql: string; ms: number };
        expect(parsed.ms, context).to.equal(3);
        const after = sql.slice(sql.lastIndexOf('"') + 1);
        expect(parsed.sql.endsWith(`"${after}`), context).to.equal(true);
        expect(redactor.redactText(redacted), `a second pass over ${redacted}`).to.equal(redacted);
        expect(survivingPieces(collectorMasked(line), jsonEscaped(value)), `Collector: ${line}`).to.deep.equal([]);
      }
    }
  });

  it('the same in JSON inside a JSON string (\\\\\\"…\\\\\\")', () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const statement of STATEMENTS) {
        const value = password();
        const sql = statement(sqlDoubleQuoted(value));
        const line = JSON.stringify({ msg: JSON.stringify({ sql, ms: 3 }) });
        const redacted = redactor.redactText(line);
        const context = `${line} → ${redacted}`;
        expect(survivingPieces(redacted, jsonEscaped(jsonEscaped(value))), context).to.deep.equal([]);
        expect(survivingPieces(redacted, value), context).to.deep.equal([]);
        const inner = JSON.parse((JSON.parse(redacted) as { msg: string }).msg) as { sql: string; ms: number };
        expect(inner.ms, context).to.equal(3);
        expect(inner.sql.endsWith(`"${sql.slice(sql.lastIndexOf('"') + 1)}`), context).to.equal(true);
        expect(
          survivingPieces(collectorMasked(line), jsonEscaped(jsonEscaped(value))),
          `Collector: ${line}`,
        ).to.deep.equal([]);
      }
    }
  });

  it('keeps escaped quotes that are no literal after the keyword (control)', () => {
    for (const text of [
      JSON.stringify({ msg: 'password reset for "bob" requested' }),
      JSON.stringify({ sql: 'SELECT "identified", "by" FROM t' }),
      JSON.stringify({ sql: 'ALTER USER bob WITH PASSWORD NULL' }),
      JSON.stringify({ sql: `ALTER USER bob WITH PASSWORD "" VALID UNTIL 'infinity'` }),
      JSON.stringify({ msg: 'user identified by email, "bob" found' }),
    ]) {
      expect(redactor.redactText(text), text).to.equal(text);
    }
  });

  it('every source stays valid in V8 and RE2 (no unbounded repeat, lookaround or backreference)', () => {
    for (const source of SQL_PASSWORD_LITERAL_SOURCES) expect(patternProblem(source), source).to.equal(undefined);
  });
});
