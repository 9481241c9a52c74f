// Secrets of every format @apitrail/redaction detects, generated at test time from random bytes so
// that no real-looking token is ever committed, plus look-alikes that must survive redaction.
import { randomBytes, randomInt } from 'node:crypto';
import { SHORT_WORDS } from '@apitrail/redaction/internal';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DIGITS = '0123456789';

export function randomString(length: number, alphabet = ALNUM): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/**
 * Whether `value` (no digit) has a lower-case run no name made of words has, which the scanner needs
 * to take a token without a digit for one: a lone lower-case letter that makes no short word with
 * the capital before it (`xQpZ`, not `ById`), or two after no capital that are no short word.
 */
export function hasRandomLowerCaseRun(value: string): boolean {
  for (const { 0: run, index } of value.matchAll(/[a-z]+/g)) {
    if (run.length >= 3) continue;
    const capital = /[A-Z]/.test(value[index - 1] ?? '');
    if (
      capital
        ? run.length === 1 && !SHORT_WORDS.includes(`${value[index - 1]}${run}`.toLowerCase())
        : run.length === 1 || !SHORT_WORDS.includes(run)
    )
      return true;
  }
  return false;
}

/**
 * A random token of `length` letters of both cases and no digit, as some generators make them, with a
 * lower-case run no name made of words has ({@link hasRandomLowerCaseRun}) and 18 distinct letters
 * or more (so the scanner's 3.5 bits of entropy per character are there).
 */
