// Hardening: the collector goes away, stalls, or pushes back (429/503) while the API is under
// bounded load. The API's answers must not change, memory must stay bounded, log records must wait
// in the spool and all arrive once the collector is back, and every lost span (the span queue is
// capped, spans are not spooled) must be counted and reported.
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { boundedLoad } from '../helpers/load.ts';
import { startOtlpSink, type OtlpSink, type SinkMode } from '../helpers/otlp-sink.ts';
import { waitFor } from '../helpers/wait.ts';

const QUEUE_CAP = 100;
const BATCH = 20;
const REQUESTS_PER_OUTAGE = 1500;

interface Stats {
  heapUsed: number;
  dropped: Record<string, number>;
  faults: Record<string, number>;
}

async function stats(app: RunningApp): Promise<Stats> {
  return (await (await fetch(`${app.baseUrl}/__stats`)).json()) as Stats;
}

async function correlationIdsAt(collector: RunningCollector): Promise<Set<unknown>> {
  const audits = (await collector.logs()).filter((record) => record.eventName === 'apitrail.api_request');
  return new Set(audits.map((record) => record.attributes['correlation.id']));
}

async function expectDelivered(collector: RunningCollector, ids: string[]): Promise<void> {
  await waitFor(
    `${ids.length} audit records at the collector`,
    async () => {
      const seen = await correlationIdsAt(collector);
      return ids.every((id) => seen.has(id)) ? true : undefined;
    },
    30_000,
  );
}

describe('hardening: collector outages and back-pressure', function () {
  this.timeout(180_000);
  let collector: RunningCollector;
  let sink: OtlpSink;
  let app: RunningApp;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, 'local-file.yaml');
    sink = await startOtlpSink(collector.otlpHttpEndpoint);
    app = await startApp({
      script: 'test/fixtures/stats-app.cjs',
      env: {
        OTEL_SERVICE_NAME: 'hardening-outage',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
        OTEL_BLRP_MAX_QUEUE_SIZE: String(QUEUE_CAP),
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
        OTEL_BLRP_SCHEDULE_DELAY: '50',
        OTEL_BLRP_EXPORT_TIMEOUT: '2000',
        OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE_CAP),
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_BSP_EXPORT_TIMEOUT: '2000',
        APITRAIL_DROP_REPORT_INTERVAL_MS: '200',
      },
    });
    const warmup = await boundedLoad(50, 5, (n) => fetch(`${app.baseUrl}/api/warmup?n=${n}`));
    expect(warmup.every((response) => response.status === 200)).to.equal(true);
    await expectDelivered(collector, []);
  });

  after(async () => {
    await app?.stop();
    await sink?.stop();
    await collector?.stop();
  });

  const outages: [string, SinkMode][] = [
    ['unreachable (nothing listening)', { kind: 'down' }],
    ['slow (accepts, never answers)', { kind: 'stall' }],
    ['answering 503', { kind: 'status', status: 503 }],
    ['answering 429 with Retry-After', { kind: 'status', status: 429, retryAfterSeconds: 1 }],
  ];

  for (const [name, mode] of outages) {
    it(`collector ${name}: same responses, bounded memory, no audit record lost, span losses counted, export resumes`, async () => {
      const label = `${mode.kind}${mode.kind === 'status' ? mode.status : ''}`;
      const before = await stats(app);
      const stderrBefore = app.stderr().length;
      await sink.setMode(mode);

      const responses = await boundedLoad(REQUESTS_PER_OUTAGE, 16, async (n) => {
        const response = await fetch(`${app.baseUrl}/api/v1/scans?n=${n}`, {
          headers: { 'x-request-id': `outage-${label}-${n}` },
        });
        return { status: response.status, body: await response.text() };
      });
      const missing = await fetch(`${app.baseUrl}/nope`);
      expect(missing.status).to.equal(404);
      responses.forEach((response, n) => {
        expect(response.status).to.equal(200);
        expect(JSON.parse(response.body)).to.deep.equal({ ok: true, path: '/api/v1/scans', n: String(n) });
      });

      // Spans not kept in the capped queue (or in the one batch in flight) are counted as lost; log
      // records go to the spool instead, and none is lost.
      const floor = REQUESTS_PER_OUTAGE - QUEUE_CAP - BATCH;
      const lost = (now: Stats, channel: string): number =>
        (now.dropped[channel] ?? 0) - (before.dropped[channel] ?? 0);
      const during = await waitFor('the span losses to be counted', async () => {
        const now = await stats(app);
        return lost(now, 'spans/otlp') >= floor ? now : undefined;
      });
      expect(lost(during, 'logs/otlp'), 'audit records lost').to.equal(0);
      // Thousands of records were produced; the heap holds at most the capped queues of them.
      expect(during.heapUsed - before.heapUsed, 'heap growth in bytes').to.be.below(16 * 1024 * 1024);
      await waitFor('a diagnostic line reporting the loss', () =>
        /apitrail: \d+ spans\/otlp records dropped/.test(app.stderr().slice(stderrBefore)) ? true : undefined,
      );
      if (mode.kind !== 'down') expect(sink.received[mode.kind], 'the outage was exercised').to.be.above(0);

      await sink.setMode({ kind: 'forward' });
      // Every audit record of the outage arrives from the spool once the collector is back.
      await expectDelivered(
        collector,
        Array.from({ length: REQUESTS_PER_OUTAGE }, (_, n) => `outage-${label}-${n}`),
      );
      expect(lost(await stats(app), 'logs/otlp'), 'audit records lost').to.equal(0);
      let probes = 0;
      await waitFor('export to resume', async () => {
        const id = `probe-${label}-${probes++}`;
        await fetch(`${app.baseUrl}/api/probe`, { headers: { 'x-request-id': id } });
        const seen = await correlationIdsAt(collector);
        return [...seen].some((seenId) => String(seenId).startsWith(`probe-${label}-`)) ? true : undefined;
      });
      const recovered = Array.from({ length: 10 }, (_, n) => `recovered-${label}-${n}`);
      for (const id of recovered) {
        expect((await fetch(`${app.baseUrl}/api/after?n=1`, { headers: { 'x-request-id': id } })).status).to.equal(200);
      }
      await expectDelivered(collector, recovered);
    });
  }
});

