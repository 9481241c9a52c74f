// Catastrophic-backtracking payloads against every pattern of the rule set. V8's regex engine
// backtracks, so each pattern must stay bounded per start position; a payload at the scanned-length
// cap must finish far below the generous bound asserted here (the benchmark reports real figures).
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import {
  createRedactor,
  DEFAULT_MAX_LENGTH,
  DEFAULT_PATTERNS,
  EMAIL_PATTERN,
  patternProblem,
  readRedactionConfig,
} from '@apitrail/redaction';

const BOUND_MS = 50;

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
];

function payloads(length: number): { name: string; text: string }[] {
  const fill = (unit: string): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  return SEEDS.flatMap((seed) => [
    { name: `${JSON.stringify(seed)} repeated`, text: fill(seed) },
    { name: `${JSON.stringify(seed)} + long run + "!"`, text: `${seed}${'a'.repeat(length - seed.length - 1)}!` },
    { name: `(${JSON.stringify(seed)} + 60 x "a") repeated`, text: fill(`${seed}${'a'.repeat(60)}`) },
    { name: `(${JSON.stringify(seed)} + 60 x "0") repeated`, text: fill(`${seed}${'0'.repeat(60)}`) },
  ]);
}

/**
 * Best of three runs: the machine is shared, so one run can stall for reasons of its own, while a
 * backtracking blow-up is slow every time.
 */
function timed(work: () => unknown): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('redaction: adversarial input', function () {
  this.timeout(120_000);
  const inputs = payloads(DEFAULT_MAX_LENGTH);
  const worst = { ms: 0, what: '' };
  const note = (ms: number, what: string): void => {
    if (ms > worst.ms) Object.assign(worst, { ms, what });
  };

  after(() => {
    process.stdout.write(`      worst case: ${worst.ms.toFixed(2)} ms (${worst.what})\n`);
  });

  for (const pattern of [...DEFAULT_PATTERNS, EMAIL_PATTERN]) {
    it(`${pattern.name}: bounded quantifiers only, and every payload at the length cap finishes fast`, () => {
      expect(patternProblem(pattern.source)).to.equal(undefined);
      const regex = new RegExp(pattern.source, pattern.caseInsensitive ? 'gi' : 'g');
      for (const { name, text } of inputs) {
        const ms = timed(() => text.replace(regex, '*'));
        note(ms, `${pattern.name} on ${name}`);
        expect(ms, `${pattern.name} on ${name}`).to.be.below(BOUND_MS);
      }
    });
  }

  it('the whole redactor (prefilter, every pattern, key=value pairs, PII) finishes fast on every payload', () => {
    const redactor = createRedactor({ ...readRedactionConfig({}), pii: true });
    for (const { name, text } of inputs) {
      const ms = timed(() => redactor.redactText(text));
      note(ms, `redactText on ${name}`);
      expect(ms, `redactText on ${name}`).to.be.below(BOUND_MS);
    }
  });

  it('hostile keys (long, many wildcards to match) are decided fast', () => {
    const redactor = createRedactor();
    for (const key of ['a'.repeat(256), 'api.'.repeat(64), 'apiapiapi'.repeat(28), 'x.'.repeat(128)]) {
      const ms = timed(() => redactor.redactAttributes({ [key]: 'v' }));
      note(ms, `key ${key.slice(0, 12)}…`);
      expect(ms).to.be.below(BOUND_MS);
    }
  });

  it('a hostile nested body (deep and wide) is walked within its bounds', () => {
    const redactor = createRedactor();
    let deep: Record<string, unknown> = { leaf: 'token=abc' };
    for (let level = 0; level < 10_000; level++) deep = { next: deep };
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`k${index}`, `v${index}`]));
    for (const [name, body] of [
      ['10 000 levels deep', deep],
      ['20 000 keys wide', wide],
    ] as const) {
      const ms = timed(() => redactor.redactValue(body));
      note(ms, name);
      expect(ms, name).to.be.below(BOUND_MS);
    }
  });
});
