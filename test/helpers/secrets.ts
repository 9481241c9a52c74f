// Synthetic secrets for leak fuzzing, generated at test time from crypto.randomBytes: one generator
// per format the redaction rules know, with random lengths and charsets. Nothing real-looking is
// ever committed. Each secret carries `cores`: distinctive fragments of its random material, so a
// leak is found even when only part of the secret (or a re-encoded form of it) got out.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { printedCardForms } from './redaction-secrets.ts';

export interface SyntheticSecret {
  format: string;
  value: string;
  /** Alphanumeric fragments (CORE_LENGTH long) of the random material; any of them in the output is a leak. */
  cores: string[];
  /** Printable ASCII only: it can travel in a header. */
  headerSafe: boolean;
}

export const CORE_LENGTH = 12;

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const BASE32 = `${UPPER}234567`;
const URLSAFE = `${ALNUM}_-`;

export function randomString(length: number, charset: string): string {
  let out = '';
  const bytes = randomBytes(length * 2);
  for (let index = 0; index < length; index++) out += charset[bytes.readUInt16LE(index * 2) % charset.length];
  return out;
}

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)]!;
const between = (min: number, max: number): number => randomInt(min, max + 1);

/** Every alphanumeric run of `text` long enough, cut into CORE_LENGTH fragments. */
export function coresOf(text: string): string[] {
  const cores: string[] = [];
  for (const [run] of text.matchAll(/[A-Za-z0-9]{12,}/g)) {
    for (let start = 0; start + CORE_LENGTH <= run.length; start += CORE_LENGTH) {
      cores.push(run.slice(start, start + CORE_LENGTH));
    }
  }
  return cores;
}

