// Catastrophic-backtracking payloads for the redaction rules, shared by the unit test (every one must
// finish: test/unit/redaction-adversarial.test.ts) and the micro benchmark (how long the worst one
// takes, per pattern: bench/micro/redaction.ts). V8's regex engine backtracks, so a pattern is safe
// only if its work per start position stays bounded; these inputs are built to make it not so.
import {
  createRedactor,
  CREDENTIAL_FORMATS,
  CREDENTIAL_KEYWORDS,
  DEFAULT_PATTERNS,
  EMAIL_PATTERN,
  readRedactionConfig,
  type ValuePattern,
} from '@apitrail/redaction/internal';
import { nearMiss } from './credential-samples.ts';

/** What a pattern is to the regex engine (no `confirm` function: this crosses to worker threads). */
export type PatternSource = Pick<ValuePattern, 'name' | 'source' | 'caseInsensitive'>;

export const ADVERSARIAL_PATTERNS: readonly PatternSource[] = [...DEFAULT_PATTERNS, EMAIL_PATTERN].map(
  ({ name, source, caseInsensitive }) => ({ name, source, caseInsensitive }),
);

/** Prefixes that start (or almost start) a match of some pattern, and separators around them. */
const SEEDS = [
  'a',
  '0',
  '-',
  ' ',
  '=',
  ':',
  '.',
  '@',
  'eyJ',
  '-eyJ',
  'eyJa.eyJ',
  'eyJaa.eyJaa.',
  'AKIA',
  'ghp_',
  'github_pat_',
  'xoxb-',
  'hooks.slack.com/services/',
  'sk_live_',
  'AIza',
  'npm_',
  'glpat-',
  'SG.',
  'SG.aaaaaaaaaaaaaaaaaaaaaa.',
  'sk-',
  'sk-ant-',
  'Bearer ',
  'bearer   ',
  'a://',
  'a://b:',
  'a://b:c',
  '4111',
  '4111 1111 ',
  '4',
  // Card issuer prefixes and the groupings after them (JCB, Maestro, Amex 4-6-5, UnionPay 4-4-4-4-3).
  '3528',
  '6759 ',
  '3782 822463 ',
  '6212 3456 7890 1234 ',
  '3056-930902-',
  '-----BEGIN PRIVATE KEY-----',
  '-----BEGIN PRIVATE KEY-----aaaa\n',
  'a@a.',
  'a@',
  '1.1.',
  '1:',
  'ff:ff:',
  'token=',
  'password: "',
  'a="',
  'a=',
  'a=%3D',
  '%25',
  '\\\\\\"password\\\\\\": \\\\\\"',
  "token='",
  'x-amz-',
  'api_key',
  // Glued prefixes: token patterns start wherever their prefix does, also inside a word.
  'x_ghp_',
  'tokenghp_',
  'abcAKIA',
  'AKIAAKIA',
  'x_github_pat_',
  'axoxb-',
  'xAIza',
  'xnpm_',
  'xglpat-',
  'xSG.',
  'x_sk_live_',
  'task_test_',
  'x_sk-',
  '_sk-proj-',
  'task-proj-',
  // The catalogue scanner: prefixes inside prefixes, keywords before long runs, tokens whose
  // distinctive literal sits inside them (a lead scanned backwards), provider-prefix shapes.
  'sk-ant-api03-',
  'aws_session_token=',
  'datadog_api_key = "',
  'twilio: ',
  'Q~',
  '.atlasv1.',
  ':AA',
  '-us',
  'token is ',
  'key_',
  'acme_live_',
  'Aa1_',
  'hvs.',
  'AAAAAAAAAAAAAAAAAAAAA',
  '-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n',
  // Tokens cut short by a length limit: a body that ends at a truncation mark or half an escape.
  'sntrys_eyJpYXQiO',
  'aiven=+',
  '%2\u2026',
  '\u2026',
  // The automaton folds case: a case-sensitive prefix in another case ends at every character of a
  // run. Percent-encoding: runs decoded once, twice and three times, UTF-8 and not, escapes glued to
  // keywords and separators (each one a match in the decoded text). Keywords and IPv6-shaped groups
  // repeated back to back.
  'AAAAAAAAAAAAAAAAAAAAa',
  '%41',
  '%2525',
  '%252525',
  '%E2%82%AC',
  '%C3',
  '%%3D',
  'Bearer%20',
  'token%3D',
  'api_key%3D%22',
  'key=',
  '1:2:3:4:5:6:7:8 ',
  // A command line's option and its value after a space, quoted and not, escaped for JSON; SQL's
  // password literal in escaped quotes, one and two levels of JSON string down.
  ' --password ',
  " --pwd '",
  ' --pwd \\"',
  ' --token \\\\\\"',
  ' --pass a\\',
  ' -a',
  'IDENTIFIED BY \\"',
  'password \\\\\\"',
  'PASSWORD FOR x = \\"a\\"\\"',
  // One-letter password options after their command (`mysql -p<s>`, `sshpass -p <s>`).
  'mysql -p',
  "mysql -p'",
  'mysql -p mysql ',
  'sshpass -p ',
  // curl's credentials (`curl -u user:password`), and curl alone.
  'curl -u a ',
  'curl -uab:cd ',
  ' -fsSLu ',
  'curl ',
  // A command line written as a list (`["mysql", "--password", "<s>"]`).
  '"--password", "',
  "'--password', '\n",
  '\\"--token\\",\\"',
];

