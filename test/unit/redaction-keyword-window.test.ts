// The free-text scanner's window after a credential keyword, attacked with secrets drawn at random
// here (nothing real-looking is committed) in the phrasings log messages and error strings use: an
// assignment in every syntax (`password=…`, `"password":"…"`, `'password' => '…'`, url-encoded, in
// escaped JSON), prose (`the password is …`, `invalid api key '…'`, `token (…)`, long sentences,
// several keywords), and the end of the value (`password=%s for %s` keeps the user name).
//
// What is asserted is per character: every character of each secret is gone from the redacted text,
// found by lining the kept text up with the original (the controls show the check finds a secret in
// text left as it was, and a two-character tail left behind).
import { expect } from 'chai';
import { randomBytes, randomInt } from 'node:crypto';
import { createRedactor, REDACTED } from '@apitrail/redaction';
import { hasRandomLowerCaseRun } from '../helpers/redaction-secrets.ts';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const redactor = createRedactor();

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** Symbols of a password written unquoted: not the delimiters of a pair (space, `&`, `,`, `;`, quotes, `<`, `>`). */
const SYMBOLS = '!#$%()*+-./:=?@[]^_{|}~\\';
/** Printable ASCII, space included: a password in a JSON string can hold anything, escaped. */
const PRINTABLE = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('');
/** Every word the scanner or the pair rule takes for a credential keyword: a secret that spells one opens a window of its own. */
const KEYWORD_INSIDE = /pass|pwd|secret|token|key|auth|cred|bearer|private/i;

/**
 * One or two `=` and a name, then nothing or what ends a name: after `key=` it reads as `key==name`
 * or `key===name`, a comparison.
 */
const COMPARED_NAME = /^={1,2}[A-Za-z_$][\w$.]*(?:$|[\s)&"',;<>])/;

const randomFrom = (alphabet: string, length: number): string =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/**
 * A password as people and generators make them: `minLength` to 48 characters of digits only, lower
 * case only, letters, letters and digits, or all of those and `symbols`, with or without a digit; a
 * quarter of them start or end with a symbol (`+x…` is where a form-encoded space could be read).
 * Never one that spells a credential keyword.
 */
function password(minLength = 4, symbols = SYMBOLS): string {
  const alphabets = [DIGITS, LOWER, UPPER + LOWER, UPPER + LOWER + DIGITS, UPPER + LOWER + DIGITS + symbols];
  for (;;) {
    let value = randomFrom(alphabets[randomInt(alphabets.length)]!, randomInt(minLength, 49));
    if (randomInt(8) === 0) value = randomFrom(symbols, 1) + value.slice(1);
    else if (randomInt(7) === 0) value = value.slice(0, -1) + randomFrom(symbols, 1);
    // `=` and a character that ends base64 text is read as padding (`…/pw==)`), not a value; `=`
    // and a name after `key=` is a comparison (`token==expected`), kept.
    if (!KEYWORD_INSIDE.test(value) && !/^=+[)\]}.\\]/.test(value) && !COMPARED_NAME.test(value)) return value;
  }
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let sum = 0;
  for (const count of counts.values()) sum += (count / text.length) * Math.log2(count / text.length);
  return -sum;
}

/**
 * A token as the scanner takes one after a keyword in prose: 20 to 64 characters of base64url,
 * base64 or alphanumerics with upper case, lower case and a digit, random enough (a draw that
 * repeats too many characters is drawn again), at most two `/` and none first (with more, a
 * segment that happens to be a word makes it a path; a test of its own draws those). Never one that spells a credential keyword.
 */
function token(
  alphabets = [`${UPPER}${LOWER}${DIGITS}-_`, `${UPPER}${LOWER}${DIGITS}+/`, `${UPPER}${LOWER}${DIGITS}`],
): string {
  for (;;) {
    const value = randomFrom(alphabets[randomInt(alphabets.length)]!, randomInt(20, 65));
    const shaped = /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value);
    const slashes = value.split('/').length - 1;
    if (
      shaped &&
      slashes <= 2 &&
      !value.startsWith('/') &&
      entropy(value) >= 3.6 &&
      !KEYWORD_INSIDE.test(value) &&
      wordShare(value) < 0.6
    ) {
      return value;
    }
  }
}

/**
 * A token without a digit, as some generators make them (base62 drawn without one: one 16-character
 * token in 17, one 32-character token in 280): 20 to 64 letters of both cases, maybe with `-` and `_`,
 * random enough, not read as words (see {@link wordShare}) and with a lower-case run no name made of
 * words has ({@link hasRandomLowerCaseRun}: without it the run is such a name, kept without a digit).
 * Never one that spells a credential keyword.
 */
