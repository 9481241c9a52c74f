// The redactor's rules: every secret format, key rules, the allow-list, replacement modes, PII mode,
// bounds and the copy-only-what-changes contract.
import { expect } from 'chai';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApitrailConfigError,
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_NAME,
  ATTR_AUTH_METHOD,
  ATTR_CORRELATION_ID,
  ATTR_TENANT_ID,
  ATTR_URL_QUERY,
  FIELD_MAPPINGS,
} from '@apitrail/core/internal';
import {
  createRedactor,
  DEFAULT_SENSITIVE_KEYS,
  newTally,
  readRedactionConfig,
  REDACTED,
  type Redactor,
} from '@apitrail/redaction/internal';
import {
  generatedSecrets,
  gluedForms,
  gluedLookAlikes,
  leakedSecrets,
  lookAlikes,
  luhnCardNumber,
  printedCardForms,
  randomString,
  CARD_ISSUERS,
} from '../helpers/redaction-secrets.ts';

describe('redaction: rules', () => {
  const redactor = createRedactor();

  describe('value formats', () => {
    for (const secret of generatedSecrets()) {
      it(`redacts a ${secret.format} inside free text, keeping the text around it`, () => {
        const text = `user said: ${secret.text} (request 42)`;
        const redacted = redactor.redactText(text);
        expect(leakedSecrets(redacted, [secret]), redacted).to.deep.equal([]);
        expect(redacted)
          .to.include(REDACTED)
          .and.match(/^user said: /)
          .and.match(/\(request 42\)$/);
      });
    }

    it('redacts every format percent- or form-encoded in a query string or a path', () => {
      for (const secret of generatedSecrets()) {
        const encoded = encodeURIComponent(secret.text);
        const formEncoded = new URLSearchParams({ q: secret.text }).toString();
        for (const text of [`page=2&q=${encoded}&sort=asc`, `/api/v1/items/${encoded}/details`, formEncoded]) {
          const redacted = redactor.redactText(text);
          expect(leakedSecrets(redacted, [secret]), `${secret.format}: ${redacted}`).to.deep.equal([]);
        }
      }
      expect(redactor.redactText('q=hello%20world&api%5Fkey=abcdef')).to.equal(`q=hello%20world&api%5Fkey=${REDACTED}`);
      expect(redactor.redactText('q=hello%20world')).to.equal('q=hello%20world');
    });

    it('finds a secret behind percent-encoded UTF-8 and malformed byte runs, and masks it where it is, all else byte-identical', () => {
      const secret = randomString(20);
      const query = `q=%C3%A9t%C3%A9+%F0%9F%98%80&bad=%aa,%C3,%ED%A0%80,%C0%AF,%F4%90%80%80&token%3D${secret}`;
      expect(redactor.redactText(query)).to.equal(
        `q=%C3%A9t%C3%A9+%F0%9F%98%80&bad=%aa,%C3,%ED%A0%80,%C0%AF,%F4%90%80%80&token%3D${REDACTED}`,
      );
    });

    it('redacts an unquoted key=value secret whole even when it holds a form feed or vertical tab', () => {
      for (const control of ['\f', '\v', '\u00a0']) {
        const tail = randomString(16);
        const redacted = redactor.redactText(`config passwd=${randomString(8)}${control}${tail} end`);
        expect(redacted, JSON.stringify(control)).to.not.include(tail);
      }
    });

    it('redacts the whole credential of an Authorization value written in free text, for every scheme', () => {
      for (const scheme of ['Bearer', 'Basic', 'Token', 'ApiKey', 'Api-Key', 'API-KEY']) {
        const secret = randomString(32);
        const redacted = redactor.redactText(`retrying with authorization: ${scheme} ${secret} after 401`);
        expect(redacted, scheme).to.not.include(secret);
      }
      expect(redactor.redactText('the apikey parameter1234 is documented'), 'lower-case prose').to.equal(
        'the apikey parameter1234 is documented',
      );
    });

    it('redacts prefixed tokens glued to the words around them (`x_ghp_…`, `tokenghp_…`, `abcAKIA…`)', () => {
      let glued = 0;
      for (const secret of generatedSecrets()) {
        for (const form of gluedForms(secret)) {
          const redacted = redactor.redactText(`user said: ${form} (request 42)`);
          expect(leakedSecrets(redacted, [secret]), `${secret.format}: ${redacted}`).to.deep.equal([]);
          expect(redacted, `${secret.format}: the end of ${form}`).to.not.include(secret.secret.slice(-8));
          glued++;
        }
      }
      expect(glued, 'glued forms tested').to.be.at.least(40);
    });

    it('keeps identifiers with a token prefix inside a word (`task_test_…`, `task-admin-…`)', () => {
      for (const name of gluedLookAlikes()) {
        expect(redactor.redactText(`job ${name} started`), name).to.equal(`job ${name} started`);
      }
    });

    it('redacts tokens cut short by a length limit: a JWT without its signature, a truncated GitHub token', () => {
      const jwt = generatedSecrets().find((secret) => secret.format === 'jwt')!.text;
      const unsigned = jwt.slice(0, jwt.lastIndexOf('.'));
      expect(redactor.redactText(`tenant ${unsigned.slice(0, -3)}…[truncated 120]`)).to.equal(
        `tenant ${REDACTED}…[truncated 120]`,
      );
      const pat = `github_pat_${randomString(30)}`;
      expect(redactor.redactText(`tenant ${pat}…`)).to.equal(`tenant ${REDACTED}…`);
    });

    it('redacts a token cut without a mark (an attribute length limit) from 8 characters after a prefix like `ghp_`', () => {
      const token = generatedSecrets().find((secret) => secret.text.startsWith('ghp_'))!.text;
      // No 8-character piece of the token goes out, however short the limit cut it.
      for (let kept = 8; kept < token.length - 4; kept++) {
        const text = `calling upstream with ${token.slice(0, 4 + kept)}`;
        expect(redactor.redactText(text), text).to.equal(`calling upstream with ${REDACTED}`);
      }
      // Control: seven characters are no evidence of a token, and stay.
      const seven = `calling upstream with ${token.slice(0, 4 + 7)}`;
      expect(redactor.redactText(seven)).to.equal(seven);
      // A letters-only prefix keeps the longer minimum: `00D` ends upper-case UUIDs.
      const uuid = `765DD416-EB10-49A2-A9F1-00D${randomString(9)
        .toUpperCase()
        .replace(/[^0-9A-F]/g, 'A')}`;
      expect(redactor.redactText(uuid)).to.equal(uuid);
    });

    it('masks a secret holding a percent-escape whole when the text is percent-encoded once or twice', () => {
      // `%0A` inside the password itself: one level down it is the password, two levels down a newline.
      const password = `${randomString(14)}%0A${randomString(12)}`;
      const encode = (text: string): string =>
        [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).join('');
      for (const text of [
        `api_key: ${password}`,
        encode(`api_key: ${password}`),
        encodeURIComponent(encode(`api_key: ${password}`)),
      ]) {
        const redacted = redactor.redactText(text);
        expect(redacted, text).to.include(REDACTED);
        // Nothing of the password's tail gets out, in any encoding.
        const tail = password.slice(-8);
        for (const form of [tail, encode(tail), encodeURIComponent(encode(tail))])
          expect(redacted.includes(form), `${text}: ${form}`).to.equal(false);
      }
    });

    it('keeps a name whose end spells a short prefix and runs to the end of the text (cut short, glued to a word)', () => {
      // PostHog's `phx_` then word characters to the end: cut short, it would be a token, but glued
      // to the letters before it, it is the end of an identifier. A distinctive prefix still counts.
      const rest = randomString(16, 'abcdefghijklmnopqrstuvwxyz');
      const name = `task_kewyaphx_${rest}`;
      expect(redactor.redactText(`identifier: ${name}`)).to.equal(`identifier: ${name}`);
      // Control: the same cut-short token starting a word is still masked.
      expect(redactor.redactText(`identifier: phx_${rest}`)).to.equal(`identifier: ${REDACTED}`);
      const pat = `github_pat_${randomString(30)}`;
      expect(redactor.redactText(`tenant x${pat}…`)).to.equal(`tenant x${REDACTED}…`);
    });

    it('keeps non-secret look-alikes: a UUID, a git SHA, an order number, a Luhn-invalid card-like number', () => {
      const { uuid, gitSha, orderNumber } = lookAlikes();
      const card = luhnCardNumber();
      const notACard = `${card.slice(0, -1)}${(Number(card.at(-1)) + 1) % 10}`;
      const text = `order ${orderNumber} commit ${gitSha} request ${uuid} ref ${notACard} at 12:30:45 on /api/v1/scans`;
      expect(redactor.redactText(text)).to.equal(text);
    });

    it('redacts 13- to 19-digit card numbers', () => {
      for (const length of [13, 16, 19]) {
        const card = luhnCardNumber(length);
        expect(redactor.redactText(`card ${card}.`), card).to.equal(`card ${REDACTED}.`);
      }
    });

    it('redacts Luhn-valid cards of every issuer (JCB, Diners, UnionPay, Maestro, Discover 644-649…) as they are printed', () => {
      let tested = 0;
      for (const { issuer, prefixes, lengths } of CARD_ISSUERS) {
        for (const prefix of prefixes) {
          for (const length of lengths) {
            const card = luhnCardNumber(length, prefix);
            for (const form of printedCardForms(card)) {
              expect(redactor.redactText(`paid with ${form}.`), `${issuer} ${form}`).to.equal(`paid with ${REDACTED}.`);
              tested++;
            }
          }
        }
      }
      expect(tested, 'card forms tested').to.be.at.least(90);
    });

    it('keeps numbers that fail Luhn under every issuer prefix, and Luhn-valid ones outside every issuer range', () => {
      for (const { issuer, prefixes, lengths } of CARD_ISSUERS) {
        for (const prefix of prefixes) {
          const card = luhnCardNumber(lengths[0], prefix);
          const notACard = `${card.slice(0, -1)}${(Number(card.at(-1)) + 1) % 10}`;
          for (const form of printedCardForms(notACard)) {
            expect(redactor.redactText(`ref ${form}.`), `${issuer} ${form}`).to.equal(`ref ${form}.`);
          }
        }
      }
      // Epoch milliseconds and nanoseconds, and ranges no issuer uses (1, 7, 8, 9, 306, 35 below 3528, 61).
      for (const prefix of ['17', '7', '8', '9', '306', '3500', '3527', '61', '5017', '6305']) {
        for (const length of [13, 16, 19]) {
          const number = luhnCardNumber(length, prefix);
          expect(redactor.redactText(`id ${number}.`), number).to.equal(`id ${number}.`);
        }
      }
    });

    it('redacts card numbers written in groups of four, and not a UUID made only of digits', () => {
      const card = luhnCardNumber();
      const grouped = card.replace(/(\d{4})(?=\d)/g, '$1 ');
      expect(redactor.redactText(`card ${grouped}!`)).to.equal(`card ${REDACTED}!`);
      expect(redactor.redactText(new URLSearchParams({ card: grouped }).toString())).to.equal(`card=${REDACTED}`);
      const digitUuid = `41111111-1111-4111-1111-111111111111`;
      expect(redactor.redactText(digitUuid)).to.equal(digitUuid);
    });

    it('redacts sensitive key=value pairs in query strings and free text, keeping the key', () => {
      const [apiKey, token, signature] = [randomString(24), randomString(30), randomString(64)];
      const query = `page=2&api_key=${apiKey}&Token=${token}&X-Amz-Signature=${signature}&sort=asc`;
      expect(redactor.redactText(query)).to.equal(
        `page=2&api_key=${REDACTED}&Token=${REDACTED}&X-Amz-Signature=${REDACTED}&sort=asc`,
      );
      const json = `{"password": "${token}", "user": "bob", "client_secret":"${apiKey}"}`;
      expect(redactor.redactText(json)).to.equal(
        `{"password": "${REDACTED}", "user": "bob", "client_secret":"${REDACTED}"}`,
      );
      const phrase = `${randomString(6)} ${randomString(7)} ${randomString(5)}`;
      expect(redactor.redactText(`{"password":"${phrase}","secret": '${phrase}'}`)).to.equal(
        `{"password":"${REDACTED}","secret": '${REDACTED}'}`,
      );
      expect(redactor.redactText(`login failed for bob password=${token}`)).to.equal(
        `login failed for bob password=${REDACTED}`,
      );
    });

    it('redacts a token in the path segment after a keyword (a password reset link), keeping ordinary segments', () => {
      const token = randomString(32);
      for (const path of [`/reset-password/${token}`, `/api/token/${token}`]) {
        expect(redactor.redactText(path), path).to.equal(path.replace(token, REDACTED));
      }
      // A slash is a base64 character: the segments after the token go with it.
      expect(redactor.redactText(`/users/password/${token}/confirm`)).to.equal(`/users/password/${REDACTED}`);
      for (const path of ['/api/token/refresh', '/password/reset', `/api/tokens/${randomUUID()}`]) {
        expect(redactor.redactText(path), path).to.equal(path);
      }
    });

    it('reads the form encodings of nested and repeated fields as their parts: user[password]=, password[]=', () => {
      const [nested, repeated, deep] = [randomString(24), randomString(24), randomString(24)];
      const query = `q[name]=bob&user[password]=${nested}&password[]=${repeated}&items[0]=7&a[0][token]=${deep}`;
      const redacted = `q[name]=bob&user[password]=${REDACTED}&password[]=${REDACTED}&items[0]=7&a[0][token]=${REDACTED}`;
      expect(redactor.redactText(query)).to.equal(redacted);
      // Percent-encoded brackets, as a URL carries them.
      expect(redactor.redactText(query.replaceAll('[', '%5B').replaceAll(']', '%5D'))).to.equal(
        redacted.replaceAll('[', '%5B').replaceAll(']', '%5D').replaceAll('%5BREDACTED%5D', REDACTED),
      );
      expect(
        redactor.redactAttributes({
          'user[password]': nested,
          'password[]': repeated,
          'tags[]': 'blue',
          'q[name]': 'bob',
        }),
      ).to.deep.equal({ 'user[password]': REDACTED, 'password[]': REDACTED, 'tags[]': 'blue', 'q[name]': 'bob' });
    });

    it('finds a pair under every default key, in any case and in escaped JSON, wherever a path mentions `/api/`', () => {
      for (const glob of DEFAULT_SENSITIVE_KEYS) {
        const key = glob.replaceAll('*', 'x');
        for (const [before, after] of [
          [`${key}=`, ''],
          [`${key.toUpperCase()}: `, ''],
          [`\\"${key}\\": \\"`, '\\"'],
        ]) {
          const secret = randomString(20);
          const text = `GET /api/v1/items?${before}${secret}${after}&page=2`;
          expect(redactor.redactText(text), text).to.not.include(secret);
        }
      }
    });

    it('redacts a quoted value whose closing quote was cut off (a JSON line truncated by a length limit)', () => {
      const secret = randomString(24);
      for (const text of [`{"password": "${secret}`, `{\\"client_secret\\": \\"${secret}`, `token='${secret}`]) {
        expect(redactor.redactText(text), text).to.not.include(secret);
      }
    });

    it('finds pairs inside the value of an ordinary key, in escaped JSON, and twice-encoded', () => {
      const secret = randomString(24);
      const nested = `https://app.example.test/cb?code=${encodeURIComponent(`password=${secret}`)}`;
      expect(redactor.redactText(nested)).to.equal(`https://app.example.test/cb?code=password%3D${REDACTED}`);
      const escaped = JSON.stringify({ dsn: JSON.stringify({ note: `"api_key": "${secret} x"` }) });
      expect(redactor.redactText(escaped)).to.not.include(secret);
      const twice = `next=${encodeURIComponent(`https://h.example.test/?q=${encodeURIComponent(`Bearer ${secret}`)}`)}`;
      expect(redactor.redactText(twice)).to.not.include(secret);
    });

    it('lets a secret value run on where the pair shape alone would cut it short', () => {
      const secret = randomString(24);
      expect(redactor.redactText(`token=api_key=${secret}==&page=2`)).to.equal(`token=${REDACTED}&page=2`);
      const query = `q=${encodeURIComponent(`"client_secret": "${secret} ${secret}"`).replace(/%20/g, '+')}&page=2`;
      expect(redactor.redactText(query)).to.not.include(secret);
      expect(redactor.redactText(`token="client_secret": "${secret}"&page=2`)).to.equal(`token=${REDACTED}&page=2`);
      const long = Buffer.from(randomString(3000)).toString('base64');
      expect(redactor.redactText(`access_token=${long} done`)).to.equal(`access_token=${REDACTED} done`);
    });

    it('leaves ordinary key=value pairs alone, and base64 padding after a key-like tail', () => {
      const text = 'provider=aws&limit=100&region=eu-west-1 status: ok';
      expect(redactor.redactText(text)).to.equal(text);
      const image = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB+pw== and /sig=';
      expect(redactor.redactText(image)).to.equal(image);
    });
  });

  describe('attributes', () => {
    it('redacts the value after an option naming a secret in a command line split in arguments', () => {
      const [password, token] = [randomString(24), randomString(32)];
      const args = [
        'node',
        'app.js',
        '--password',
        password,
        '--db-token',
        token,
        '--port',
        '3000',
        '-v',
        '-',
        '--pass',
      ];
      expect(redactor.redactAttributes({ 'process.command_args': args })).to.deep.equal({
        'process.command_args': [
          'node',
          'app.js',
          '--password',
          REDACTED,
          '--db-token',
          REDACTED,
          '--port',
          '3000',
          '-v',
          '-',
          '--pass',
        ],
      });
      // An option after a secret one is an option, not its value.
      expect(redactor.redactAttributes({ args: ['--token', '--verbose', 'file.txt'] })).to.deep.equal({
        args: ['--token', '--verbose', 'file.txt'],
      });
    });

    it('redacts whole values under sensitive keys, including captured header arrays and namespaced keys', () => {
      const secret = randomString(32);
      const redacted = redactor.redactAttributes({
        'http.request.header.authorization': [`Bearer ${secret}`],
        'http.request.header.cookie': [`sid=${secret}`],
        'http.request.header.x-api-key': [secret],
        'db.password': secret,
        'X-Custom-Token': secret,
        'http.request.method': 'GET',
      });
      expect(redacted).to.deep.equal({
        'http.request.header.authorization': [REDACTED],
        'http.request.header.cookie': [REDACTED],
        'http.request.header.x-api-key': [REDACTED],
        'db.password': REDACTED,
        'X-Custom-Token': REDACTED,
        'http.request.method': 'GET',
      });
    });

    it("keeps apitrail's identity attributes (every identity FIELD_MAPPING) although their names look sensitive", () => {
      const identity = FIELD_MAPPINGS.filter(({ attribute }) =>
        /^(api_key|tenant|auth|correlation)\.|^user\.id$/.test(attribute),
      );
      expect(identity.map(({ attribute }) => attribute)).to.include.members([
        ATTR_API_KEY_ID,
        ATTR_API_KEY_NAME,
        ATTR_API_KEY_FINGERPRINT,
        ATTR_TENANT_ID,
        ATTR_CORRELATION_ID,
        ATTR_AUTH_METHOD,
      ]);
      const attributes = Object.fromEntries(identity.map(({ attribute }) => [attribute, `value-of-${attribute}`]));
      attributes['messaging.kafka.message.key'] = 'order-17';
      expect(redactor.redactAttributes(attributes)).to.equal(attributes);
    });

    it('still catches a secret by its format under an allow-listed key', () => {
      const token = `ghp_${randomString(36)}`;
      expect(redactor.redactAttributes({ [ATTR_API_KEY_NAME]: token })).to.deep.equal({
        [ATTR_API_KEY_NAME]: REDACTED,
      });
    });

    it('returns the same object when clean, and a copy (original untouched) when not', () => {
      const clean = { 'http.request.method': 'GET', [ATTR_URL_QUERY]: 'a=1', 'http.response.status_code': 200 };
      expect(redactor.redactAttributes(clean)).to.equal(clean);
      const secret = randomString(20);
      const dirty = { ...clean, [ATTR_URL_QUERY]: `a=1&token=${secret}` };
      const redacted = redactor.redactAttributes(dirty);
      expect(redacted).to.not.equal(dirty);
      expect(dirty[ATTR_URL_QUERY]).to.equal(`a=1&token=${secret}`);
      expect(redacted[ATTR_URL_QUERY]).to.equal(`a=1&token=${REDACTED}`);
    });

    it('walks nested maps and arrays in log bodies, and checks numbers and bytes that can carry a card number', () => {
      const secret = randomString(20);
      const card = luhnCardNumber();
      const body = {
        message: 'payment',
        request: { headers: { authorization: `Bearer ${secret}`, accept: 'json' }, items: [{ note: `pwd=${secret}` }] },
        card: Number(card),
        raw: new TextEncoder().encode(`card ${card}`),
        ok: true,
      };
      const redacted = redactor.redactValue(body) as Record<string, unknown>;
      expect(JSON.stringify(redacted)).to.not.include(secret).and.not.include(card);
      expect(redacted).to.deep.include({ message: 'payment', ok: true, raw: `card ${REDACTED}` });
      expect(body.request.headers.authorization).to.equal(`Bearer ${secret}`);
    });
  });

  describe('remembered clean values', () => {
    it('belong to one redactor: a value clean under the defaults is still redacted by a rule set that adds a pattern', () => {
      const note = `ref ACME-${randomString(6, '0123456789')}`;
      const clean = { 'app.note': note };
      expect(redactor.redactAttributes(clean)).to.equal(clean);
      const custom = createRedactor(readRedactionConfig({ APITRAIL_REDACT_PATTERNS: 'ACME-[0-9]{6}' }));
      expect(custom.redactAttributes({ 'app.note': note })).to.deep.equal({ 'app.note': `ref ${REDACTED}` });
    });

    it('stand for one value: a secret after a clean value under the same key is redacted (attributes and log bodies)', () => {
      const clean = { 'app.note': 'retrying upstream' };
      const secret = `ghp_${randomString(36)}`;
      expect(redactor.redactAttributes(clean)).to.equal(clean);
      expect(redactor.redactAttributes({ 'app.note': `retrying ${secret}` })).to.deep.equal({
        'app.note': `retrying ${REDACTED}`,
      });
      expect(redactor.redactAttributes({ 'app.note': `retrying ${secret}` })).to.deep.equal({
        'app.note': `retrying ${REDACTED}`,
      });
      expect(redactor.redactAttributes(clean)).to.equal(clean);
      const body = { request: { note: 'retrying upstream' } };
      expect(redactor.redactValue(body)).to.equal(body);
      expect(redactor.redactValue({ request: { note: `retrying ${secret}` } })).to.deep.equal({
        request: { note: `retrying ${REDACTED}` },
      });
    });

    it('keep neither a secret nor the large string a clean value was sliced from', async () => {
      const { setFlagsFromString, writeHeapSnapshot } = await import('node:v8');
      const { runInNewContext } = await import('node:vm');
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      // Held as bytes: a marker string alive here would be found in the heap whatever the redactor did.
      const [parentMarker, controlMarker, secretBody] = [randomBytes(16), randomBytes(16), randomBytes(18)];
      const memoRedactor = createRedactor();
      // What the redactor must let go of is built inside helpers: locals of this suspended async
      // function would keep the last ones alive.
      redactSliceOf(memoRedactor, parentMarker);
      redactSecret(memoRedactor, secretBody);
      // The control shows that the check sees a retained parent: a slice kept as it is keeps it.
      const control = new Set([sliceOfLargeString(controlMarker)]);
      gc();
      const dir = mkdtempSync(join(tmpdir(), 'apitrail-redaction-memo-'));
      const heap = readFileSync(writeHeapSnapshot(join(dir, 'heap.heapsnapshot')), 'utf8');
      rmSync(dir, { recursive: true, force: true });
      expect(control.size).to.equal(1);
      expect(heap.includes(controlMarker.toString('hex')), 'the control slice keeps its parent').to.equal(true);
      expect(heap.includes(parentMarker.toString('hex')), 'the parent of a remembered slice').to.equal(false);
      expect(heap.includes(secretBody.toString('hex')), 'a redacted secret').to.equal(false);
    });
  });

  describe('bounds', () => {
    it('replaces a string longer than the scanned length cap whole', () => {
      const limited = createRedactor({ maxLength: 1024 });
      expect(limited.redactText('a'.repeat(1024))).to.equal('a'.repeat(1024));
      expect(limited.redactText('a'.repeat(1025))).to.equal(REDACTED);
    });

    it('replaces what lies deeper than the depth bound, and what exceeds the size bound', () => {
      const nested = { a: { b: { c: 'deep' } } };
      expect(createRedactor({ maxDepth: 3 }).redactValue(nested)).to.equal(nested);
      expect(createRedactor({ maxDepth: 2 }).redactValue(nested)).to.deep.equal({ a: { b: REDACTED } });
      expect(createRedactor({ maxDepth: 1 }).redactValue(nested)).to.deep.equal({ a: REDACTED });
      const small = createRedactor({ maxNodes: 10 });
      const few = ['a', 'b', { c: 'd' }];
      expect(small.redactValue(few)).to.equal(few);
      expect(small.redactValue({ list: Array.from({ length: 20 }, (_, index) => `item-${index}`) })).to.deep.equal({
        list: REDACTED,
      });
    });

    it('masks the same secrets at the same places in a long string and in a substring of it as in short ones', () => {
      // Long strings are scanned from a sequential copy: lone surrogates and astral characters around
      // every secret, and a substring (a view of another string in V8), must come out as short strings do.
      const filler = `x \uD800 y \uDC00 z \u{1F600} `;
      const secrets = generatedSecrets();
      const pieces = secrets.map((secret) => `${filler}${secret.text} ${filler}`);
      const long = pieces.join('\n').repeat(8);
      expect(long.length).to.be.above(8192);
      const expected = pieces
        .map((piece) => redactor.redactText(piece))
        .join('\n')
        .repeat(8);
      expect(redactor.redactText(long)).to.equal(expected);
      expect(redactor.redactText(long.slice(1)), 'a substring (a view of the string)').to.equal(expected.slice(1));
      expect(leakedSecrets(expected, secrets)).to.deep.equal([]);
    });

    it('treats an over-long key as sensitive rather than matching it', () => {
      expect(redactor.redactAttributes({ ['k'.repeat(300)]: 'value' })).to.deep.equal({ ['k'.repeat(300)]: REDACTED });
    });
  });

  describe('replacement modes', () => {
    const hashKey = randomString(32);

    it('hash: equal secrets give equal truncated HMAC-SHA256 tags, under the configured key only', () => {
      const secret = randomString(30);
      const hashing = createRedactor({ mode: 'hash', hashKey });
      const expected = createHmac('sha256', hashKey).update(secret).digest('hex').slice(0, 12);
      expect(hashing.redactText(`token=${secret}`)).to.equal(`token=[REDACTED:${expected}]`);
      expect(hashing.redactText(`password: ${secret}`)).to.equal(`password: [REDACTED:${expected}]`);
      const github = `ghp_${randomString(36)}`;
      const githubTag = createHmac('sha256', hashKey).update(github).digest('hex').slice(0, 12);
      expect(hashing.redactText(`clone with ${github} now`)).to.equal(`clone with [REDACTED:${githubTag}] now`);
      const otherKey = createRedactor({ mode: 'hash', hashKey: randomString(32) });
      expect(otherKey.redactText(`token=${secret}`)).to.not.equal(`token=[REDACTED:${expected}]`);
    });

    it('last4: keeps the last four characters of long secrets only', () => {
      const keeping = createRedactor({ mode: 'last4' });
      const secret = randomString(30);
      expect(keeping.redactText(`token=${secret}`)).to.equal(`token=${REDACTED}${secret.slice(-4)}`);
      expect(keeping.redactText('pwd=short')).to.equal(`pwd=${REDACTED}`);
    });

    it('drop: removes attributes that held a secret, and censors inside text', () => {
      const dropping = createRedactor({ mode: 'drop' });
      const secret = randomString(24);
      expect(
        dropping.redactAttributes({ password: secret, note: `token=${secret}`, 'http.request.method': 'GET' }),
      ).to.deep.equal({ 'http.request.method': 'GET' });
      expect(dropping.redactText(`token=${secret}`)).to.equal(`token=${REDACTED}`);
    });
  });

  it('finds a random token after a credential keyword however many keyword windows came before it', () => {
    // Windows after keywords overlap and skip what an earlier one found no long run in: the run that
    // reaches a later window, starts inside one or goes on through the keyword is still read.
    const token = `aA1${randomString(24)}`;
    const cases = [
      `${'api_key%3D%22'.repeat(5)}${token}`,
      `token_${token} x`,
      `token: a b c d e f g h i j k l m n o token: ${token}`,
      `${'key='.repeat(12)}${token}&next=1`,
    ];
    for (const text of cases) {
      expect(redactor.redactText(text), text).not.to.include(token.slice(3, 20));
    }
  });

  describe('PII mode', () => {
    const pii = createRedactor({ pii: true });

    it('censors e-mail addresses and anonymises IPv4 to /24 and IPv6 to /48', () => {
      expect(pii.redactText('from alice.smith+x@mail.example.org at 203.0.113.77')).to.equal(
        `from ${REDACTED} at 203.0.113.0`,
      );
      expect(pii.redactAttributes({ 'client.address': '2001:db8:85a3:8d3:1319:8a2e:370:7348' })).to.deep.equal({
        'client.address': '2001:db8:85a3::',
      });
      expect(pii.redactText('::1 and fe80::1ff:fe23:4567:890a')).to.equal('0:0:0:: and fe80:0:0::');
      expect(pii.redactText('net 2001:db8:: and 2001:db8:85a3:1::')).to.equal('net 2001:db8:0:: and 2001:db8:85a3::');
      // Eight full groups (read without `net`), and shapes next to them that are not an address.
      expect(pii.redactText('at ABCD:0db8:85A3:0000:0000:8a2e:0370:7334 then')).to.equal('at ABCD:0db8:85A3:: then');
      for (const notAnAddress of [':1:2:3:4:5:6:7 x', 'x 1:2:3:4:5:6:7:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7.8']) {
        expect(pii.redactText(notAnAddress)).to.equal(notAnAddress);
      }
    });

    it('is off by default, and leaves times and versions alone when on', () => {
      expect(redactor.redactText('alice@example.org 203.0.113.77')).to.equal('alice@example.org 203.0.113.77');
      expect(pii.redactText('at 12:30:45, version 1.2.3')).to.equal('at 12:30:45, version 1.2.3');
    });
  });

  it('tallies redacted and masked keys (never values) for the summary', () => {
    const tally = newTally();
    const secret = randomString(20);
    redactor.redactAttributes({ password: secret, [ATTR_URL_QUERY]: `token=${secret}`, ok: 'fine' }, tally);
    expect([...tally.redactedKeys]).to.deep.equal(['password']);
    expect([...tally.maskedKeys]).to.deep.equal([ATTR_URL_QUERY]);
    expect([tally.redacted, tally.masked]).to.deep.equal([1, 1]);
  });
});

