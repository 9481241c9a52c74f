// The Collector's copy of the SDK's path-segment rule (`/reset-password/<token>`, `/api/token/<token>`):
// the transform/apitrail processor's two regexes, run here as V8 regexes (the RE2 they are written in
// is a subset V8 runs) in the order the processor runs them, and compared with the SDK's redactor on
// the same strings. Tokens are random, drawn at test time.
import { expect } from 'chai';
import {
  CREDENTIAL_KEYWORDS,
  DEFAULT_RULES,
  PATH_TOKEN_MARK_REPLACEMENT,
  PATH_TOKEN_SETTLE_REPLACEMENT,
  collectorRedactionConfig,
  createRedactor,
  pathTokenRe2,
  patternProblem,
} from '@apitrail/redaction/internal';
import { randomBytes, randomInt } from 'node:crypto';
import { randomLettersToken, randomString } from '../helpers/redaction-secrets.ts';

const { mark, settle } = pathTokenRe2();
/** Go's `${1}` in a replacement is `$1` in JavaScript; both expand a group that did not take part to nothing. */
const jsReplacement = (template: string): string => template.replace(/\$\{(\d)\}/g, '$$$1');
const markRegex = new RegExp(mark, 'g');
const settleRegex = new RegExp(settle, 'g');

/** What transform/apitrail makes of `text`: both statements, in order. */
const collectorMasks = (text: string): string =>
  text
    .replace(markRegex, jsReplacement(PATH_TOKEN_MARK_REPLACEMENT))
    .replace(settleRegex, jsReplacement(PATH_TOKEN_SETTLE_REPLACEMENT));

/** Shannon entropy of `text`, bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  return -[...counts.values()].reduce((sum, count) => sum + (count / text.length) * Math.log2(count / text.length), 0);
}

/**
 * A random token of `length` base64url characters with upper and lower case and digits, and the
 * SDK's 3.5 bits of entropy per character (a 16-character draw falls short about one time in 25).
 */
function pathToken(length = 24): string {
  for (;;) {
    const token = randomString(length, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
    if (/[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token) && entropy(token) >= 3.5) return token;
  }
}

/**
 * The largest product of counted repeats nested in one another (`(?:a{1,4}){0,3}`: 12). Go's regexp
 * refuses a pattern where it passes 1000 ("invalid repeat count"), as the Collector would at start.
 */
function nestedRepeatProduct(source: string): number {
  const groups: number[] = [1];
  let largest = 1;
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '(') {
      groups.push(1);
      continue;
    }
    let inner = 1;
    if (character === ')') inner = groups.pop()!;
    else if (character === '\\') index++;
    else if (character === '[') index = source.indexOf(']', index + 2);
    const quantifier = /^\{(\d+)(?:,(\d+))?\}/.exec(source.slice(index + 1));
    const count = quantifier ? Number(quantifier[2] ?? quantifier[1]) : 1;
    if (quantifier) index += quantifier[0].length;
    const product = inner * count;
    groups[groups.length - 1] = Math.max(groups[groups.length - 1]!, product);
    largest = Math.max(largest, product);
  }
  return largest;
}

const sdk = createRedactor();

