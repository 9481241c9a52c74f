// Walking skeleton, end to end: a plain node:http app started with the zero-code register sends
// its server spans and audit records over OTLP into the real collector, and prints the same audit
// records as NDJSON.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { freshSpoolDir, repoRoot, startApp, type RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';
import { startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';
import { decodeSpanLines } from '../helpers/otlp-json.ts';

const SERVER_SPAN_KIND = 2;

describe('walking skeleton: register → OTLP → real collector, and NDJSON locally', function () {
  let collector: RunningCollector;
  let app: RunningApp;

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'skeleton-e2e',
      logsExporters: 'otlp,ndjson',
    }));
    const scans = await fetch(`${app.baseUrl}/api/v1/scans?provider=aws&limit=100`, {
      headers: { 'user-agent': 'ProwlerClient/1.0', 'x-request-id': 'skeleton-req-1' },
    });
    expect(scans.status).to.equal(200);
    expect(scans.headers.get('x-request-id')).to.equal('skeleton-req-1');
    const missing = await fetch(`${app.baseUrl}/nope`);
    expect(missing.status).to.equal(404);
    expect(missing.headers.get('x-request-id')).to.match(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // No SIGTERM listener of its own: apitrail flushes, then the default action still terminates it.
    expect(await app.stop()).to.deep.equal({ code: null, signal: 'SIGTERM' });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  it('prints one NDJSON audit record per request with the seed field names and types', () => {
    const audits = app.jsonLines().filter((line) => line.event === 'apitrail.api_request');
    expect(audits).to.have.length(2);
    const scans = audits.find((line) => line.path === '/api/v1/scans')!;
    expect(scans).to.include({
      level: 'INFO',
      logger: 'api',
      message: 'API Request: GET /api/v1/scans',
      method: 'GET',
      status_code: 200,
      source_ip: '127.0.0.1',
      user_agent: 'ProwlerClient/1.0',
      request_id: 'skeleton-req-1',
      authentication_method: 'unauthenticated',
      is_api_key_request: false,
    });
    expect(scans.query_params).to.deep.equal({ provider: 'aws', limit: '100' });
    expect(scans.duration).to.be.a('number').and.to.be.above(0).and.below(5);
    expect(scans.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(scans.trace_id).to.match(/^[0-9a-f]{32}$/);
    expect(scans.span_id).to.match(/^[0-9a-f]{16}$/);
    const missing = audits.find((line) => line.path === '/nope')!;
    expect(missing).to.include({ level: 'WARN', status_code: 404 });
  });

  it('delivers server spans and audit records to the collector with the same trace ids', async () => {
    const logs = await waitFor('two audit records at the collector', async () => {
      const records = (await collector.logs()).filter((record) => record.eventName === 'apitrail.api_request');
      return records.length >= 2 ? records : undefined;
    });
    const spans = await waitFor('two server spans at the collector', async () => {
      const serverSpans = (await collector.spans()).filter((span) => span.kind === SERVER_SPAN_KIND);
      return serverSpans.length >= 2 ? serverSpans : undefined;
    });
    expect(logs).to.have.length(2);
    expect(spans).to.have.length(2);
    const ndjson = app.jsonLines().find((line) => line.request_id === 'skeleton-req-1')!;
    const record = logs.find((log) => log.attributes['correlation.id'] === 'skeleton-req-1')!;
    expect(record.scope).to.equal('api');
    expect(record.severityText).to.equal('INFO');
    expect(record.body).to.equal('API Request: GET /api/v1/scans');
    expect(record.resource['service.name']).to.equal('skeleton-e2e');
    expect(record.attributes).to.include({
      'http.request.method': 'GET',
      'url.path': '/api/v1/scans',
      'url.query': 'provider=aws&limit=100',
      'http.response.status_code': 200,
      'client.address': '127.0.0.1',
      'user_agent.original': 'ProwlerClient/1.0',
    });
    expect(record.attributes['http.server.request.duration']).to.be.a('number');
    expect(record.traceId).to.equal(ndjson.trace_id);
    expect(record.spanId).to.equal(ndjson.span_id);
    const span = spans.find((candidate) => candidate.spanId === record.spanId)!;
    expect(span, 'the audit record points at its server span').to.not.equal(undefined);
    expect(span.traceId).to.equal(record.traceId);
    expect(span.attributes['correlation.id']).to.equal('skeleton-req-1');
    expect(span.attributes['http.response.status_code']).to.equal(200);
  });
});