describe('redaction: configuration from the environment', () => {
  it('has safe defaults', () => {
    const config = readRedactionConfig({});
    expect(config).to.include({ mode: 'redact', pii: false, summary: false, maxLength: 32768, maxDepth: 16 });
  });

  it('adds keys, patterns and allow-list entries', () => {
    const config = readRedactionConfig({
      APITRAIL_REDACT_KEYS: 'x-tenant-secret-header, *pin*',
      APITRAIL_REDACT_PATTERNS: 'ACME-[0-9]{6} (?i)internal_[a-z]{4,8}',
      APITRAIL_REDACT_ALLOW: 'app.session_count',
    });
    const redactor = createRedactor(config);
    expect(
      redactor.redactAttributes({ 'user.pin': '1234', 'app.session_count': 3, note: 'ids ACME-123456 INTERNAL_abcd' }),
    ).to.deep.equal({ 'user.pin': REDACTED, 'app.session_count': 3, note: `ids ${REDACTED} ${REDACTED}` });
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['a pattern that does not compile', { APITRAIL_REDACT_PATTERNS: 'abc[0-9' }, /unterminated|Invalid/],
    ['an unbounded quantifier', { APITRAIL_REDACT_PATTERNS: 'secret-[a-z]+' }, /unbounded quantifier "\+"/],
    ['an open-ended repeat', { APITRAIL_REDACT_PATTERNS: 'x{2,}' }, /unbounded quantifier "\{2,\}"/],
    ['a lookbehind (RE2 has none)', { APITRAIL_REDACT_PATTERNS: '(?<=key=)[a-z]{4}' }, /lookaround/],
    ['a backreference (RE2 has none)', { APITRAIL_REDACT_PATTERNS: '([a-z]{2})\\1' }, /backreference/],
  ];
  for (const [what, env, message] of invalid) {
    it(`refuses ${what}, naming APITRAIL_REDACT_PATTERNS`, () => {
      expect(() => readRedactionConfig(env))
        .to.throw(ApitrailConfigError, message)
        .with.property('setting', 'APITRAIL_REDACT_PATTERNS');
    });
  }

  it('refuses hash mode without a long enough key, and an unknown mode', () => {
    expect(() => readRedactionConfig({ APITRAIL_REDACT_MODE: 'hash' }))
      .to.throw(ApitrailConfigError)
      .with.property('setting', 'APITRAIL_REDACT_HASH_KEY');
    expect(() => readRedactionConfig({ APITRAIL_REDACT_MODE: 'hash', APITRAIL_REDACT_HASH_KEY: 'short' })).to.throw(
      /at least 16/,
    );
    expect(() => readRedactionConfig({ APITRAIL_REDACT_MODE: 'mask' }))
      .to.throw(ApitrailConfigError)
      .with.property('setting', 'APITRAIL_REDACT_MODE');
  });
});

/**
 * A clean 100-character slice of a flat 100 KB string that starts with `marker` in hex (a heap
 * snapshot shows only the start of a long string).
 */
function sliceOfLargeString(marker: Buffer): string {
  return Buffer.from(`${marker.toString('hex')} ${'scan finished '.repeat(8000)}`)
    .toString('utf8')
    .slice(-100);
}

function redactSliceOf(redactor: Redactor, marker: Buffer): void {
  const slice = sliceOfLargeString(marker);
  expect(redactor.redactAttributes({ 'app.note': slice })).to.deep.equal({ 'app.note': slice });
}

function redactSecret(redactor: Redactor, secretBody: Buffer): void {
  const text = `retrying with ghp_${secretBody.toString('hex')}`;
  expect(redactor.redactAttributes({ 'app.note': text })).to.deep.equal({ 'app.note': `retrying with ${REDACTED}` });
  // The engine keeps the subject of its last successful match (RegExp.input): make it another string.
  /x/.exec('x');
}
