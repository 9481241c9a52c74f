// The credential catalogue: at least 200 formats as one table, each with generated samples (valid
// checksums) that must be masked whole wherever they are written (free text, a query value
// percent-encoded, a JSON string), a near miss that must not be, and a benign corpus of look-alikes
// that must come out byte-identical. Controls show that each assertion can fail.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  createRedactor,
  CREDENTIAL_FORMATS,
  DEFAULT_RULES,
  REDACTED,
  type Redactor,
} from '@apitrail/redaction/internal';
import {
  benignCorpus,
  catalogueSamples,
  githubChecksumValid,
  nearMiss,
  samplesOf,
  type CredentialSample,
} from '../helpers/credential-samples.ts';

/** Every 8-character piece of `secret`: none may survive (a partly masked token still leaks). */
function pieces(secret: string): string[] {
  return Array.from({ length: Math.max(1, secret.length - 7) }, (_, index) => secret.slice(index, index + 8));
}

/** The samples whose secret, or any 8-character piece of it, is in what `place` makes of them. */
function leaks(samples: readonly CredentialSample[], place: (sample: CredentialSample) => string): string[] {
  return samples
    .filter((sample) => {
      const output = place(sample);
      return pieces(sample.secret).some((piece) => output.includes(piece));
    })
    .map((sample) => `${sample.format}: ${JSON.stringify(place(sample)).slice(0, 160)}`);
}