describe('hardening: SIGTERM under load', function () {
  this.timeout(120_000);

  it('flushes every queued audit record before the process exits', async function () {
    const binary = await requireCollector(this);
    const collector = await startCollector(binary, 'local-file.yaml');
    const count = 400;
    const app = await startApp({
      script: 'test/fixtures/stats-app.cjs',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        // Nothing leaves on its own schedule: only the shutdown flush can deliver these records.
        OTEL_BLRP_SCHEDULE_DELAY: '600000',
        APITRAIL_SPOOL_FLUSH_INTERVAL_MS: '60000',
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '5000',
        OTEL_BLRP_MAX_QUEUE_SIZE: '5000',
        APITRAIL_SHUTDOWN_TIMEOUT_MS: '20000',
      },
    });
    try {
      const ids = Array.from({ length: count }, (_, n) => `sigterm-${n}`);
      const responses = await boundedLoad(count, 16, (n) =>
        fetch(`${app.baseUrl}/api/v1/scans?n=${n}`, { headers: { 'x-request-id': ids[n]! } }),
      );
      expect(responses.every((response) => response.status === 200)).to.equal(true);
      expect((await correlationIdsAt(collector)).size, 'nothing exported before SIGTERM').to.equal(0);
      expect(await app.stop()).to.deep.equal({ code: null, signal: 'SIGTERM' });
      await expectDelivered(collector, ids);
      expect(app.stderr()).to.not.include('flush did not finish');
    } finally {
      await app.stop();
      await collector.stop();
    }
  });

  const inFlightApps = [
    {
      app: 'with no SIGTERM listener of its own',
      env: {},
      hanging: 2,
      exit: { code: null, signal: 'SIGTERM' },
    },
    {
      // It exits once its server has closed; a request that never ends would keep it alive, as it should.
      app: 'with its own graceful SIGTERM listener',
      env: { INFLIGHT_APP_SIGTERM: 'graceful' },
      hanging: 0,
      exit: { code: 0, signal: null },
    },
  ];

  for (const { app: kind, env, hanging, exit: expectedExit } of inFlightApps) {
    it(`requests in flight at SIGTERM, app ${kind}: every one answered after it is audited, and the app exits`, async function () {
      const binary = await requireCollector(this);
      const collector = await startCollector(binary, 'local-file.yaml');
      // Holds the exports of the flush SIGTERM starts until the test has had requests answered during it.
      const sink = await startOtlpSink(collector.otlpHttpEndpoint);
      await sink.setMode({ kind: 'hold' });
      const app = await startApp({
        script: 'test/fixtures/inflight-app.cjs',
        env: {
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'otlp',
          // Nothing leaves on its own schedule: only the flush SIGTERM starts can deliver these records.
          OTEL_BLRP_SCHEDULE_DELAY: '600000',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          APITRAIL_SHUTDOWN_TIMEOUT_MS: '60000',
        },
      });
      const get = (path: string, id: string): Promise<Response> =>
        fetch(`${app.baseUrl}${path}`, { headers: { 'x-request-id': id } });
      try {
        const answeredIds = Array.from({ length: 20 }, (_, n) => `inflight-answered-${n}`);
        const answered = await boundedLoad(answeredIds.length, 8, (n) => get(`/api/quick?n=${n}`, answeredIds[n]!));
        expect(answered.every((response) => response.status === 200)).to.equal(true);
        const heldIds = Array.from({ length: 10 }, (_, n) => `inflight-held-${n}`);
        const held = heldIds.map((id, n) => get(`/api/held?n=${n}`, id));
        const hung = Array.from({ length: hanging }, (_, n) =>
          get('/api/hang', `inflight-hang-${n}`).then(
            (response) => response.status,
            () => 'no answer',
          ),
        );
        await waitFor('the requests to be in flight', async () => {
          const open = (await (await fetch(`${app.baseUrl}/__inflight`)).json()) as { held: number; hanging: number };
          return open.held === heldIds.length && open.hanging === hanging ? true : undefined;
        });

        const exit = app.stop();
        await waitFor('the flush to begin exporting', () => (sink.received.hold > 0 ? true : undefined));
        // The app answers its held requests while apitrail's flush is still under way.
        app.process.kill('SIGUSR2');
        const heldAnswers = await Promise.all(held);
        expect(heldAnswers.map((response) => response.status)).to.deep.equal(heldIds.map(() => 200));
        await sink.setMode({ kind: 'forward' });

        expect(await exit).to.deep.equal(expectedExit);
        expect(await Promise.all(hung)).to.deep.equal(hung.map(() => 'no answer'));
        await expectDelivered(collector, [...answeredIds, ...heldIds]);
        expect(app.stderr()).to.not.include('flush did not finish');
      } finally {
        await app.stop();
        await sink.stop();
        await collector.stop();
      }
    });
  }

  it('a stalled collector cannot hold the exit past APITRAIL_SHUTDOWN_TIMEOUT_MS, and says what it left behind', async function () {
    const binary = await requireCollector(this);
    const collector = await startCollector(binary, 'local-file.yaml');
    const sink = await startOtlpSink(collector.otlpHttpEndpoint);
    await sink.setMode({ kind: 'stall' });
    const app = await startApp({
      script: 'test/fixtures/stats-app.cjs',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        // Far longer than the shutdown budget: only the budget can end the flush.
        OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
        OTEL_BLRP_EXPORT_TIMEOUT: '600000',
        OTEL_BSP_EXPORT_TIMEOUT: '600000',
        APITRAIL_SHUTDOWN_TIMEOUT_MS: '1500',
      },
    });
    try {
      const responses = await boundedLoad(100, 8, (n) => fetch(`${app.baseUrl}/api/v1/scans?n=${n}`));
      expect(responses.every((response) => response.status === 200)).to.equal(true);
      expect(await app.stop()).to.deep.equal({ code: null, signal: 'SIGTERM' });
      expect(app.stderr()).to.include('apitrail: flush did not finish within 1500 ms');
    } finally {
      await app.stop();
      await sink.stop();
      await collector.stop();
    }
  });
});
