// Samples of every credential format in @apitrail/redaction's catalogue, generated at test time from
// random bytes (random within the format's charset and length, valid checksums), so that no
// real-looking token is ever committed; a near miss per format; and a benign corpus of look-alikes.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  CHARSETS,
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  type Run,
  type Segment,
} from '@apitrail/redaction/internal';

/** The characters of a charset, expanded from its regex class. */
function alphabet(charsetClass: string): string {
  let characters = '';
  for (let index = 0; index < charsetClass.length; index++) {
    if (charsetClass[index + 1] === '-' && index + 2 < charsetClass.length) {
      for (let code = charsetClass.charCodeAt(index); code <= charsetClass.charCodeAt(index + 2); code++) {
        characters += String.fromCharCode(code);
      }
      index += 2;
    } else {
      characters += charsetClass[index];
    }
  }
  return characters;
}

const ALPHABETS = Object.fromEntries(Object.entries(CHARSETS).map(([name, set]) => [name, alphabet(set)])) as Record<
  keyof typeof CHARSETS,
  string
>;

export function randomFrom(characters: string, length: number): string {
  return Array.from({ length }, () => characters[randomInt(characters.length)]).join('');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value: number, width: number): string {
  let digits = '';
  for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) digits = BASE62[rest % 62] + digits;
  return digits.padStart(width, '0');
}

/** GitHub's token checksum: 30 random base62 characters, then their CRC32 in base62 (6 characters). */
export function githubChecksummed(random: string): string {
  return random + base62(crc32(random), 6);
}

/** Whether the last six characters of a GitHub-style token body are its CRC32 checksum. */
export function githubChecksumValid(body: string): boolean {
  return githubChecksummed(body.slice(0, 30)) === body;
}

/** Longest run a sample gets (a 4096-character bound is tested by the scanner's bounds, not here). */
const SAMPLE_RUN_CAP = 200;

function runLengthFor([, min, max = min]: Run, variant: number): number {
  const capped = Math.min(max, Math.max(min, SAMPLE_RUN_CAP));
  return [min, capped, min + randomInt(capped - min + 1)][variant % 3]!;
}

function randomRun(run: Run, variant: number): string {
  // `=` is padding: real tokens have it at their end only, never after a separator.
  return randomFrom(ALPHABETS[run[0]].replace('=', ''), runLengthFor(run, variant));
}

export interface CredentialSample {
  readonly format: string;
  /** The text the credential is usually seen in (a keyword assignment for keyword formats). */
  readonly text: string;
  /** The credential itself: it must not survive anywhere. */
  readonly secret: string;
}

/** Keyword syntaxes a prefix-less format is written in (sample `variant` picks one). */
const KEYWORD_SYNTAXES: readonly ((keyword: string, token: string) => string)[] = [
  (keyword, token) => `${keyword}=${token}`,
  (keyword, token) => `"${keyword}": "${token}"`,
  (keyword, token) => `${keyword.toUpperCase()}_VALUE: ${token}`,
];

function token(format: CredentialFormat, variant: number): string {
  const prefix = format.prefixes.length === 0 ? '' : format.prefixes[variant % format.prefixes.length]!;
  const lead = format.lead === undefined ? '' : randomRun(format.lead, variant);
  if (format.checksum === 'github-crc32') {
    return prefix + githubChecksummed(randomFrom(ALPHABETS.alnum, 30));
  }
  const body = format.body.map((segment: Segment) =>
    typeof segment === 'string' ? segment : randomRun(segment, variant),
  );
  return lead + prefix + body.join('');
}

/** `count` samples of one format, each with fresh random content. */
export function samplesOf(format: CredentialFormat, count = 3): CredentialSample[] {
  return Array.from({ length: count }, (_, variant) => {
    const secret = token(format, variant);
    const keyword = format.keywords?.[variant % format.keywords.length];
    const text =
      keyword === undefined
        ? secret
        : format.prefixes.length === 0
          ? KEYWORD_SYNTAXES[variant % KEYWORD_SYNTAXES.length]!(keyword, secret)
          : `${keyword} ${secret}`;
    return { format: format.id, text, secret };
  });
}

/** At least three samples of every catalogue format. */
export function catalogueSamples(count = 3): CredentialSample[] {
  return CREDENTIAL_FORMATS.flatMap((format) => samplesOf(format, count));
}

/**
 * The format's prefix and structure with no randomness and its last run one character short: what a
 * careless rule would match (a prefix alone, a placeholder), but no credential of this format.
 */