function lettersOnlyToken(): string {
  for (;;) {
    const value = randomFrom(randomInt(2) === 0 ? `${UPPER}${LOWER}-_` : `${UPPER}${LOWER}`, randomInt(20, 65));
    if (
      /[A-Z]/.test(value) &&
      /[a-z]/.test(value) &&
      hasRandomLowerCaseRun(value) &&
      entropy(value) >= 3.6 &&
      !KEYWORD_INSIDE.test(value) &&
      wordShare(value) < 0.6
    ) {
      return value;
    }
  }
}

/**
 * The share of a run's letters and digits in runs of three lower-case letters or more (with the
 * capital before them): 0.6 or more for every run the scanner reads as an identifier made of words
 * (`OAuth2Client.refreshAccessToken`) and keeps. Random base64 has so much by chance in about 0.3% of
 * draws, and about one draw in 6,000 is kept (a test of its own bounds that); the generator draws those again.
 */
function wordShare(value: string): number {
  const inWords = (value.match(/[A-Z]?[a-z]{3,}/g) ?? []).join('').length;
  return inWords / value.replace(/[^A-Za-z0-9]/g, '').length;
}

/** A text and where each secret interpolated into it is: `` phrase`${plain(name)}=${secret}` ``. */
interface Phrase {
  readonly text: string;
  readonly ranges: readonly (readonly [number, number])[];
}

/** Text interpolated into a phrase that is no secret (a key's name). */
interface Plain {
  readonly plain: string;
}
const plain = (text: string): Plain => ({ plain: text });

function phrase(strings: TemplateStringsArray, ...values: (string | Plain)[]): Phrase {
  let text = strings[0]!;
  const ranges: [number, number][] = [];
  values.forEach((value, index) => {
    if (typeof value === 'string') ranges.push([text.length, text.length + value.length]);
    text += (typeof value === 'string' ? value : value.plain) + strings[index + 1]!;
  });
  return { text, ranges };
}

/** `value` inside a JSON string, without its quotes. */
const jsonEscaped = (value: string): string => JSON.stringify(value).slice(1, -1);

/**
 * The characters of `text` within `ranges` that are still in `redacted`, `text` with some ranges
 * replaced by `[REDACTED]` and the rest kept as it was. The kept pieces are lined up with `text` in
 * order: the first at its start, the last at its end, each other one where it first occurs after the
 * one before and a masked character.
 */
function surviving(text: string, redacted: string, ranges: Phrase['ranges']): string {
  const pieces = redacted.split(REDACTED);
  const kept: [number, number][] = [];
  let from = 0;
  pieces.forEach((piece, index) => {
    const last = index === pieces.length - 1;
    let at: number;
    if (index === 0) at = text.startsWith(piece) && (!last || piece === text) ? 0 : -1;
    else if (last) at = text.endsWith(piece) && text.length - piece.length > from ? text.length - piece.length : -1;
    else at = text.indexOf(piece, from + 1);
    if (at < 0) throw new Error(`${JSON.stringify(redacted)} is not ${JSON.stringify(text)} with parts masked`);
    kept.push([at, at + piece.length]);
    from = at + piece.length;
  });
  return ranges
    .flatMap(([start, end]) =>
      kept.map(([keptStart, keptEnd]) => text.slice(Math.max(start, keptStart), Math.min(end, keptEnd))),
    )
    .join('');
}

/** Redacts `phrase` and expects no character of its values to be left, and a second pass to change nothing. */
function expectMasked({ text, ranges }: Phrase): string {
  const redacted = redactor.redactText(text);
  expect(surviving(text, redacted, ranges), `${JSON.stringify(text)} → ${JSON.stringify(redacted)}`).to.equal('');
  expect(redactor.redactText(redacted), `a second pass over ${JSON.stringify(redacted)}`).to.equal(redacted);
  return redacted;
}

/** Expects each of `texts` (controls: nothing secret in them) to come out of the redactor unchanged. */
function expectKept(texts: readonly string[]): void {
  for (const text of texts) expect(redactor.redactText(text), JSON.stringify(text)).to.equal(text);
}

/** Sensitive keys, as keys of pairs: each is in the key rules, and is or contains a scanner keyword. */
const KEYS = [
  'password',
  'Password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'api_key',
  'apiKey',
  'auth',
  'DB_PASSWORD',
];
const key = (): Plain => plain(KEYS[randomInt(KEYS.length)]!);