const fill = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Four payloads of `length` characters per seed. */
export function adversarialPayloads(length: number): { name: string; text: string }[] {
  return SEEDS.flatMap((seed) => [
    { name: `${JSON.stringify(seed)} repeated`, text: fill(seed, length) },
    { name: `${JSON.stringify(seed)} + long run + "!"`, text: `${seed}${'a'.repeat(length - seed.length - 1)}!` },
    { name: `(${JSON.stringify(seed)} + 60 x "a") repeated`, text: fill(`${seed}${'a'.repeat(60)}`, length) },
    { name: `(${JSON.stringify(seed)} + 60 x "0") repeated`, text: fill(`${seed}${'0'.repeat(60)}`, length) },
  ]);
}

/** Every character percent-encoded (`key=` → `%6B%65%79%3D`): an escape run that decodes to the literal. */
const percentEncodedWhole = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Upper case, lower case and digits, yet little entropy: passes the cheap checks of a token after a keyword. */
const MIXED_LOW_ENTROPY = 'aA0';

/**
 * The redactor's search space, built from the credential catalogue rather than hand-picked: for
 * every literal the scanner looks for (each format's prefixes and keywords, and the generic
 * credential keywords) the literal repeated back to back, as an assignment (`key=` repeated), as an
 * assignment of a token-shaped value (mixed case and digits, too little entropy: each one costs an
 * entropy check; short ones many times, a long one near the token bound), percent-encoded whole
 * once and twice (long escape runs, decoded level by level and scanned again); and every format's
 * near miss (its prefix and structure, its last run one character short) repeated. Each payload is
 * `length` characters long.
 */
export function catalogueAdversarialPayloads(length: number): { name: string; text: string }[] {
  const literals = [
    ...new Set([
      ...CREDENTIAL_FORMATS.flatMap((format) => [...format.prefixes, ...(format.keywords ?? [])]),
      ...CREDENTIAL_KEYWORDS,
    ]),
  ];
  const shapes = (literal: string): [string, string][] => [
    [literal, literal],
    [`${literal}=`, `${literal}=`],
    [`${literal}=${MIXED_LOW_ENTROPY.repeat(6)} `, `${literal}= + 18 mixed + " "`],
    [`${literal}=${MIXED_LOW_ENTROPY.repeat(170)} `, `${literal}= + 510 mixed + " "`],
    [percentEncodedWhole(`${literal}=`), `${literal}= percent-encoded`],
    [percentEncodedWhole(`${literal}=`).replaceAll('%', '%25'), `${literal}= percent-encoded twice`],
  ];
  return [
    ...literals.flatMap((literal) =>
      shapes(literal).map(([unit, name]) => ({ name: `(${JSON.stringify(name)}) repeated`, text: fill(unit, length) })),
    ),
    ...CREDENTIAL_FORMATS.map((format) => ({
      name: `${format.id} near miss repeated`,
      text: fill(`${nearMiss(format)} `, length),
    })),
  ];
}

/** One piece of work on one hostile input; `group` is the pattern (or redactor part) it exercises. */
export interface Workload {
  readonly group: string;
  readonly input: string;
  readonly run: () => unknown;
}

function hostileBody(shape: 'deep' | 'wide'): Record<string, unknown> {
  if (shape === 'wide') {
    return Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`k${index}`, `v${index}`]));
  }
  let deep: Record<string, unknown> = { leaf: 'token=abc' };
  for (let level = 0; level < 10_000; level++) deep = { next: deep };
  return deep;
}

/**
 * Every pattern on every payload of `length` characters, then the whole redactor (prefilter, every
 * pattern, the credential scanner, key=value pairs, percent-decoding) on the same payloads and the
 * catalogue's search space ({@link catalogueAdversarialPayloads}) with the default settings and in
 * PII mode (also e-mail addresses and IP addresses), hostile keys (long, many wildcards to match) and
 * hostile nested bodies (deep and wide).
 */
export function adversarialWorkloads(patterns: readonly PatternSource[], length: number): Workload[] {
  const payloads = adversarialPayloads(length);
  const redactorPayloads = [...payloads, ...catalogueAdversarialPayloads(length)];
  const redactor = createRedactor(readRedactionConfig({}));
  const piiRedactor = createRedactor({ ...readRedactionConfig({}), pii: true });
  const bodies = { '10 000 levels deep': hostileBody('deep'), '20 000 keys wide': hostileBody('wide') };
  return [
    ...patterns.flatMap(({ name, source, caseInsensitive }) => {
      const regex = new RegExp(source, caseInsensitive ? 'gi' : 'g');
      return payloads.map(({ name: input, text }) => ({ group: name, input, run: () => text.replace(regex, '*') }));
    }),
    ...redactorPayloads.map(({ name: input, text }) => ({
      group: 'redactor',
      input,
      run: () => redactor.redactText(text),
    })),
    ...redactorPayloads.map(({ name: input, text }) => ({
      group: 'redactor_pii',
      input,
      run: () => piiRedactor.redactText(text),
    })),
    ...['a'.repeat(256), 'api.'.repeat(64), 'apiapiapi'.repeat(28), 'x.'.repeat(128)].map((key) => ({
      group: 'hostile_key',
      input: `${JSON.stringify(key.slice(0, 12))}… (${key.length} characters)`,
      run: () => redactor.redactAttributes({ [key]: 'v' }),
    })),
    ...Object.entries(bodies).map(([input, body]) => ({
      group: 'hostile_body',
      input,
      run: () => redactor.redactValue(body),
    })),
  ];
}