/** A random body in `charset` that still has an alphanumeric run to recognise it by. */
function body(length: number, charset: string): string {
  for (;;) {
    const candidate = randomString(length, charset);
    if (coresOf(candidate).length > 0) return candidate;
  }
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** `prefix`, random digits, and the one check digit that makes the number Luhn-valid. */
function luhnComplete(prefix: string, length: number): string {
  const partial = prefix + randomString(length - prefix.length - 1, DIGITS);
  const check = [...DIGITS].find((digit) => luhnValid(partial + digit))!;
  return partial + check;
}

/** A random issuer prefix and length: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro. */
const cardPrefixAndLength = (): readonly [string, number] =>
  pick<readonly [string, number]>([
    ['4', 16],
    ['4', 13],
    ['4', 19],
    [String(between(51, 55)), 16],
    [String(between(2221, 2720)), 16],
    [pick(['34', '37']), 15],
    ['6011', 16],
    ['65', 16],
    [String(between(644, 649)), 16],
    [String(between(3528, 3589)), 16],
    [String(between(3528, 3589)), 19],
    [pick(['36', '38', '39', String(between(300, 305))]), 14],
    ['62', 16],
    ['62', 19],
    [pick(['5018', '5020', '5038', '5893', '6304', '6759', '6761', '6762', '6763']), between(13, 19)],
  ]);

const base64url = (text: string | Buffer): string => Buffer.from(text).toString('base64url');

function secret(format: string, value: string, randomPart: string = value): SyntheticSecret {
  return { format, value, cores: coresOf(randomPart), headerSafe: /^[\x20-\x7e]+$/.test(value) };
}

type Generator = () => SyntheticSecret;

export const SECRET_FORMATS: Readonly<Record<string, Generator>> = {
  aws_access_key_id: () => {
    const random = randomString(16, BASE32);
    return secret('aws_access_key_id', `${pick(['AKIA', 'ASIA', 'ABIA', 'ACCA'])}${random}`, random);
  },
  github_token: () => {
    const random = body(between(36, 80), ALNUM);
    return secret('github_token', `gh${pick(['p', 'o', 'u', 's', 'r'])}_${random}`, random);
  },
  github_fine_grained_pat: () => {
    const random = `${body(22, ALNUM)}_${body(59, ALNUM)}`;
    return secret('github_fine_grained_pat', `github_pat_${random}`, random);
  },
  slack_token: () => {
    const random = body(between(24, 40), ALNUM);
    const value = `xox${pick(['b', 'p', 'a', 'e', 'r'])}-${randomString(between(10, 13), DIGITS)}-${randomString(between(10, 13), DIGITS)}-${random}`;
    return secret('slack_token', value, random);
  },
  slack_webhook: () => {
    const random = body(24, ALNUM);
    const value = `https://hooks.slack.com/services/T${randomString(between(8, 10), UPPER + DIGITS)}/B${randomString(between(8, 10), UPPER + DIGITS)}/${random}`;
    return secret('slack_webhook', value, random);
  },
  stripe_key: () => {
    const random = body(between(24, 99), ALNUM);
    return secret('stripe_key', `${pick(['sk', 'rk'])}_${pick(['live', 'test', 'prod'])}_${random}`, random);
  },
  google_api_key: () => {
    const random = body(35, URLSAFE);
    return secret('google_api_key', `AIza${random}`, random);
  },
  npm_token: () => {
    const random = body(36, ALNUM);
    return secret('npm_token', `npm_${random}`, random);
  },
  gitlab_token: () => {
    const random = body(between(20, 64), URLSAFE);
    return secret('gitlab_token', `glpat-${random}`, random);
  },
  sendgrid_key: () => {
    const random = `${body(22, URLSAFE)}.${body(43, URLSAFE)}`;
    return secret('sendgrid_key', `SG.${random}`, random);
  },
  anthropic_key: () => {
    const random = body(between(80, 100), URLSAFE);
    return secret('anthropic_key', `sk-ant-api03-${random}AA`, random);
  },
  openai_key: () => {
    const random = body(between(40, 160), URLSAFE);
    return secret('openai_key', `sk-${pick(['proj-', 'svcacct-', 'admin-', ''])}${random}`, random);
  },
  jwt: () => {
    const header = base64url(JSON.stringify({ alg: pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        sub: randomString(between(8, 24), ALNUM),
        iat: randomInt(1e9, 2e9),
        scope: randomString(12, LOWER),
      }),
    );
    const signature = base64url(randomBytes(between(32, 256)));
    return secret('jwt', `${header}.${payload}.${signature}`, `${payload.slice(20)}.${signature}`);
  },
  pem_private_key: () => {
    const kind = pick(['RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', '']);
    const lines = randomBytes(between(120, 1200))
      .toString('base64')
      .match(/.{1,64}/g)!;
    const value = `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${kind}PRIVATE KEY-----`;
    return secret('pem_private_key', value, lines.join('\n'));
  },
  bearer_token: () => {
    const random = body(between(20, 120), `${ALNUM}._~+/-`);
    return secret('bearer_token', `${pick(['Bearer', 'bearer', 'BEARER'])} ${random}`, random);
  },
  basic_credentials: () => {
    const password = body(between(12, 40), ALNUM);
    const encoded = Buffer.from(`${randomString(8, LOWER)}:${password}`).toString('base64');
    return {
      ...secret('basic_credentials', `Basic ${encoded}`, encoded),
      cores: [...coresOf(encoded), ...coresOf(password)],
    };
  },
  token_authorization: () => {
    const random = body(between(20, 80), ALNUM);
    return secret('token_authorization', `Token ${random}`, random);
  },
  url_userinfo: () => {
    const password = `${body(between(12, 24), ALNUM)}${randomString(between(0, 8), "!$&'()*+,;=._~-")}`;
    const value = `${pick(['https', 'postgres', 'mongodb+srv', 'redis', 'amqp'])}://${randomString(6, LOWER)}:${password}@db${randomInt(100)}.internal.example/app`;
    return secret('url_userinfo', value, password);
  },
  card_number: () => {
    const [prefix, length] = cardPrefixAndLength();
    const digits = luhnComplete(prefix, length);
    const value = pick(printedCardForms(digits));
    return {
      format: 'card_number',
      value,
      cores: [digits.slice(0, CORE_LENGTH), digits.slice(-CORE_LENGTH)],
      headerSafe: true,
    };
  },
  keyword_secret: () => {
    const random = body(between(12, 60), `${ALNUM}!#%^*_+~.`);
    const key = pick([
      'password',
      'passwd',
      'client_secret',
      'api_key',
      'apiKey',
      'access_token',
      'private_key',
      'secret',
    ]);
    const value = pick([`${key}=${random}`, `${key}: ${random}`, `"${key}": "${random}"`]);
    return secret('keyword_secret', value, random);
  },
};

export function generateSecret(format: string): SyntheticSecret {
  return SECRET_FORMATS[format]!();
}

/** Benign values that look like secrets; every one must survive redaction. */
export const LOOK_ALIKES: Readonly<Record<string, () => string>> = {
  uuid: () => randomUUID(),
  sha1: () => randomBytes(20).toString('hex'),
  sha256: () => randomBytes(32).toString('hex'),
  git_short_sha: () => randomBytes(4).toString('hex').slice(0, 7),
  order_id: () => `ORD-${between(2019, 2026)}-${randomString(6, DIGITS)}`,
  invoice_number: () => `INV${randomString(10, DIGITS)}`,
  non_luhn_number: () => {
    for (;;) {
      const [prefix, length] = cardPrefixAndLength();
      const digits = `${prefix}${randomString(length - prefix.length, DIGITS)}`;
      if (!luhnValid(digits)) return digits;
    }
  },
  long_number: () => randomString(between(20, 30), DIGITS),
  base64_image: () => `data:image/png;base64,iVBORw0KGgo${randomBytes(between(48, 300)).toString('base64')}`,
  // Padding after a `+` or `/` makes the tail read like `pw=` / `pass=`: a key-value trap.
  base64_image_padded: () => {
    const bytes = randomBytes(3 * between(16, 100));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1]! & 0xc0) | 62;
    return `data:image/jpeg;base64,/9j/${Buffer.concat([bytes, Buffer.from([0xa7])]).toString('base64')}`;
  },
  semver: () => `${between(0, 20)}.${between(0, 50)}.${between(0, 200)}`,
  iso_timestamp: () => new Date(randomInt(1e12, 2e12)).toISOString(),
  trace_parent: () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  product_sku: () => `SKU-${randomString(4, UPPER)}-${randomString(8, ALNUM)}`,
  word_with_key_prefix: () => `skeleton-${randomString(10, LOWER)}`,
  short_sk_prefix: () => `sk-${randomString(10, LOWER)}`,
  // Token prefixes glued inside identifiers: names, not keys.
  identifier_ending_in_sk: () =>
    `${pick(['task', 'risk', 'desk', 'disk', 'mask'])}_${pick(['live', 'test', 'prod'])}_${randomString(between(10, 30), ALNUM)}`,
  identifier_ending_in_rk: () =>
    `${pick(['network', 'work', 'fork', 'bookmark'])}_${pick(['live', 'test', 'prod'])}_${randomString(between(10, 30), LOWER)}`,
  kebab_name_with_sk: () =>
    `${pick(['task', 'risk', 'desk'])}-${pick(['proj', 'admin', 'ant', 'svcacct'])}-${randomString(between(20, 40), LOWER)}`,
  snake_name_after_sk: () => `my_sk_${pick(['live', 'test', 'prod'])}_${randomString(12, LOWER)}_setup`,
};