const ROUNDS = 150;

describe('redaction: the window after a credential keyword in free text', () => {
  describe('controls: the check finds what is left', () => {
    it('finds every character of a secret in text left as it was', () => {
      const value = password(12);
      const sample = phrase`login failed: password=${value} for bob`;
      expect(surviving(sample.text, sample.text, sample.ranges)).to.equal(value);
    });

    it('finds a tail of two characters left after the replacement, and nothing when all of it went', () => {
      const value = token();
      const sample = phrase`the token is ${value}.`;
      const cutShort = `the token is ${REDACTED}${value.slice(-2)}.`;
      expect(surviving(sample.text, cutShort, sample.ranges)).to.equal(value.slice(-2));
      expect(surviving(sample.text, `the token is ${REDACTED}.`, sample.ranges)).to.equal('');
      expect(() => surviving(sample.text, `the token was ${REDACTED}.`, sample.ranges)).to.throw(/with parts masked/);
    });
  });

  describe('an assigned value goes whatever it looks like: short, long, with or without digits and symbols', () => {
    const forms: Record<string, (name: Plain, value: string) => Phrase> = {
      'key=value': (name, value) => phrase`login failed: ${name}=${value}`,
      'key: value, at the end': (name, value) => phrase`${name}: ${value}`,
      'key=value followed by punctuation': (name, value) => phrase`rejected (${name}=${value}), retrying`,
      'key = "value"': (name, value) => phrase`${plain(name.plain.toUpperCase())} = "${value}" from .env`,
      "'key' => 'value' (PHP)": (name, value) => phrase`config: array('user' => 'bob', '${name}' => '${value}')`,
      '[key] => value (print_r)': (name, value) => phrase`Array ( [user] => bob [${name}] => ${value} )`,
      'key => value': (name, value) => phrase`${name} => ${value}`,
      'url-encoded key%3Dvalue': (name, value) =>
        phrase`redirect to /login%3Fuser%3Dbob%26${name}%3D${encodeURIComponent(value)} failed`,
    };
    for (const [form, make] of Object.entries(forms)) {
      it(form, () => {
        for (let round = 0; round < ROUNDS; round++) expectMasked(make(key(), password()));
      });
    }

    it('"key":"value" in JSON inside free text, and in JSON inside a JSON string (any printable character, escaped)', () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [name, value] = [key(), password(4, PRINTABLE)];
        expectMasked(phrase`request body {"user":"bob","${name}":"${jsonEscaped(value)}"} rejected`);
        expectMasked(phrase`{"msg":"body {\"user\":\"bob\",\"${name}\":\"${jsonEscaped(jsonEscaped(value))}\"}"}`);
        expectMasked(phrase`Parameters: {"user"=>"bob", "${name}"=>"${jsonEscaped(value)}"}`);
      }
    });

    it('several values in one message', () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [first, second, third] = [password(), password(), password()];
        expectMasked(phrase`user=bob ${key()}=${first} ${key()}: ${second} then "${key()}":"${jsonEscaped(third)}"`);
      }
    });
  });

  describe('a random token is found after a keyword in prose, wherever the phrasing puts it', () => {
    const forms: Record<string, (value: string) => Phrase> = {
      'the password is …': (value) => phrase`the password is ${value}`,
      "invalid api key '…'": (value) => phrase`invalid api key '${value}'`,
      'token (…)': (value) => phrase`bad token (${value})`,
      'Authorization: Bearer …': (value) => phrase`retrying with Authorization: Bearer ${value} after 401`,
      'bearer …': (value) => phrase`sent bearer ${value}`,
      'secret => …': (value) => phrase`secret => ${value}`,
      'token -> …': (value) => phrase`token -> ${value}`,
      '<token>…</token>': (value) => phrase`<auth><token>${value}</token></auth>`,
      '<password>…</password>': (value) => phrase`<password>${value}</password>`,
      'token <…>': (value) => phrase`got token <${value}>`,
      'token [...]': (value) => phrase`got token [${value}]`,
      'api key: {…}': (value) => phrase`api key: {${value}}`,
      'key = ${…}': (value) => phrase`key = \${${value}}`,
      'token%3D…': (value) => phrase`next=%2Fcb%3Ftoken%3D${value}`,
      'data[key]=…': (value) => phrase`data[key]=${value}&page=2`,
      'a long sentence: the password for user bob on db-primary is …': (value) =>
        phrase`the password for user bob on db-primary is ${value}`,
      'a long sentence: the api key for tenant acme-7 in region eu-west-1 is …': (value) =>
        phrase`the api key for tenant acme-7 in region eu-west-1 is ${value}`,
      'a long sentence: password of the admin account was set to …': (value) =>
        phrase`password of the admin account was set to ${value}`,
      'a long sentence: the token that was issued to client 42 is …': (value) =>
        phrase`the token that was issued to client 42 is ${value}`,
      'a long sentence: token for user alice@example.com is …': (value) =>
        phrase`token for user alice@example.com is ${value}`,
      'followed by a full stop': (value) => phrase`Your new API key is ${value}. Keep it safe`,
      'followed by !': (value) => phrase`token: ${value}!`,
      'quoted and followed by a comma': (value) => phrase`token is "${value}", expires in 3600s`,
      'in parentheses at the end': (value) => phrase`(secret ${value})`,
      'after two keywords that found nothing': (value) =>
        phrase`token refresh failed (token expired); new token is ${value}`,
      'after a short assigned word': (value) => phrase`Invalid token: expected ${value}`,
      'a reset link after the keyword in prose': (value) =>
        phrase`password reset requested, link: https://app.example.test/account/reset-password/${value}`,
      'a path after the keyword in prose': (value) => phrase`password reset link /reset-password/${value}`,
      'a reset link without a scheme after the keyword in prose': (value) =>
        phrase`password reset requested, link: app.example.test/account/reset-password/${value}`,
      'a request path without a scheme after the keyword in prose': (value) =>
        phrase`auth failed for GET api/v1/users/token/${value}`,
      "a subscript's key: $config['password'] = '…'": (value) => phrase`$config['password'] = '${value}';`,
      'a subscript\'s key: os.environ["API_KEY"] = "…"': (value) => phrase`os.environ["API_KEY"] = "${value}"`,
      "a subscript's key: $_POST['password'] => '…'": (value) => phrase`$_POST['password'] => '${value}'`,
      "a subscript's key in escaped JSON": (value) => phrase`{"line":"settings[\\"SECRET_KEY\\"] = \\"${value}\\""}`,
    };
    for (const [form, make] of Object.entries(forms)) {
      it(form, () => {
        for (let round = 0; round < ROUNDS; round++) {
          // Path segments: base64url, as a link carries a token.
          // Every other token has no digit.
          const drawn = round % 2 === 0 ? token() : lettersOnlyToken();
          const value = form.includes('path') || form.includes('link') ? drawn.replace(/[+/]/g, '-') : drawn;
          expectMasked(make(value));
        }
      });
    }

    it('standard base64 with three slashes or more, or one first, is a token when no segment is a word', () => {
      for (let round = 0; round < ROUNDS; round++) {
        // Segments of 4 to 16 base64 characters, each with a digit (so none is a word).
        const segments = Array.from(
          { length: randomInt(3, 7) },
          () => randomFrom(`${UPPER}${LOWER}${DIGITS}+`, randomInt(3, 16)) + randomFrom(DIGITS, 1),
        );
        const value = `${randomInt(2) === 0 ? '/' : ''}${segments.join('/')}`;
        // A token is 16 characters or more: three short segments can make less.
        if (
          value.length < 16 ||
          !/[A-Z]/.test(value) ||
          !/[a-z]/.test(value) ||
          entropy(value) < 3.6 ||
          KEYWORD_INSIDE.test(value)
        ) {
          round--;
          continue;
        }
        expectMasked(phrase`the api key is ${value}`);
      }
      // Control: a path, whose segments are words, stays.
      for (const path of [
        '/api/v1/Users/Profile123/keys',
        '/Users/JohnSmith/Documents2024',
        '/etc/ssl/private/Server2024Key.pem',
      ]) {
        expect(redactor.redactText(`the token file is ${path}`)).to.equal(`the token file is ${path}`);
      }
    });

    it('two tokens after two keywords in one message', () => {
      for (let round = 0; round < ROUNDS; round++) {
        expectMasked(phrase`password and token rotated: token is ${token()}, password is ${token()}`);
      }
    });
  });

  describe('an assigned value as long as a token ends the window (the next word is not masked)', () => {
    it('keeps the word after a password of 17 or more characters, with or without digits (`password=%s for %s`)', () => {
      const forms = [
        (name: Plain, value: string, next: string) => phrase`login ${name}=${value} for ${next}`,
        (name: Plain, value: string, next: string) => phrase`${name}: ${value}, user ${next}`,
        (name: Plain, value: string, next: string) => phrase`{"${name}":"${jsonEscaped(value)}","user":"${next}"}`,
        (name: Plain, value: string, next: string) => phrase`${name} => '${value}' for ${next}`,
      ];
      for (let round = 0; round < ROUNDS; round++) {
        for (const make of forms) {
          // The word after it is random-looking, as the winston splat check's probe is, and kept
          // on its own (not a provider's token by chance, `fnA…`). A password holding a
          // percent-escape is read decoded too, where `%22` is a quote; 17 characters: a leading
          // `=` or `>` is read as part of the separator.
          const value = password(17).replace(/%/g, '!');
          let next = token();
          while (redactor.redactText(next) !== next) next = token();
          const { text, ranges } = make(key(), value, next);
          const redacted = expectMasked({ text, ranges: [ranges[0]!] });
          expect(surviving(text, redacted, [ranges[1]!]), `${text} → ${redacted}`).to.equal(next);
        }
      }
    });

    it('keeps what only looks like a value in prose with keywords (control: nothing random, nothing masked)', () => {
      expectKept([
        'token expired after 30 seconds, refreshing',
        'the api key for tenant acme-7 in region eu-west-1 was rotated by the admin',
        '<token>expired</token>',
        'token -> refresh_access_token_handler',
        'password of the admin account was set to expire in 90 days',
        'the token for request 3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b was revoked',
      ]);
    });
  });

  describe("a quoted value written in pieces: SQL's doubled quote, the shell's '\\'' (masked whole)", () => {
    /**
     * Symbols without the backslash: before a quote it escapes the quote in most syntaxes, and the
     * value then runs on to the end of the line (masked, but so is what follows, which is checked kept).
     * Without `%` too: the text is also read percent-decoded, where `%27` is one more quote.
     */
    const UNESCAPED_SYMBOLS = SYMBOLS.replace('\\', '').replace('%', '');
    /** `value` between an SQL literal's quotes: each quote in it doubled. */
    const sqlQuoted = (value: string): string => value.replaceAll("'", "''");
    /** `value` between a shell's single quotes: each quote in it closes them, is escaped and opens them again. */
    const shellQuoted = (value: string): string => value.replaceAll("'", "'\\''");
    /** Pieces of password joined by single quotes, with a quote first if `first`, and last in half of them. */
    function withQuotes(pieces: number, first: boolean): string {
      const joined = Array.from({ length: pieces }, () => password(4, UNESCAPED_SYMBOLS)).join("'");
      return `${first ? "'" : ''}${joined}${randomInt(2) === 0 ? "'" : ''}`;
    }

    it("a password starting with a quote in an SQL literal ('''…'''), the statement after it kept", () => {
      const forms = [
        (name: Plain, value: string) => phrase`UPDATE users SET ${name} = '${sqlQuoted(value)}' WHERE id = 3`,
        (name: Plain, value: string) => phrase`UPDATE users SET ${name}='${sqlQuoted(value)}' WHERE id = 3`,
        (name: Plain, value: string) =>
          phrase`UPDATE users SET email = 'bob@example.test', ${name} = '${sqlQuoted(value)}' WHERE id = 3`,
      ];
      for (let round = 0; round < ROUNDS; round++) {
        for (const make of forms) {
          const sample = make(key(), withQuotes(randomInt(1, 3), true));
          expect(expectMasked(sample), sample.text).to.match(/' WHERE id = 3$/);
        }
      }
    });

    it('an SQL literal so quoted inside a JSON log line (any printable character), and one left open (masked to the end of the line)', () => {
      for (let round = 0; round < ROUNDS; round++) {
        const printable = `'${password(4, PRINTABLE)}'`;
        expectMasked(
          phrase`{"level":"error","sql":"UPDATE users SET ${key()} = '${jsonEscaped(sqlQuoted(printable))}'"}`,
        );
        expectMasked(
          phrase`UPDATE users SET ${key()} = '${sqlQuoted(`'${password(4, UNESCAPED_SYMBOLS)}'`)} WHERE id = 3`,
        );
      }
    });

    it("a token in prose in doubled quotes (WITH PASSWORD '''…'''): the doubled quotes go with it", () => {
      for (let round = 0; round < ROUNDS; round++) {
        expectMasked(phrase`ALTER USER bob WITH PASSWORD '${`''${token()}''`}'`);
      }
    });

    it("an SQL literal with a prefix (N'…', E'…', X'…', B'…'): the literal goes, the prefix and the statement stay", () => {
      for (let round = 0; round < ROUNDS; round++) {
        for (const prefix of ['N', 'E', 'X', 'B', 'n', 'e']) {
          const value = withQuotes(randomInt(1, 3), randomInt(2) === 0);
          const sample = phrase`UPDATE users SET ${key()} = ${plain(prefix)}'${sqlQuoted(value)}' WHERE id = 3`;
          expect(expectMasked(sample), sample.text).to.match(new RegExp(`= ${prefix}'.*' WHERE id = 3$`));
        }
      }
    });

    it('a quoted literal right after PASSWORD or IDENTIFIED BY in SQL (no separator), whatever it looks like', () => {
      const forms = [
        (value: string) => phrase`ALTER USER bob WITH PASSWORD '${sqlQuoted(value)}'; GRANT ALL ON db TO bob`,
        (value: string) => phrase`alter role app_rw with login password '${sqlQuoted(value)}' valid until 'infinity'`,
        (value: string) => phrase`ALTER ROLE x PASSWORD '${sqlQuoted(value)}'`,
        (value: string) => phrase`ALTER USER bob WITH ENCRYPTED PASSWORD E'${sqlQuoted(value)}';`,
        (value: string) => phrase`CREATE USER bob IDENTIFIED BY '${sqlQuoted(value)}'; GRANT ALL ON db TO bob`,
        (value: string) =>
          phrase`CREATE USER 'bob'@'%' IDENTIFIED WITH caching_sha2_password BY '${sqlQuoted(value)}'; FLUSH PRIVILEGES`,
        (value: string) => phrase`SET PASSWORD FOR bob = '${sqlQuoted(value)}'; FLUSH PRIVILEGES`,
        (value: string) =>
          phrase`SET PASSWORD FOR 'bob'@'localhost' = PASSWORD('${sqlQuoted(value)}'); FLUSH PRIVILEGES`,
        (value: string) => phrase`Identified by '${sqlQuoted(value)}'`,
        (value: string) => phrase`ALTER USER bob IDENTIFIED BY "${value.replaceAll("'", '"').replaceAll('"', '""')}";`,
      ];
      for (let round = 0; round < ROUNDS; round++) {
        for (const make of forms) {
          const sample = make(withQuotes(randomInt(1, 3), randomInt(3) === 0));
          const redacted = expectMasked(sample);
          // What follows the literal stays.
          const after = /(?:'\)?;.*|' valid until 'infinity'|";)$/.exec(sample.text);
          if (after !== null) expect(redacted, sample.text).to.match(new RegExp(`${escapeRegExp(after[0])}$`));
        }
      }
      // Controls: no literal right after the keyword.
      expectKept([
        'password reset for bob',
        'ALTER USER bob WITH PASSWORD NULL',
        "SELECT PASSWORD(name) FROM users WHERE id = 'x'",
        'the user bob has no password; IDENTIFIED EXTERNALLY',
        "ALTER USER bob WITH PASSWORD '' VALID UNTIL 'infinity'",
        "password expired for 'bob'",
      ]);
    });

    it('a quote glued to more text: the rest of the line goes, `&` included, up to a next query parameter', () => {
      const noEquals = UNESCAPED_SYMBOLS.replace('=', '');
      for (let round = 0; round < ROUNDS; round++) {
        // The piece after the escaped quote starts with a letter: a delimiter there (`'ab\\'}…`) ends the
        // value as JSON's closing quote and bracket would.
        const [first, second, third] = [
          password(4, noEquals),
          `${randomFrom(LOWER, 1)}${password(4, noEquals)}`,
          password(4, noEquals),
        ];
        const glued = phrase`${key()}='${first}\\'${second}&${third}`;
        expectMasked(glued);
        const line = phrase`${key()}='${first}\\'${second}&${third}\nnext=1`;
        expect(expectMasked(line), line.text).to.match(/\nnext=1$/);
        const query = phrase`q=1&${key()}="${first}"${second}&${third}&page=2`;
        expect(expectMasked(query), query.text).to.match(/&page=2$/);
      }
    });

    it("a password holding a quote in a shell's single quotes ('…'\\''…'), the command after it kept", () => {
      for (let round = 0; round < ROUNDS; round++) {
        const value = withQuotes(randomInt(2, 4), randomInt(4) === 0);
        const upper = plain(key().plain.toUpperCase());
        const option = phrase`mysql --password='${shellQuoted(value)}' -u bob`;
        expect(expectMasked(option), option.text).to.match(/' -u bob$/);
        const dotenv = phrase`${upper}='${shellQuoted(value)}'\nLOG_LEVEL=debug`;
        expect(expectMasked(dotenv), dotenv.text).to.match(/'\nLOG_LEVEL=debug$/);
        expectMasked(phrase`export ${upper}='${shellQuoted(value)}'`);
        expectMasked(phrase`{"cmd":"export ${upper}='${jsonEscaped(shellQuoted(value))}'"}`);
      }
    });

    it('keeps doubled quotes and shell escapes that no credential key or keyword owns (control)', () => {
      expectKept([
        "UPDATE users SET name = '''quoted''' WHERE id = 3",
        "INSERT INTO notes (body) VALUES ('it''s ''quoted'' text')",
        "UPDATE users SET password = '' WHERE id = 3",
        "echo 'it'\\''s fine'",
        "git commit -m 'don'\\''t panic' && git push",
        "name='O'\\''Brien' city='Cork'",
        `{"msg":"it'\\\\''s done"}`,
      ]);
    });
  });

  describe('a command-line flag and a key joined with `_` or `-` name their secret as the bare key does', () => {
    it('--key=value and -key=value for every short key, and db_pwd, DB_PASS, smtp-pass, basic_auth', () => {
      const flagged = [
        'pwd',
        'pw',
        'pass',
        'auth',
        'passwd',
        'secret',
        'token',
        'apikey',
        'otp',
        'jwt',
        'cookie',
        'bearer',
      ];
      const joined = ['db_pwd', 'DB_PASS', 'smtp-pass', 'basic_auth', 'proxy-auth', 'old_pw', 'db-pwd', 'MYSQL_PASS'];
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of flagged) {
          for (const dashes of ['--', '-']) {
            // A percent-escape is read decoded too, where `%27` opens a quote that runs to the end of the line.
            const sample = phrase`mysqldump ${plain(dashes + name)}=${password().replace(/%/g, '!')} -u bob`;
            expect(expectMasked(sample), sample.text).to.match(/ -u bob$/);
          }
        }
        for (const name of joined) {
          expectMasked(phrase`${plain(name)}=${password()}`);
          expectMasked(phrase`run --${plain(name)}=${password()} --verbose`);
        }
      }
    });

    it('as a command line split in arguments, the argument after --pwd or --auth', () => {
      // Not starting with `-`: an argument that does is the next option.
      const value = `${randomFrom(LOWER, 1)}${password(8)}`;
      const redacted = redactor.redactValue(['mysql', '--pwd', value, '--auth', value, '-u', 'bob']);
      expect(redacted).to.deep.equal(['mysql', '--pwd', REDACTED, '--auth', REDACTED, '-u', 'bob']);
    });

    it('keeps keys that only spell a short key inside a word (control)', () => {
      expectKept([
        '--author=alice',
        '--authority=ca.example.test',
        'bypass=1',
        'compass=north',
        '--pass-through=yes',
        'passes=3',
        '-passive=1',
      ]);
    });
  });

  describe('a comparison is no assignment', () => {
    it('keeps key==name, key == name, key != null (control)', () => {
      expectKept([
        'token==expected',
        'if (password == confirm) return',
        'if(password==confirm)',
        'token != null',
        'assert token==expected_token, "mismatch"',
        'secret===EXPECTED_SECRET',
        'check failed: apiKey==config.apiKey',
        'while (token ==nextToken)',
      ]);
    });

    it('still masks key=value and key== with a value that is no name (digits, a symbol, a token)', () => {
      for (let round = 0; round < ROUNDS; round++) {
        expectMasked(phrase`${key()}=${password()}`);
        expectMasked(phrase`${key()}==${randomFrom(DIGITS, randomInt(4, 12))}`);
        expectMasked(phrase`${key()}==${randomFrom(LOWER, randomInt(2, 8))}!${randomFrom(LOWER, 4)}`);
        expectMasked(phrase`if (token == ${token()})`);
      }
    });
  });

  describe('a keyword spelled by chance inside base64 data is no keyword', () => {
    it('keeps random base64 (an image, a blob) whole where a keyword falls in it: `…KeY+…`, `…vPwd/…`, `…gToken/…`', () => {
      const keywords = [
        'key',
        'KeY',
        'kEY',
        'Key',
        'pwd',
        'Pwd',
        'PwD',
        'token',
        'Token',
        'auth',
        'Auth',
        'secret',
        'Secret',
      ];
      const draws = 4_000;
      const changed: string[] = [];
      for (let round = 0; round < draws; round++) {
        // 24 or more random base64 characters, then the keyword, then `/` or `+` and more data.
        const before = randomBytes(randomInt(18, 40)).toString('base64').replace(/=+$/, '');
        const after = randomBytes(randomInt(24, 60)).toString('base64');
        const blob = `data:image/png;base64,${before}${keywords[randomInt(keywords.length)]}${randomInt(2) === 0 ? '/' : '+'}${after}`;
        const redacted = redactor.redactText(blob);
        if (redacted !== blob) changed.push(redacted);
      }
      // Runs of base64 that happen to read as words (or repeat characters) before the keyword: about 1 in 1,000.
      expect(changed.length, changed.slice(0, 5).join('\n')).to.be.at.most(draws / 200);
    });

    it('control: a keyword glued to a short or word-like run, or to base64 across a separator, still opens its window', () => {
      for (let round = 0; round < ROUNDS; round++) {
        const value = token();
        expectMasked(phrase`GET /api/v2/Users/resetPassword/${value.replace(/[+/]/g, '-')}`);
        expectMasked(phrase`x9fK2apiKey: ${value}`);
        expectMasked(phrase`blob=${plain(randomBytes(24).toString('base64'))} token ${value}`);
        expectMasked(phrase`APIKey=${value}`);
      }
    });
  });

  describe('an identifier made of words near a keyword is no token', () => {
    it('keeps CamelCase and dotted names with digits (control)', () => {
      expectKept([
        'token refresh failed in OAuth2Client.refreshAccessToken',
        'token refresh failed in AuthServiceV2.refreshToken',
        'password hashed with Argon2id.hashPassword',
        'token validation failed in JwtStrategy2.validate',
        'the token expired for HttpClient2Factory',
        'password reset for UserAccountV2Handler',
        'if (password == confirmPassword2)',
        'auth failed: Http2ServerRequest closed before the token arrived',
        'secret rotation scheduled by com.example.auth.Token2Service',
        'token is signed with sha256WithRSAEncryption',
      ]);
    });

    it('keeps names made of words without a digit: words of three letters or more, and short ones such as By and Id (control)', () => {
      expectKept([
        'token refresh failed in OAuthTokenRefreshHandler',
        'token validation failed in AbstractAuthenticationProcessingFilter',
        'password encoder is BCryptPasswordEncoder',
        'the auth header went to XMLHttpRequestUpload',
        'token refresh failed in OAuthClient.refreshAccessToken',
        'GET /api/token/refreshAccessToken',
        'GET /reset-password/Confirm-Your-Account',
        'GET /auth/getApiKeyForUser',
        'token lookup failed in findTokenByTenantId',
        'GET /token/isValidForUserById',
        'the secret is stored in AWSSecretsManagerClient',
      ]);
    });

    it('masks a random token without a digit, all but about one in 70 that reads as a name made of words', () => {
      const draws = 20_000;
      let kept = 0;
      for (let round = 0; round < draws; round++) {
        const value = randomFrom(`${UPPER}${LOWER}`, randomInt(16, 65));
        if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || entropy(value) < 3.6) {
          round--;
          continue;
        }
        if (KEYWORD_INSIDE.test(value)) continue;
        for (const text of [`the token is ${value}`, `/reset-password/${value}`]) {
          if (redactor.redactText(text) === text) kept++;
        }
      }
      // 1.4% (546 of 40,000): 5% at 16 to 23 letters, 1.8% at 24 to 31, 0.3% from 32, in a path and in
      // prose alike. A base62 token lacks a digit one time in 17 at 16 characters and in 280 at 32.
      expect(kept, `${kept} of ${2 * draws} kept`).to.be.at.most((2 * draws) / 40);
    });

    it('still masks random tokens, all but about one in 6,000 that reads as words', () => {
      const draws = 20_000;
      let kept = 0;
      for (let round = 0; round < draws; round++) {
        const value = randomFrom(`${UPPER}${LOWER}${DIGITS}`, randomInt(16, 65));
        if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/[0-9]/.test(value) || entropy(value) < 3.6) {
          round--;
          continue;
        }
        if (KEYWORD_INSIDE.test(value)) continue;
        const text = `the token is ${value}`;
        if (redactor.redactText(text) === text) kept++;
      }
      expect(kept, `${kept} of ${draws} kept`).to.be.at.most(draws / 1000);
    });
  });
});