describe('register entry points', function () {
  it('works with --import on an ES-module app', async () => {
    const app = await startApp({
      script: 'examples/esm/server.mjs',
      loader: 'import',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson' },
    });
    const response = await fetch(`${app.baseUrl}/api/things?x=1`);
    expect(response.status).to.equal(200);
    await app.stop();
    const audits = app.jsonLines().filter((line) => line.event === 'apitrail.api_request');
    expect(audits).to.have.length(1);
    expect(audits[0]).to.include({ path: '/api/things', status_code: 200 });
    expect(audits[0]!.query_params).to.deep.equal({ x: '1' });
  });

  for (const [variable, value] of [
    ['OTEL_LOGS_EXPORTER', 'ndjson,kafka'],
    ['OTEL_LOGS_EXPORTER', 'none,ndjson'],
    ['OTEL_TRACES_EXPORTER', 'ndjson'],
    ['OTEL_SDK_DISABLED', 'maybe'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['APITRAIL_SHUTDOWN_TIMEOUT_MS', '-5'],
  ] as const) {
    it(`refuses to start on a malformed ${variable} (${JSON.stringify(value)}) and names it`, async () => {
      const started = startApp({ script: 'examples/node-http/server.js', env: { [variable]: value } });
      const error = await started.then(
        () => undefined,
        (failure: Error) => failure,
      );
      expect(error, 'the app must not start').to.be.instanceOf(Error);
      expect(error!.message).to.include(`apitrail: invalid configuration: ${variable}:`);
    });
  }

  it('prints audit records with the SDK console exporter when OTEL_LOGS_EXPORTER=console', async () => {
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'console' },
    });
    expect((await fetch(`${app.baseUrl}/api/v1/scans`)).status).to.equal(200);
    await app.stop();
    expect(app.stdout()).to.include("body: 'API Request: GET /api/v1/scans'");
    expect(
      app.jsonLines().filter((line) => line.event !== undefined),
      'not the ndjson exporter',
    ).to.have.length(0);
  });

  it('does nothing when OTEL_SDK_DISABLED=true', async () => {
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_LOGS_EXPORTER: 'ndjson' },
    });
    const response = await fetch(`${app.baseUrl}/api/v1/scans`);
    expect(response.headers.get('x-request-id')).to.equal(null);
    await app.stop();
    expect(app.jsonLines().filter((line) => line.event !== undefined)).to.have.length(0);
  });
});

describe('startApitrail({ env }): the OTLP exporters and the resource follow env, not process.env', function () {
  let target: OtlpRecorder;
  let decoy: OtlpRecorder;

  before(async function () {
    target = await startOtlpRecorder();
    decoy = await startOtlpRecorder();
    const app = await startApp({
      script: 'test/fixtures/env-option-app.cjs',
      loader: 'none',
      env: {
        // What the process environment says: everything here must be ignored.
        OTEL_EXPORTER_OTLP_ENDPOINT: decoy.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'from-process-env',
        APITRAIL_FIXTURE_ENV: JSON.stringify({
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: `${target.endpoint}/shared`,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${target.endpoint}/own/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=shared,x-pipeline=audit',
          OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-tenant=logs',
          OTEL_SERVICE_NAME: 'from-env-option',
          // Not the user's own state directory (the default spool's).
          APITRAIL_SPOOL_DIR: freshSpoolDir(),
        }),
      },
    });
    expect((await fetch(`${app.baseUrl}/api/ping`)).status).to.equal(200);
    // No SIGTERM listener of its own: startApitrail flushes both signals before the default action.
    expect(await app.stop()).to.deep.equal({ code: null, signal: 'SIGTERM' });
  });

  after(async () => {
    await target?.stop();
    await decoy?.stop();
  });

  it('sends nothing to the endpoint of process.env, and only to the two paths env names', () => {
    expect(decoy.exports).to.deep.equal([]);
    expect(new Set(target.exports.map((sent) => sent.path))).to.deep.equal(new Set(['/own/traces', '/shared/v1/logs']));
  });

  it('sends spans to the signal endpoint as given, over http/json, with the shared headers', () => {
    const traces = target.exports.filter((sent) => sent.path === '/own/traces');
    expect(traces, 'span exports at OTEL_EXPORTER_OTLP_TRACES_ENDPOINT').to.have.length.above(0);
    expect(traces[0]!.headers).to.include({
      'content-type': 'application/json',
      'x-tenant': 'shared',
      'x-pipeline': 'audit',
    });
    const spans = traces.flatMap((sent) => decodeSpanLines(sent.body.toString()));
    expect(spans.map((span) => span.resource['service.name'])).to.include('from-env-option');
    expect(spans.map((span) => span.resource['service.name'])).to.not.include('from-process-env');
  });

  it('sends log records to the shared endpoint plus v1/logs, over the signal protocol, with the signal headers', () => {
    const logs = target.exports.filter((sent) => sent.path === '/shared/v1/logs');
    expect(logs, 'log exports at OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs').to.have.length.above(0);
    expect(logs[0]!.headers).to.include({
      'content-type': 'application/x-protobuf',
      'x-tenant': 'logs',
      'x-pipeline': 'audit',
    });
    expect(logs[0]!.body.includes('from-env-option'), 'the resource travels in the protobuf body').to.equal(true);
  });
});