describe('redaction: credential catalogue', () => {
  const redactor = createRedactor();
  const samples = catalogueSamples(3);

  it('is one table of at least 200 formats with unique ids, each pinned by a prefix or a keyword', () => {
    expect(CREDENTIAL_FORMATS.length).to.be.at.least(200);
    const ids = CREDENTIAL_FORMATS.map((format) => format.id);
    expect(new Set(ids).size, 'duplicate ids').to.equal(ids.length);
    for (const format of CREDENTIAL_FORMATS) {
      expect(format.prefixes.length + (format.keywords?.length ?? 0), format.id).to.be.above(0);
      for (const literal of [...format.prefixes, ...(format.keywords ?? [])]) {
        expect(literal, `${format.id}: literals are ASCII`).to.match(/^[\x21-\x7e]+$/);
      }
    }
    expect(DEFAULT_RULES.formats).to.equal(CREDENTIAL_FORMATS);
  });

  it('generates at least 3 samples per format, GitHub-style checksums valid (and a corrupted one detected as such)', () => {
    expect(samples.length).to.be.at.least(3 * CREDENTIAL_FORMATS.length);
    const checksummed = CREDENTIAL_FORMATS.filter((format) => format.checksum === 'github-crc32');
    expect(checksummed.map((format) => format.id)).to.include.members(['github_pat', 'npm_token']);
    for (const sample of samples.filter((candidate) => checksummed.some((format) => format.id === candidate.format))) {
      const body = sample.secret.slice(sample.secret.indexOf('_') + 1);
      expect(githubChecksumValid(body), sample.secret).to.equal(true);
      const corrupted = `${body.slice(0, 5)}${body[5] === 'a' ? 'b' : 'a'}${body.slice(6)}`;
      expect(githubChecksumValid(corrupted), `control: ${corrupted}`).to.equal(false);
    }
  });

  it('masks every sample whole in free text: no sample and no 8-character piece of one survives', () => {
    expect(leaks(samples, (sample) => redactor.redactText(`note: ${sample.text} (request 42)`))).to.deep.equal([]);
  });

  it('masks every sample in a query value percent- or form-encoded under a harmless name, and inside a JSON string', () => {
    expect(
      leaks(samples, (sample) => redactor.redactText(`page=2&note=${encodeURIComponent(sample.text)}&sort=asc`)),
    ).to.deep.equal([]);
    // Form-encoded: spaces are `+`.
    expect(
      leaks(samples, (sample) =>
        redactor.redactText(`page=2&${new URLSearchParams({ note: sample.text }).toString()}`),
      ),
    ).to.deep.equal([]);
    expect(
      leaks(samples, (sample) =>
        redactor.redactText(JSON.stringify({ event: 'deploy', detail: `ran with ${sample.text}` })),
      ),
    ).to.deep.equal([]);
  });

  it('keeps the text around a sample byte-identical', () => {
    for (const sample of samples.filter((candidate) => candidate.text === candidate.secret)) {
      expect(redactor.redactText(`note: ${sample.text} (request 42)`), sample.format).to.equal(
        `note: ${REDACTED} (request 42)`,
      );
    }
  });

  it('leaves the near miss of every format byte-identical (the prefix and structure, no random body)', () => {
    const masked = CREDENTIAL_FORMATS.filter((format) => {
      const text = `note: ${nearMiss(format)} (request 42)`;
      return redactor.redactText(text) !== text;
    }).map((format) => format.id);
    expect(masked).to.deep.equal([]);
  });

  it('control: without the catalogue, most samples leak, so the leak assertion can fail', () => {
    const withoutCatalogue = createRedactor({ rules: { ...DEFAULT_RULES, formats: [] } });
    const leaked = leaks(samples, (sample) => withoutCatalogue.redactText(`note: ${sample.text} (request 42)`));
    expect(leaked.length).to.be.above(samples.length / 2);
  });

  describe('benign look-alikes', () => {
    const corpus = benignCorpus(50);
    const changed = (candidate: Redactor): string[] =>
      corpus.filter(({ text }) => candidate.redactText(text) !== text).map(({ kind, text }) => `${kind}: ${text}`);

    it(`${corpus.length} look-alikes (UUIDs, SHAs, trace ids, hashes, base64 images, order numbers, Luhn-invalid numbers, prose) stay byte-identical`, () => {
      expect(corpus.length).to.be.at.least(1000);
      expect(changed(redactor)).to.deep.equal([]);
    });

    it('control: an over-broad rule (any 8 hex digits) changes them, so the assertion can fail', () => {
      const broad = createRedactor({
        rules: { ...DEFAULT_RULES, patterns: [{ name: 'broad', source: '[0-9a-f]{8}', trigger: '[0-9a-f]' }] },
      });
      expect(changed(broad).length).to.be.above(corpus.length / 4);
    });
  });
  describe('what one scan remembers (hostile text must not be read again at every literal)', () => {
    const formatOf = (id: string) => CREDENTIAL_FORMATS.find((format) => format.id === id)!;

    it('a token that needs a keyword before it: the same token without one earlier in the text does not hide a later keyword', () => {
      // Mandrill keys need "mandrill" or "mailchimp" within 80 characters before them.
      const [first, second, third] = samplesOf(formatOf('mandrill_key'), 3).map(({ secret }) => secret);
      const filler = ' '.repeat(100);
      const text = `${first}${filler}${second}${filler}note for mailchimp: ${third} end`;
      expect(redactor.redactText(text)).to.equal(
        `${first}${filler}${second}${filler}note for mailchimp: ${REDACTED} end`,
      );
      // Control: the keyword is what makes the third one a secret.
      const without = text.replace('mailchimp', 'the mailer');
      expect(redactor.redactText(without)).to.equal(without);
    });

    it('a token with a lead: each occurrence reads its own lead, also after one read earlier in the same run', () => {
      // MaxMind license keys are 36 `dotted` characters, then `_mmk`.
      const [one = '', two = ''] = samplesOf(formatOf('maxmind_license_key'), 2).map(({ secret }) => secret);
      expect(redactor.redactText(`a ${one} b ${two} c`)).to.equal(`a ${REDACTED} b ${REDACTED} c`);
      const short = one.slice(2);
      expect(redactor.redactText(`a ${short} b ${two} c`)).to.equal(`a ${short} b ${REDACTED} c`);
    });

    it('merges what several detectors find out of order: each secret masked whole, the rest byte-identical', () => {
      const [token] = samplesOf(formatOf('github_pat'), 1).map(({ secret }) => secret);
      // The scanner finds the tokens, the key=value pass then finds the passwords before and between them.
      const text = `password=one ${token} secret: two ${token} pwd=three`;
      expect(redactor.redactText(text)).to.equal(
        `password=${REDACTED} ${REDACTED} secret: ${REDACTED} ${REDACTED} pwd=${REDACTED}`,
      );
    });

    it('ordinary pairs back to back do not hide a sensitive one after them', () => {
      const text = `${'oauth:'.repeat(50)}x password=hunter2-${randomBytes(4).toString('hex')} end`;
      expect(redactor.redactText(text)).to.equal(`${'oauth:'.repeat(50)}x password=${REDACTED} end`);
    });
  });

  it('finds a case-sensitive prefix next to letters of the other case, and not spelled in another case', () => {
    // The automaton folds case; the exact spelling is checked from the letters inside the prefix only.
    const prefix = 'A'.repeat(21);
    const body = randomBytes(45).toString('base64').replace(/[+/=]/g, 'x');
    for (const around of ['lower case words ', 'aaaa', 'a']) {
      expect(redactor.redactText(`${around}${prefix}${body} tail`)).to.equal(`${around}${REDACTED} tail`);
    }
    // After a respelled one: the letter that ruled out the first rules out nothing after it.
    const late = `${prefix.slice(0, 10)}a`;
    expect(redactor.redactText(`${late}${prefix}${body} tail`)).to.equal(`${late}${REDACTED} tail`);
    const respelled = `words ${prefix.slice(0, 10)}a${prefix.slice(11)}${body} tail`;
    expect(redactor.redactText(respelled)).to.equal(respelled);
  });
});