export function randomLettersToken(length = 24): string {
  for (;;) {
    const token = randomString(length, ALNUM.replace(/[0-9]/g, ''));
    if (/[A-Z]/.test(token) && hasRandomLowerCaseRun(token) && new Set(token).size >= 18) return token;
  }
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/** A number of `length` digits starting with `prefix` (Visa's `4` unless given), Luhn-valid. */
export function luhnCardNumber(length = 16, prefix = '4'): string {
  const body = `${prefix}${randomString(length - prefix.length - 1, DIGITS)}`;
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    const digit = Number(body[body.length - 1 - index]);
    const doubled = index % 2 === 0 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Issuer prefixes and the lengths their numbers come in, beyond Visa, Mastercard and Amex. */
export const CARD_ISSUERS: readonly { issuer: string; prefixes: readonly string[]; lengths: readonly number[] }[] = [
  { issuer: 'Mastercard', prefixes: ['51', '55', '2221', '2720'], lengths: [16] },
  { issuer: 'Amex', prefixes: ['34', '37'], lengths: [15] },
  { issuer: 'JCB', prefixes: ['3528', '3589'], lengths: [16, 19] },
  { issuer: 'Diners Club', prefixes: ['300', '305', '3095', '36', '38', '39'], lengths: [14, 16] },
  { issuer: 'UnionPay', prefixes: ['62'], lengths: [16, 19] },
  { issuer: 'Maestro', prefixes: ['5018', '5020', '5038', '5893', '6304', '6759', '6761', '6763'], lengths: [13, 19] },
  { issuer: 'Discover', prefixes: ['6011', '644', '649', '65'], lengths: [16, 19] },
  { issuer: 'Mir', prefixes: ['2200', '2204'], lengths: [16] },
];

/**
 * `digits` as cards print it: bare, and for its length in groups of 4 (19 digits: 4-4-4-4-3),
 * 4-6-5 (15, Amex) or 4-6-4 (14, Diners), with a space or a dash.
 */
export function printedCardForms(digits: string): string[] {
  const grouping: Partial<Record<number, readonly number[]>> = {
    14: [4, 6, 4],
    15: [4, 6, 5],
    16: [4, 4, 4, 4],
    19: [4, 4, 4, 4, 3],
  };
  const sizes = grouping[digits.length];
  if (sizes === undefined) return [digits];
  const groups: string[] = [];
  let start = 0;
  for (const size of sizes) {
    groups.push(digits.slice(start, start + size));
    start += size;
  }
  return [digits, groups.join(' '), groups.join('-')];
}

export interface GeneratedSecret {
  readonly format: string;
  /** The text to inject (the secret in the shape it is usually seen in). */
  readonly text: string;
  /** The secret material that must never appear in output. */
  readonly secret: string;
}

/** One secret per supported value format. Fresh values on every call. */
export function generatedSecrets(): GeneratedSecret[] {
  const token = (format: string, text: string): GeneratedSecret => ({ format, text, secret: text });
  const bearer = randomString(40);
  const apiKeyScheme = randomString(32);
  const basic = Buffer.from(`ci-user:${randomString(16)}`).toString('base64');
  const password = randomString(18);
  const pemBody = randomBytes(96).toString('base64');
  const jwtPayload = base64url(JSON.stringify({ sub: randomString(12), nonce: randomString(16) }));
  return [
    token('aws_access_key_id', `AKIA${randomString(16, BASE32)}`),
    token('github_token', `ghp_${randomString(36)}`),
    token('github_fine_grained_pat', `github_pat_${randomString(82)}`),
    token('slack_token', `xoxb-${randomString(12, DIGITS)}-${randomString(24)}`),
    token('slack_webhook', `hooks.slack.com/services/T${randomString(8)}/B${randomString(8)}/${randomString(24)}`),
    token('stripe_key', `sk_live_${randomString(24)}`),
    token('google_api_key', `AIza${randomString(35)}`),
    token('npm_token', `npm_${randomString(36)}`),
    token('gitlab_token', `glpat-${randomString(20)}`),
    token('sendgrid_key', `SG.${randomString(22)}.${randomString(43)}`),
    token('anthropic_key', `sk-ant-api03-${randomString(40)}`),
    token('openai_key', `sk-proj-${randomString(40)}`),
    token('jwt', `eyJhbGciOiJIUzI1NiJ9.${jwtPayload}.${randomString(43)}`),
    { format: 'bearer', text: `Bearer ${bearer}`, secret: bearer },
    { format: 'basic', text: `Basic ${basic}`, secret: basic },
    { format: 'api_key_scheme', text: `Api-Key ${apiKeyScheme}`, secret: apiKeyScheme },
    { format: 'url_userinfo', text: `https://deploy:${password}@git.example.test/repo`, secret: password },
    token('card_number', luhnCardNumber()),
    {
      format: 'pem_private_key',
      text: `-----BEGIN PRIVATE KEY-----\n${pemBody.slice(0, 64)}\n${pemBody.slice(64)}\n-----END PRIVATE KEY-----`,
      secret: pemBody.slice(0, 64),
    },
  ];
}

/** Formats whose prefix is distinctive enough to be found glued to any word (`tokenghp_…`, `abcAKIA…`). */
export const GLUED_TO_ANY_WORD: ReadonlySet<string> = new Set([
  'aws_access_key_id',
  'github_token',
  'github_fine_grained_pat',
  'slack_token',
  'slack_webhook',
  'google_api_key',
  'npm_token',
  'gitlab_token',
  'sendgrid_key',
  'pem_private_key',
]);

/** Formats whose prefix ends common words (`task_test_`, `risk-`): found after `_` or punctuation only. */
export const GLUED_AFTER_UNDERSCORE: ReadonlySet<string> = new Set(['stripe_key', 'anthropic_key', 'openai_key']);

/** `secret` glued to the characters around it in each way its format is still found; none for other formats. */
export function gluedForms(secret: GeneratedSecret): string[] {
  if (GLUED_AFTER_UNDERSCORE.has(secret.format)) return [`x_${secret.text}`, `ci_${secret.text}.`];
  if (!GLUED_TO_ANY_WORD.has(secret.format)) return [];
  return [`x_${secret.text}`, `token${secret.text}`, `ABC${secret.text}`, `7${secret.text}`, `${secret.text}_x`];
}

/** Identifiers with a token prefix inside them (`task_test_…`): names, not secrets, and must survive. */
export function gluedLookAlikes(): string[] {
  const lower = (length: number): string => randomString(length, 'abcdefghijklmnopqrstuvwxyz');
  return [
    `task_test_${randomString(16)}`,
    `network_live_${randomString(16)}`,
    `my_sk_test_${lower(12)}_setup`,
    `task-admin-${lower(24)}`,
    `desk-proj-${lower(12)}-${lower(12)}`,
    `REGION_ASIA_${lower(16).toUpperCase()}`,
    `pnpm_store_${lower(36)}`,
  ];
}

/** Values that look like secrets to a careless rule but are not, and must survive. */
export function lookAlikes(): { uuid: string; gitSha: string; orderNumber: string } {
  const hex = randomBytes(16).toString('hex');
  return {
    uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`,
    gitSha: randomBytes(20).toString('hex'),
    orderNumber: `ORD-${new Date().getUTCFullYear()}-${randomString(8, DIGITS)}`,
  };
}

/** Every form in which `secret` must not leak: raw, URL-encoded, base64 and base64url. */
export function leakForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ]),
  ];
}

/** The secrets (by format) whose raw, URL-encoded or base64 form occurs in `output`. */
export function leakedSecrets(output: string, secrets: readonly GeneratedSecret[]): string[] {
  return secrets
    .filter((secret) => leakForms(secret.secret).some((form) => output.includes(form)))
    .map((secret) => secret.format);
}
