// Redaction cost: ns per typical audit record (clean: a new correlation id each time, the rest as a
// steady client repeats it; all unique: nothing repeats; repeated: the very same record; and with a
// secret), per 1 KB / 16 KB log body (clean and secret-bearing), the key-path job next to
// fast-redact and @pinojs/redact, and the slowest adversarial payload per pattern and for the whole
// redactor (found by a search of the adversarial space).
import { randomBytes, randomUUID } from 'node:crypto';
import type { AnyValue, Attributes } from '@opentelemetry/api';
import fastRedact from 'fast-redact';
import pinoRedact from '@pinojs/redact';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_CLIENT_ADDRESS,
  ATTR_CORRELATION_ID,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
} from '@apitrail/core/internal';
import { round, type Measured } from '../lib/stats.ts';
import { nsPerOp, quick, report, withPackage } from './harness.ts';
import { auditAttributes, generatedSecrets, logBody } from './records.ts';

interface Redactor {
  redactText(text: string): string;
  redactAttributes(attributes: Attributes): Attributes;
  redactValue(value: AnyValue): AnyValue;
}

/** A request-log shaped object and the key paths a pino user would list to redact it. */
function keyPathJob(): { object: () => Record<string, unknown>; paths: string[] } {
  const [token, , bearer, apiKey] = generatedSecrets();
  const paths = ['headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'user.password', 'body.token'];
  const object = () => ({
    method: 'POST',
    url: '/api/v1/tenants/acme/scans',
    headers: {
      host: 'api.example.test',
      'user-agent': 'prowler-cli/5.9.0',
      accept: 'application/json',
      authorization: bearer,
      cookie: `session=${token}`,
      'x-api-key': apiKey,
    },
    user: { name: 'ci-scanner', password: token },
    body: { provider: 'aws', region: 'eu-west-1', token },
  });
  return { object, paths };
}

function keyPaths(redactor: Redactor) {
  const { object, paths } = keyPathJob();
  // fast-redact mutates its input in place (later passes re-assign the censor: the same path work);
  // @pinojs/redact and apitrail copy what they change.
  const inputs = Array.from({ length: 1024 }, object);
  const fast = fastRedact({ paths, serialize: false });
  const pino = pinoRedact({ paths, serialize: false });
  const apitrailRedacted = JSON.stringify(redactor.redactValue(object() as unknown as AnyValue));
  for (const path of ['authorization', 'cookie', 'x-api-key', 'password', 'token']) {
    if (
      !apitrailRedacted.includes(`"${path}":"[REDACTED]"`) &&
      !apitrailRedacted.includes(`"${path}":"session=[REDACTED]"`)
    ) {
      throw new Error(`the apitrail redactor left ${path} in the key-path job: ${apitrailRedacted}`);
    }
  }
  return {
    apitrail: nsPerOp((i) => redactor.redactValue(inputs[i & 1023] as unknown as AnyValue)),
    fast_redact: nsPerOp((i) => fast(inputs[i & 1023]!)),
    pinojs_redact: nsPerOp((i) => pino(inputs[i & 1023]!)),
  };
}

/** Payloads per group re-timed after the search's first pass: its slowest by a single run. */
const WORST_CASE_FINALISTS = 12;

/**
 * The slowest payload of test/helpers/redos-payloads.ts (at the length cap) per pattern, for the
 * pattern that has the slowest, and for the whole redactor (default settings, and PII mode), in µs;
 * the note names the payload and how many were searched. The redactor's payloads are a search of the
 * adversarial space built from the credential catalogue (every literal repeated, as assignments, with
 * token-shaped values, percent-encoded once and twice, every format's near miss) as well as the
 * hand-picked seeds: one timed pass over all of them finds the candidates, then the
 * {@link WORST_CASE_FINALISTS} slowest of each group are timed again, each by its best over several
 * passes (a stall hits one pass; backtracking is slow in every pass). Hostile keys and bodies are
 * left out: their verdicts are remembered, so a repeat would time the memo.
 */
async function backtrackingWorstCase(redactor: Redactor, maxLength: number): Promise<Record<string, Measured>> {
  const { ADVERSARIAL_PATTERNS, adversarialWorkloads } = await import('../../test/helpers/redos-payloads.ts');
  const redactorGroups = ['redactor', 'redactor_pii'];
  // What the same machine takes for a clean string at the cap, timed alongside: the worst case read
  // against it does not move with the machine's load.
  const cleanText = logBody(maxLength, false);
  const cleanGroup = 'redactor_clean_text';
  const groups = new Set([...ADVERSARIAL_PATTERNS.map(({ name }) => name), ...redactorGroups, cleanGroup]);
  const workloads = [
    ...adversarialWorkloads(ADVERSARIAL_PATTERNS, maxLength).filter(({ group }) => groups.has(group)),
    { group: cleanGroup, input: `a clean ${maxLength}-character log body`, run: () => redactor.redactText(cleanText) },
  ];
  const timed = (run: () => unknown): number => {
    const start = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  // A warm-up pass (the first runs also compile), then the search's pass.
  workloads.forEach(({ run }) => run());
  const searched = workloads.map((workload) => ({ ...workload, us: timed(workload.run) }));
  const finalists = [...groups].flatMap((group) =>
    searched
      .filter((workload) => workload.group === group)
      .sort((a, b) => b.us - a.us)
      .slice(0, WORST_CASE_FINALISTS),
  );
  const best = finalists.map(() => Infinity);
  for (let pass = 0; pass < (quick ? 5 : 15); pass++) {
    finalists.forEach(({ run }, index) => (best[index] = Math.min(best[index]!, timed(run))));
  }
  const worst = new Map<string, { us: number; input: string }>();
  finalists.forEach(({ group, input }, index) => {
    if (best[index]! > (worst.get(group)?.us ?? -1)) worst.set(group, { us: best[index]!, input });
  });
  const searchedIn = (group: string): number => searched.filter((workload) => workload.group === group).length;
  const figure = (us: number, note: string): Measured => ({ value: round(us, 1), unit: 'µs', note });
  const [slowestPattern, slowest] = [...worst]
    .filter(([group]) => !redactorGroups.includes(group) && group !== cleanGroup)
    .sort((a, b) => b[1].us - a[1].us)[0]!;
  const clean = worst.get(cleanGroup)!;
  worst.delete(cleanGroup);
  return {
    ...Object.fromEntries(
      [...worst].map(([group, { us, input }]) => [group, figure(us, `on ${input} (slowest of ${searchedIn(group)})`)]),
    ),
    any_pattern: figure(slowest.us, `${slowestPattern} on ${slowest.input}`),
    redactor_clean_text: figure(clean.us, clean.input),
    redactor_vs_clean_text: {
      value: round(Math.max(...redactorGroups.map((group) => worst.get(group)!.us)) / clean.us, 2),
      unit: 'x',
      note: 'the slowest adversarial payload (either mode) ÷ a clean string of the same length',
    },
  };
}

/**
 * What the catalogue's size costs: the same work with the first 20 credential formats and with all
 * of them, and the ratio (the one-pass scanner's cost should not grow with the number of formats).
 */
function catalogueScaling(
  createRedactor: (options?: object) => Redactor,
  rules: { formats: readonly unknown[] },
  work: Record<string, (redactor: Redactor) => (i: number) => unknown>,
): Record<string, Measured> {
  const twenty = createRedactor({ rules: { ...rules, formats: rules.formats.slice(0, 20) } });
  const full = createRedactor({ rules });
  return Object.fromEntries(
    Object.entries(work).flatMap(([name, make]) => {
      const few = nsPerOp(make(twenty));
      const all = nsPerOp(make(full));
      return [
        [`${name}_20_formats`, few],
        [`${name}_${rules.formats.length}_formats`, all],
        [`${name}_ratio`, { value: round(all.value / few.value, 2), unit: 'x' }],
      ];
    }),
  );
}

/**
 * Distinct audit records taken in turn: each one's `fresh` values differ from the previous record's,
 * so the redactor scans them as it would a new request's instead of finding the value it saw last.
 */
function recordStream(base: Attributes, fresh: (n: number) => Attributes): (i: number) => Attributes {
  const records = Array.from({ length: 8192 }, (_, n) => ({ ...base, ...fresh(n) }));
  return (i) => records[i & 8191]!;
}

report({
  redaction: await withPackage('@apitrail/redaction/internal', async (module) => {
    const redactor = (module.createRedactor as (options?: object) => Redactor)();
    const clean = auditAttributes();
    const withSecret = { ...clean, [ATTR_URL_QUERY]: `provider=aws&api_key=${generatedSecrets()[3]}` };
    if (redactor.redactAttributes(withSecret)[ATTR_URL_QUERY] === withSecret[ATTR_URL_QUERY]) {
      throw new Error('the redactor did not redact the secret-bearing audit record; its figure would be meaningless');
    }
    const bodies = {
      body_1kb_clean: logBody(1024, false),
      body_1kb_secrets: logBody(1024, true),
      body_16kb_clean: logBody(16384, false),
      body_16kb_secrets: logBody(16384, true),
    };
    // Every request has its own correlation id; the rest repeats, as a steady client's requests do.
    const uniqueCorrelationId = recordStream(clean, () => ({ [ATTR_CORRELATION_ID]: randomUUID() }));
    // Nothing that can differ between requests repeats: another resource, key and client each time.
    const allUnique = recordStream(clean, (n) => ({
      [ATTR_CORRELATION_ID]: randomUUID(),
      [ATTR_API_KEY_FINGERPRINT]: randomBytes(16).toString('hex'),
      [ATTR_URL_PATH]: `/api/v1/tenants/acme/scans/${n}`,
      [ATTR_URL_QUERY]: `provider=aws&page=${n}&sort=-inserted_at`,
      [ATTR_CLIENT_ADDRESS]: `203.0.${n >> 8}.${n & 255}`,
    }));
    return {
      audit_record_clean: nsPerOp((i) => redactor.redactAttributes(uniqueCorrelationId(i))),
      audit_record_clean_all_unique: nsPerOp((i) => redactor.redactAttributes(allUnique(i))),
      audit_record_clean_repeated: nsPerOp(() => redactor.redactAttributes(clean)),
      audit_record_secret: nsPerOp(() => redactor.redactAttributes(withSecret)),
      ...Object.fromEntries(
        Object.entries(bodies).map(([name, body]) => [name, nsPerOp(() => redactor.redactText(body))]),
      ),
      key_paths: keyPaths(redactor),
      catalogue_scaling: catalogueScaling(
        module.createRedactor as (options?: object) => Redactor,
        module.DEFAULT_RULES as { formats: readonly unknown[] },
        {
          audit_record_all_unique: (candidate) => (i) => candidate.redactAttributes(allUnique(i)),
          body_1kb_clean: (candidate) => () => candidate.redactText(bodies.body_1kb_clean),
          body_16kb_clean: (candidate) => () => candidate.redactText(bodies.body_16kb_clean),
        },
      ),
      backtracking_worst_case: await backtrackingWorstCase(redactor, module.DEFAULT_MAX_LENGTH as number),
    };
  }),
});
