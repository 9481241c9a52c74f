// A command line logged in free text (`mysql -u root --password <s> -h db`): the value after a flag
// that names a secret, with a space between (not `=`), is the secret, whatever it looks like, and so
// is the value of a one-letter password option of the commands that have one (`mysql -p<s>`). The
// `=` form (`--password=<s>`) is a key=value pair (redaction-keyword-window.test.ts); a value split
// off into the next element of an argument array is redaction-rules.test.ts's. Secrets are drawn at
// random here (nothing real-looking is committed), several per form, and no 8-character piece of
// one may be left in the redacted text.
import { expect } from 'chai';
import { randomInt } from 'node:crypto';
import { createRedactor, REDACTED } from '@apitrail/redaction';
import { randomString } from '../helpers/redaction-secrets.ts';

const redactor = createRedactor();

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
/**
 * Symbols of a password typed on a command line: no space or `"` (they end an unquoted word), no
 * backslash (it escapes the space after it, and the single quote closing a literal is read as escaped).
 */
const SYMBOLS = "!#$%&()*+,./:;<=>?@[]^_{|}~'-";
/** Printable ASCII, space and quotes included: what a quoted password can hold. */
const PRINTABLE = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('');

/**
 * Words and separators that other rules read on from (`token=`, `"key": "…`): a password spelling
 * one is masked by them too, sometimes past its end, which is not what is tested here.
 */
const OTHER_RULES = /pass|pwd|pw|secret|token|key|auth|cred|bearer|private|session|cookie|jwt|otp|sig|[=:%]/i;

/**
 * A password that is no random token (the keyword window finds those already): 8 to 40 characters
 * of lower case only, letters only, digits only, or letters, digits and symbols, not starting with
 * `-` (an argument that does is the next option) or a quote.
 */