describe('redaction: the Collector masks a token in the path segment after a credential keyword', () => {
  it('is written for RE2: bounded quantifiers, no lookaround or backreferences, repeat counts at most 1000', () => {
    for (const regex of [mark, settle]) {
      expect(patternProblem(regex), regex).to.equal(undefined);
      for (const [, max] of regex.matchAll(/\{\d+,(\d+)\}/g)) expect(Number(max)).to.be.at.most(1000);
      expect(nestedRepeatProduct(regex), 'repeat counts nested in one another').to.be.at.most(1000);
    }
  });

  it('control: the nesting check multiplies the counts of repeats nested in one another', () => {
    expect(nestedRepeatProduct('(?:[a-z]{3,32}[A-Z]{1,32}){0,31}x{0,512}')).to.equal(992);
    expect(nestedRepeatProduct('(?:(?:a{2}){0,4}[)]{0,3}b){0,200}')).to.equal(1600);
  });

  it("takes its keywords from the SDK scanner's list, not a copy", () => {
    for (const keyword of CREDENTIAL_KEYWORDS) expect(mark).to.include(keyword.replace('-', '\\-'));
  });

  it('masks the token segment and keeps the keyword segment, in url.path and inside free text, as the SDK does', () => {
    const [a, b, c, d, e] = [pathToken(), pathToken(), pathToken(16), pathToken(512), randomLettersToken()];
    const hex = randomBytes(randomInt(16, 33)).toString('hex');
    const cases: [string, string][] = [
      [`/reset-password/${a}`, '/reset-password/****'],
      [`/api/token/${a}`, '/api/token/****'],
      [`/api/token/${a}/details?page=2`, '/api/token/****/details?page=2'],
      [`GET /reset-password/${a} 200 in 3 ms`, 'GET /reset-password/**** 200 in 3 ms'],
      [JSON.stringify({ path: `/api/v1/auth/${b}` }), JSON.stringify({ path: '/api/v1/auth/****' })],
      [`https://example.test/resetPassword/${b}==#top`, 'https://example.test/resetPassword/****#top'],
      [`/API/Token/${c}`, '/API/Token/****'],
      [`/secret/${d}`, '/secret/****'],
      [`first /api/key/${a} then /auth/${b}`, 'first /api/key/**** then /auth/****'],
      [`/reset-password/${e}`, '/reset-password/****'],
      // Hex, as crypto.randomBytes(n).toString('hex') makes reset tokens: 32 characters or more.
      [`/reset-password/${hex}`, '/reset-password/****'],
      [`/api/token/${hex.toUpperCase()}?page=2`, '/api/token/****?page=2'],
      [`/auth/${randomBytes(16).toString('hex')}`, '/auth/****'],
    ];
    for (const [text, expected] of cases) {
      expect(collectorMasks(text), text).to.equal(expected);
      // The SDK masks it too (it may take more: the next segment, since `/` is a base64 character).
      for (const token of [a, b, c, d, e, hex]) {
        if (text.includes(token)) expect(sdk.redactText(text), `SDK on ${text}`).to.not.include(token);
      }
    }
  });

  it('keeps ordinary paths, short, single-case or word-made segments and keywords inside words, as the SDK does', () => {
    const token = pathToken();
    const kept = [
      '/reset-password/confirm',
      '/reset-password/request-new-link-for-account',
      '/api/token/list',
      '/api/token/',
      `/api/tokens/${token}`,
      `/monkey/${token}`,
      `/api/token/${pathToken(15)}`,
      `/api/token/${randomString(24, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
      `/api/token/${randomString(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`,
      '/api/token/refreshAccessToken',
      '/auth/getApiKeyForUser/',
      '/auth/verifyEmailById',
      '/token/isValidForUserAccount',
      '/auth/revokeAllTokensForUser',
      '/reset-password/confirm-my-NewAccount',
      '/reset-password/Confirm-Your-Account',
      '/auth/XMLHttpRequestUploadEvent',
      '/token/AbstractAuthenticationProcessingFilter',
      '/api/token/OAuth.CallbackHandler~Legacy_Route',
      `/api/token/${crypto.randomUUID()}`,
      // Hex shorter than 32 characters: a short hash or id (a git short SHA is 7 to 12).
      `/api/token/${randomBytes(15).toString('hex')}1`,
      `/api/token/.${token}`,
      // Past the 512-character bound; repetitive, so that no other SDK rule (entropy, a prefix) takes a
      // piece of it, as one did now and then in 513 random characters.
      `/api/token/${'Ab1x'.repeat(129).slice(0, 513)}`,
      '/users/Ab1/profile',
    ];
    for (const text of kept) {
      expect(collectorMasks(text), text).to.equal(text);
      expect(sdk.redactText(text), `SDK on ${text}`).to.equal(text);
    }
  });

  it('agrees with the SDK on random letters without a digit: masked unless every lower-case run is a word', () => {
    let masked = 0;
    for (let round = 0; round < 2000; round++) {
      const segment = randomString(randomInt(16, 65), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_');
      // The SDK also wants 3.5 bits of entropy (the Collector has no such check) and both cases.
      if (!/[A-Z]/.test(segment) || !/[a-z]/.test(segment) || entropy(segment) < 3.5 || /^[-_]/.test(segment)) {
        round--;
        continue;
      }
      const text = `/reset-password/${segment}`;
      const collector = collectorMasks(text);
      expect(collector === text, `${text}: Collector ${collector}`).to.equal(sdk.redactText(text) === text);
      if (collector !== text) masked++;
    }
    // The control: most draws are masked, so the agreement is not two rules that keep everything.
    expect(masked).to.be.above(1900);
  });

  it('control: the first statement alone masks every segment of 16+ characters; the second is what keeps a single-class one', () => {
    const slug = '/reset-password/request-new-link-for-account';
    expect(slug.replace(markRegex, jsReplacement(PATH_TOKEN_MARK_REPLACEMENT))).to.equal(
      '/reset-password/****request-new-link-for-account',
    );
    expect(collectorMasks(slug)).to.equal(slug);
  });

  it('runs both statements on every string the redaction processor covers, after it in the same fragment', () => {
    const generated = collectorRedactionConfig(DEFAULT_RULES);
    const transform = generated.split('\n  transform/apitrail:\n')[1]!;
    expect(transform).to.match(/^ {4}error_mode: ignore$/m);
    for (const target of [
      'resource.attributes',
      'span.attributes',
      'spanevent.attributes',
      'log.attributes',
      'log.body',
    ]) {
      expect(transform, target).to.include(`replace_all_patterns(${target}, \\"value\\"`);
    }
    expect(transform).to.include('replace_pattern(log.body, ');
    // The replacements keep group 1 (the keyword's segment); `$` is escaped from config interpolation.
    expect(transform).to.include('\\"$${1}****$${2}\\"').and.include('\\"$${1}$${2}$${3}$${4}$${5}$${6}\\"');
  });
});
