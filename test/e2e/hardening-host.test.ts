// Hardening: apitrail never harms its host. One fault at a time is injected into apitrail's hooks,
// processors (redaction, detection, integrity), winston patch and bridge, resolver and exporters
// inside a real node:http + winston app; its answers must be exactly those of the same app without
// apitrail, each fault counted and reported once, and no fault may let a secret out unredacted.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { readIfPresent, requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { generateSecret } from '../helpers/secrets.ts';
import { waitFor } from '../helpers/wait.ts';

interface Exchange {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

// Headers that differ between any two runs of the same app, instrumented or not.
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

// In the query of a span and an audit record, and in the app's winston metadata and console line.
const secret = generateSecret('github_token');

const exchanges: Exchange[] = [
  { path: '/ok?q=1', headers: { 'x-request-id': 'host-1', 'user-agent': 'host-test/1.0' } },
  { path: '/ok?q=2', headers: { 'x-api-key': 'pk_host0001.not-a-real-secret-value' } },
  { path: '/log?u=alice', headers: { authorization: 'Bearer not.a.jwt', 'x-tenant-id': 'tenant-claimed' } },
  { path: `/log?u=${secret.value}` },
  { path: '/slow', headers: { cookie: 'session=abc' } },
  { path: '/private' },
  { path: '/private', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
  { path: '/broken', headers: { 'x-forwarded-for': '203.0.113.9' } },
  { method: 'POST', path: '/echo', body: 'payload \u0000 with bytes', headers: { 'content-type': 'text/plain' } },
  { path: '/stream' },
  { path: '/missing' },
];

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

async function exchange(app: RunningApp, request: Exchange): Promise<Answer> {
  const response = await fetch(`${app.baseUrl}${request.path}`, {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const headers = [...response.headers].filter(([name]) => !VOLATILE_HEADERS.has(name));
  return { status: response.status, headers, body: await response.text() };
}

async function runAll(app: RunningApp): Promise<Answer[]> {
  const answers: Answer[] = [];
  // Each exchange twice: a fault that is only reported once must still be contained the second time.
  for (let round = 0; round < 2; round++) for (const request of exchanges) answers.push(await exchange(app, request));
  return answers;
}

function reportsPerComponent(stderr: string): Map<string, number> {
  const reports = new Map<string, number>();
  for (const [, component] of stderr.matchAll(/apitrail: (.+?) failed \(/g)) {
    reports.set(component!, (reports.get(component!) ?? 0) + 1);
  }
  return reports;
}

describe('hardening: never harm the host', function () {
  this.timeout(120_000);
  let collector: RunningCollector;
  let baseline: Answer[];
  let outputDir: string;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, 'local-file.yaml');
    outputDir = await mkdtemp(join(tmpdir(), 'apitrail-host-'));
    const bare = await startApp({
      script: 'test/fixtures/host-app.cjs',
      loader: 'none',
      env: { HOST_FAULT: 'uninstrumented' },
    });
    baseline = await runAll(bare);
    await bare.stop();
    // Without apitrail the secret is printed: the leak checks below look where it would show.
    expect(bare.stdout()).to.include(secret.value);
    expect(baseline.map((answer) => answer.status)).to.include.members([200, 201, 401, 403, 500, 404]);
  });

  after(async () => {
    await collector?.stop();
  });

  interface Fault {
    fault: string;
    env?: Record<string, string>;
    counted: RegExp;
    /** The fault is contained to its own stage: every request's audit record still reaches the collector. */
    delivered?: true;
  }

  const faults: Fault[] = [
    { fault: 'none', counted: /.*/, delivered: true },
    { fault: 'poisoned-request-context', counted: /./ },
    { fault: 'tracker-throws', counted: /request scope|startIncomingSpanHook|requestHook|applyCustomAttributesOnSpan/ },
    { fault: 'resolver-throws', counted: /resolver/i },
    { fault: 'resolver-rejects', counted: /resolver/i },
    { fault: 'resolver-hangs', counted: /.*/ },
    { fault: 'exporters-throw', counted: /export/i },
    {
      fault: 'ndjson-unwritable',
      env: { OTEL_LOGS_EXPORTER: 'ndjson', APITRAIL_NDJSON_FILE: '/nonexistent-apitrail-dir/audit.ndjson' },
      counted: /ndjson exporter/,
    },
    // Fails closed: spans are not exported (the exporter backstop cannot redact them either).
    { fault: 'redaction-span-processor-throws', counted: /^redaction span processor$/, delivered: true },
    // Fails closed: the records go out with their body and string attributes replaced.
    { fault: 'redaction-log-processor-throws', counted: /^redaction log record processor$/, delivered: true },
    { fault: 'detector-throws', counted: /^detection processor$/, delivered: true },
    {
      fault: 'integrity-signer-throws',
      // Generated per run: no key in the repository.
      env: rootKeyFiles().env,
      counted: /^integrity processor$/,
      delivered: true,
    },
    { fault: 'winston-redaction-throws', counted: /^winston redaction$/, delivered: true },
    { fault: 'winston-bridge-throws', counted: /^winston log bridge$/, delivered: true },
  ];

  async function auditRecordsOf(service: string): Promise<number> {
    const records = await collector.logs();
    return records.filter(
      (record) => record.resource['service.name'] === service && record.eventName === 'apitrail.api_request',
    ).length;
  }

  function leakedCores(output: string): string[] {
    return secret.cores.filter((core) => output.includes(core));
  }

  for (const { fault, env, counted, delivered } of faults) {
    it(`${fault}: responses identical to the uninstrumented app; the fault is counted and reported once`, async () => {
      const app = await startApp({
        script: 'test/fixtures/host-app.cjs',
        loader: 'none',
        env: {
          HOST_FAULT: fault,
          OTEL_SERVICE_NAME: `host-${fault}`,
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'otlp,ndjson',
          APITRAIL_NDJSON_FILE: join(outputDir, `${fault}.ndjson`),
          OTEL_BLRP_SCHEDULE_DELAY: '50',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          // NodeSDK installs a diagnostic logger only when asked; the once-per-fault report goes there.
          OTEL_LOG_LEVEL: 'info',
          ...env,
        },
      });
      try {
        const answers = await runAll(app);
        expect(answers).to.deep.equal(baseline);
        const counts = (await (await fetch(`${app.baseUrl}/__faults`)).json()) as Record<string, number>;
        if (fault !== 'none' && fault !== 'resolver-hangs') {
          const hit = Object.entries(counts).filter(([component, count]) => counted.test(component) && count > 0);
          expect(hit, `a counted fault matching ${counted} in ${JSON.stringify(counts)}`).to.have.length.above(0);
          expect(reportsPerComponent(app.stderr()).size, 'faults are reported').to.be.above(0);
        }
        expect(app.process.exitCode, 'the app is still running').to.equal(null);
        for (const [component, reports] of reportsPerComponent(app.stderr())) {
          expect(reports, `reports of ${component}`).to.equal(1);
          expect(counts[component], `count of ${component}`).to.be.at.least(1);
        }
        if (delivered) {
          // Every exchange and the /__faults request. /log also emits a record whose body has a
          // cycle, which no exporter can serialise: it is lost alone, the audit records batched
          // with it still arrive.
          await waitFor('every audit record at the collector', async () =>
            (await auditRecordsOf(`host-${fault}`)) === answers.length + 1 ? true : undefined,
          );
        }
        const outputs = {
          collector: await collector.rawOutput(),
          ndjson: await readIfPresent(env?.APITRAIL_NDJSON_FILE ?? join(outputDir, `${fault}.ndjson`)),
          'winston console': app.stdout(),
        };
        for (const [output, text] of Object.entries(outputs)) {
          expect(leakedCores(text), `the secret in the ${output} output`).to.deep.equal([]);
        }
      } finally {
        await app.stop();
      }
    });
  }
});