function password(alphabet?: string): string {
  const alphabets = [LOWER, LETTERS, DIGITS, LETTERS + DIGITS + SYMBOLS, LOWER + SYMBOLS];
  for (;;) {
    const chosen = alphabet ?? alphabets[randomInt(alphabets.length)]!;
    const value = randomString(1, `${LETTERS}${DIGITS}!#$*+./@^_~`) + randomString(randomInt(7, 40), chosen);
    // `B'…` after `--password` is also an SQL literal with a prefix (WITH PASSWORD B'…'), read to its quote.
    if (!OTHER_RULES.test(value) && !/^[NEXBnexb]'/.test(value)) return value;
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

/** Redacts `text` and expects no piece of `written` (the secret as the text spells it) left, and `kept` at its end. */
function expectMasked(text: string, written: string, kept = ''): string {
  const redacted = redactor.redactText(text);
  expect(survivingPieces(redacted, written), `${JSON.stringify(text)} → ${JSON.stringify(redacted)}`).to.deep.equal([]);
  if (kept !== '') expect(redacted, text).to.satisfy((out: string) => out.endsWith(kept));
  expect(redactor.redactText(redacted), `a second pass over ${JSON.stringify(redacted)}`).to.equal(redacted);
  return redacted;
}

/** `value` between a shell's single quotes: each quote in it closes them, is escaped and opens them again. */
const shellQuoted = (value: string): string => value.replaceAll("'", "'\\''");
/**
 * `value` between a shell's double quotes: `"`, `\\`, `$` and `` ` `` in it escaped with a backslash.
 * Not ending with `"`: after `--password`, `\""` is also SQL's doubled quote (WITH PASSWORD "…""…"),
 * which reads on to the end of the line (masked: not what is tested here).
 */
const shellDoubleQuoted = (value: string): string => value.replace(/"+$/, '').replace(/["\\$`]/g, '\\$&');
/** `value` inside a JSON string, without its quotes. */
const jsonEscaped = (value: string): string => JSON.stringify(value).slice(1, -1);

/** Flags whose name the key rules call secret, with one or two dashes. */
const FLAGS = [
  '--password',
  '--pwd',
  '--passwd',
  '--pass',
  '--db-password',
  '--api-key',
  '--token',
  '--client-secret',
  '--auth',
  '-pw',
  '-password',
];
const flag = (): string => FLAGS[randomInt(FLAGS.length)]!;

const ROUNDS = 60;

describe('redaction: the value after a secret command-line flag and a space, in free text', () => {
  describe('controls: the check finds what is left', () => {
    it('finds the pieces of a secret left as it was, and of one cut short', () => {
      const value = password();
      const text = `mysql -u root --password ${value} -h db`;
      expect(survivingPieces(text, value)).to.have.length(value.length - 7);
      expect(survivingPieces(`--password ${REDACTED} ${value.slice(-8)}`, value)).to.deep.equal([value.slice(-8)]);
      expect(survivingPieces(`--password ${REDACTED} ${value.slice(-7)}`, value)).to.deep.equal([]);
    });
  });

  it('an unquoted value, what follows it kept: mysql -u root --password <s> -h db', () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [name, value] = [flag(), password()];
      expectMasked(`mysql -u root ${name} ${value} -h db`, value, ' -h db');
      expectMasked(`${name} ${value}`, value);
      expectMasked(`running: pg_dump ${name}\t${value} --format=c mydb`, value, ' --format=c mydb');
      expectMasked(`backup.sh ${name}   ${value}\nexit 0`, value, '\nexit 0');
    }
  });

  it("a quoted value (single quotes, the shell's '\\'' inside, double quotes, escapes inside), what follows it kept", () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = flag();
      const spaced = shellQuoted(`${password()} ${password()}`);
      expectMasked(`pg_dump ${name} '${spaced}' -h db mydb`, spaced, "' -h db mydb");
      const quoted = password(PRINTABLE.replace("'", '').replace('\\', ''));
      expectMasked(`pg_dump ${name} '${quoted}' -h db`, quoted, "' -h db");
      const withQuote = `${password()}'${password()}`;
      expectMasked(`pg_dump ${name} '${shellQuoted(withQuote)}' -h db`, shellQuoted(withQuote), "' -h db");
      const doubled = shellDoubleQuoted(password(PRINTABLE));
      expectMasked(`mysql ${name} "${doubled}" -u bob`, doubled, '" -u bob');
      // Pieces of one argument: the quoted one and what is glued after its closing quote.
      const [quotedPiece, gluedPiece] = [`${password()} ${password()}`.replaceAll("'", ''), password()];
      const glued = expectMasked(`pg_dump ${name} '${quotedPiece}'${gluedPiece} -h db`, quotedPiece, ' -h db');
      expect(survivingPieces(glued, gluedPiece), glued).to.deep.equal([]);
    }
  });

  it('inside a JSON string: unquoted, at its end, in escaped quotes (any printable character)', () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = flag();
      const value = password();
      expectMasked(`{"cmd":"mysql -u root ${name} ${jsonEscaped(value)} -h db"}`, jsonEscaped(value), ' -h db"}');
      expectMasked(`{"cmd":"mysql -u root ${name} ${jsonEscaped(value)}","ok":true}`, jsonEscaped(value));
      const printable = shellDoubleQuoted(password(PRINTABLE));
      const line = JSON.stringify({ cmd: `pg_dump ${name} "${printable}" mydb`, level: 'info' });
      const redacted = expectMasked(line, jsonEscaped(printable), '\\" mydb","level":"info"}');
      expect(() => JSON.parse(redacted) as unknown, redacted).not.to.throw();
    }
  });

  it('several flags in one command line', () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [first, second] = [password(), password()];
      const text = `deploy --db-password ${first} --region eu-west-1 --api-key ${second} --verbose`;
      const redacted = expectMasked(text, first, ' --verbose');
      expect(survivingPieces(redacted, second)).to.deep.equal([]);
      expect(redacted).to.include(' --region eu-west-1 ');
    }
  });

  it('one-letter options of the commands that take a password with one: mysql -p<s>, sshpass -p <s>, redis-cli -a <s>, …', () => {
    const forms: readonly ((value: string) => [string, string])[] = [
      (value) => [`mysql -u root -p${value} mydb`, ' mydb'],
      (value) => [`mysqldump -uroot -p${value} --all-databases > all.sql`, ' --all-databases > all.sql'],
      (value) => [`/usr/bin/mariadb -h db -p${value}`, ''],
      (value) => [`docker exec db mysqladmin -uroot -p${value} status`, ' status'],
      (value) => [`sshpass -p ${value} ssh deploy@host`, ' ssh deploy@host'],
      (value) => [`sshpass -p${value} scp a host:b`, ' scp a host:b'],
      (value) => [`redis-cli -h cache -p 6379 -a ${value} ping`, ' ping'],
      (value) => [
        `mongosh --host db -u admin -p ${value} --authenticationDatabase admin`,
        ' --authenticationDatabase admin',
      ],
      (value) => [`sqlcmd -S db -U sa -P ${value} -Q "SELECT 1"`, ' -Q "SELECT 1"'],
      (value) => [`ldapsearch -x -D cn=admin,dc=example -w ${value} -b dc=example`, ' -b dc=example'],
      (value) => [`zip -P ${value} out.zip report.pdf`, ' out.zip report.pdf'],
      (value) => [`7z a -p${value} out.7z report.pdf`, ' out.7z report.pdf'],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const make of forms) {
        const value = password();
        const [text, kept] = make(value);
        expectMasked(text, value, kept);
        const quoted = shellQuoted(`${password()} ${password()}`);
        const [inQuotes, keptAfter] = make(`'${quoted}'`);
        expectMasked(inQuotes, quoted, keptAfter);
        expectMasked(JSON.stringify({ cmd: text }), jsonEscaped(value));
      }
    }
  });

  it("curl's user:password (-u, --user, -U, --proxy-user, glued or in a cluster such as -su): the password goes, the user stays", () => {
    const forms: readonly ((credentials: string) => [string, string])[] = [
      (credentials) => [
        `curl -u ${credentials} https://api.example.test/v1/items`,
        ' https://api.example.test/v1/items',
      ],
      (credentials) => [
        `curl -sS --user ${credentials} -X POST https://api.example.test`,
        ' -X POST https://api.example.test',
      ],
      (credentials) => [`curl -u${credentials} https://api.example.test`, ' https://api.example.test'],
      (credentials) => [`curl -fsSLu ${credentials} https://api.example.test`, ' https://api.example.test'],
      (credentials) => [`/usr/bin/curl -x proxy:3128 -U ${credentials} https://example.test`, ' https://example.test'],
      (credentials) => [`curl --proxy-user ${credentials} https://example.test`, ' https://example.test'],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const make of forms) {
        const user = randomString(randomInt(3, 12), LOWER);
        const value = password();
        const [text, kept] = make(`${user}:${value}`);
        const redacted = expectMasked(text, value, kept);
        expect(redacted, text).to.include(`${user}:`);
        const quoted = shellQuoted(`${password()} ${password()}`);
        const [inQuotes, keptAfter] = make(`'${user}:${quoted}'`);
        expectMasked(inQuotes, quoted, keptAfter);
        expectMasked(JSON.stringify({ cmd: text }), jsonEscaped(value));
      }
    }
  });

  it('a command line written as a list (JSON, JSON in a JSON string, a Python list): the element after a secret flag', () => {
    for (let round = 0; round < ROUNDS; round++) {
      const value = password(LETTERS + DIGITS + SYMBOLS.replace("'", ''));
      const name = flag();
      const list = ['mysql', '-h', 'db', name, value, 'mydb'];
      const json = JSON.stringify(list);
      expect(expectMasked(`spawn ${json} failed`, jsonEscaped(value))).to.match(/"mydb"\] failed$/);
      expectMasked(JSON.stringify({ msg: `spawn ${json}` }), jsonEscaped(jsonEscaped(value)));
      expectMasked(`args: ${list.map((item) => `'${item}'`).join(', ')}`, value);
      expectMasked(`argv=[${list.map((item) => `"${item}"`).join(', ')}]`, value);
    }
  });

  it('keeps prose about a flag, the next option, and flags that name no secret or take no value (control)', () => {
    for (const text of [
      'use --password to set it',
      'the --token flag is deprecated, pass --token or --token-file instead',
      '--password is required',
      '--password and --user must be given together',
      '--password must not be empty',
      'mysql -u root --password -h db',
      'read from stdin: --password -',
      'pg_dump --no-password mydb',
      'docker login --username bob --password-stdin registry.example.test',
      'git log --author alice --since 2024-01-01',
      'ssh -p 2222 deploy@host',
      'psql -p 5432 -h db mydb',
      'mysql -u root -p mydb',
      'mysql -h db -P 3306 -u root -p',
      'redis-cli -p 6379 ping',
      'docker run -p 8080:80 -p 9090:90 image',
      'gcc -pthread -pipe -o app main.c',
      'find . -name x -print -prune',
      'gzip -P x file',
      'the mysql client asks for it\n-pthread is a compiler option',
      'unknown option --password',
      'set it with --password. Then restart the server',
      'curl -u alice https://api.example.test',
      'curl -sS -H "Accept: application/json" https://api.example.test/users',
      'mysql -u root -h db',
      'curl --user alice -X GET https://api.example.test',
      '["mysql", "--password", "--host", "db"]',
      '["--password-stdin", "registry.example.test"]',
      "['ssh', '-p', '2222', 'host']",
    ]) {
      expect(redactor.redactText(text), text).to.equal(text);
    }
  });
});