describe('flush when the app ends, under the register', function () {
  // Nothing is exported on schedule within the test: what arrives was flushed at the end.
  const flushOnlyEnv = {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'ndjson',
    APITRAIL_SPOOL_FLUSH_INTERVAL_MS: '60000',
  };
  const auditPaths = (stdout: string): unknown[] =>
    stdout
      .split('\n')
      .filter((line) => line.includes('"apitrail.api_request"'))
      .map((line) => (JSON.parse(line) as { path: unknown }).path);

  it('flushes on beforeExit when the app simply runs out of work', async () => {
    const child = spawn(process.execPath, ['--require', '@apitrail/auto/register', 'test/fixtures/shutdown-app.cjs'], {
      cwd: repoRoot,
      env: { ...process.env, OTEL_METRICS_EXPORTER: undefined, ...flushOnlyEnv, SHUTDOWN_FIXTURE_MODE: 'ends' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
    expect(auditPaths(stdout)).to.deep.equal(['/api/last-words']);
  });

  it('flushes on SIGINT, then lets SIGINT terminate the app (exit status 130 in a shell)', async () => {
    const app = await startApp({
      script: 'test/fixtures/shutdown-app.cjs',
      env: { ...flushOnlyEnv, SHUTDOWN_FIXTURE_MODE: 'listens' },
    });
    expect((await fetch(`${app.baseUrl}/api/interrupted`)).status).to.equal(200);
    const exited = once(app.process, 'exit');
    app.process.kill('SIGINT');
    expect(await exited).to.deep.equal([null, 'SIGINT']);
    expect(auditPaths(app.stdout())).to.deep.equal(['/api/interrupted']);
  });

  it('leaves the exit to an app with its own SIGTERM listener, and its exit code, and still flushes', async () => {
    const app = await startApp({
      script: 'test/fixtures/shutdown-app.cjs',
      env: { ...flushOnlyEnv, SHUTDOWN_FIXTURE_MODE: 'own-sigterm' },
    });
    expect((await fetch(`${app.baseUrl}/api/terminated`, { headers: { connection: 'close' } })).status).to.equal(200);
    expect(await app.stop()).to.deep.equal({ code: 3, signal: null });
    expect(auditPaths(app.stdout())).to.deep.equal(['/api/terminated']);
  });

  it('an app ending with process.exit() in its own listener keeps its records by awaiting flushApitrail()', async () => {
    const exitedWith = async (mode: string): Promise<unknown[]> => {
      const app = await startApp({
        script: 'test/fixtures/shutdown-app.cjs',
        env: { ...flushOnlyEnv, SHUTDOWN_FIXTURE_MODE: mode },
      });
      const response = await fetch(`${app.baseUrl}/api/${mode}`, { headers: { connection: 'close' } });
      expect(response.status).to.equal(200);
      expect(await app.stop()).to.deep.equal({ code: 4, signal: null });
      return auditPaths(app.stdout());
    };
    // Without flushApitrail() the record is lost or not, depending on whether
    // the signal handler's own flush wins the race with process.exit(): not asserted, it would flake.
    expect(await exitedWith('exits-after-flush')).to.deep.equal(['/api/exits-after-flush']);
  });
});