export function nearMiss(format: CredentialFormat): string {
  // One character repeated (no randomness for a generic detector to see), from the middle of the
  // alphabet (a run of `A` is the start of an X bearer token); the last run too short by one, and
  // no longer than 4: a longer run after a long prefix can be a token of a shorter prefix
  // (`sk-ant-admin01-…` is an `sk-…` key once 20 characters follow `sk-`).
  const placeholder = ([charset, min]: Run, short: boolean): string => {
    const characters = ALPHABETS[charset];
    return characters[characters.length >> 1]!.repeat(short ? Math.min(min - 1, 4) : min);
  };
  const lastRun = format.body.findLastIndex((segment) => typeof segment !== 'string');
  const body = format.body.map((segment, index) =>
    typeof segment === 'string' ? segment : placeholder(segment, index === lastRun),
  );
  const lead = format.lead === undefined ? '' : placeholder(format.lead, lastRun < 0);
  const text = lead + (format.prefixes[0] ?? '') + body.join('');
  const keyword = format.keywords?.[0];
  if (keyword === undefined) return text;
  return `${keyword} ${text}`;
}

const HEX = '0123456789abcdef';
const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

function luhnInvalid(length: number): string {
  for (;;) {
    const digits = `${1 + randomInt(9)}${randomFrom(DIGITS, length - 1)}`;
    let sum = 0;
    for (let index = 0; index < digits.length; index++) {
      const digit = Number(digits[digits.length - 1 - index]);
      const doubled = index % 2 === 1 ? digit * 2 : digit;
      sum += doubled > 9 ? doubled - 9 : doubled;
    }
    if (sum % 10 !== 0) return digits;
  }
}

const PROSE: readonly ((n: number) => string)[] = [
  (n) => `Your password was changed on 2026-03-${(n % 28) + 1}; if this was not you, reset it.`,
  (n) => `token expired after ${n} seconds, refreshing`,
  (n) => `The API key for tenant acme-${n} was rotated by the admin`,
  (n) => `secret rotation scheduled for region eu-west-${(n % 3) + 1}`,
  (n) => `user ${n} entered a wrong password 3 times`,
  (n) => `Bearer authentication failed for client ${n}: token missing`,
  (n) => `auth session ${n} closed (idle)`,
  (n) => `key: order-${n}`,
  (n) => `Passwords must have at least ${n % 20} characters`,
  (n) => `credential provider chain tried ${n % 5} providers`,
];

/**
 * Look-alikes that must survive redaction byte-identical, `perKind` of each kind: UUIDs, git SHAs,
 * trace and span ids, content hashes (hex and base64), base64 images, order numbers, Luhn-invalid
 * long numbers, version strings, timestamps, routes, and prose with "token"/"password".
 */
export function benignCorpus(perKind: number): { kind: string; text: string }[] {
  const kinds: Record<string, (n: number) => string> = {
    uuid: () => randomUUID(),
    uuid_upper: () => randomUUID().toUpperCase(),
    git_sha: () => randomBytes(20).toString('hex'),
    git_short_sha: () => `commit ${randomBytes(4).toString('hex').slice(0, 7)}`,
    trace_id: () => randomBytes(16).toString('hex'),
    span_id: () => randomBytes(8).toString('hex'),
    traceparent: () => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    sha256_hex: () => randomBytes(32).toString('hex'),
    sha256_sri: () => `sha256-${randomBytes(32).toString('base64')}`,
    etag: () => `W/"${randomBytes(12).toString('hex')}"`,
    base64_image: () => `data:image/png;base64,iVBORw0KGgo${randomBytes(96).toString('base64')}`,
    order_number: (n) => `ORD-2026-${String(n).padStart(8, '0')}`,
    luhn_invalid: () => luhnInvalid(16),
    version: (n) => `v${n % 10}.${n % 7}.${n % 13}-beta.${n}`,
    timestamp: () => new Date(Date.UTC(2026, randomInt(12), 1 + randomInt(28), randomInt(24))).toISOString(),
    route: (n) => `/api/v1/tenants/acme-${n}/scans/${randomUUID()}`,
    query: (n) => `page=${n}&sort=-inserted_at&filter[provider]=aws&q=hello+world%21`,
    identifier: () => `task_${randomFrom(LOWER, 8)}_${randomFrom(LOWER, 12)}_handler`,
    mongo_object_id: () => randomBytes(12).toString('hex'),
    ulid: () => `01${randomFrom('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 24)}`,
    mac_address: () => Array.from({ length: 6 }, () => randomFrom(HEX, 2)).join(':'),
    prose: (n) => PROSE[n % PROSE.length]!(n),
  };
  return Object.entries(kinds).flatMap(([kind, make]) =>
    Array.from({ length: perKind }, (_, n) => ({ kind, text: make(n) })),
  );
}
