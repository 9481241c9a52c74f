// The trace context of requests no server span covers, under the register with a trace exporter.
// instrumentation-http makes server spans for node:http(s) 'request' events only: a WebSocket
// handshake ('upgrade'), a CONNECT a 'connect' listener answers, a request an app's checkContinue
// listener answers itself, and a node:http2
// stream (core API 'stream', and the compatibility API's request built from it) get none. Such a
// request continues the caller's W3C trace context: its audit record carries the caller's trace and
// span, and the app's outgoing calls (client spans, exported) join the caller's trace. A request that
// arrived without one starts no trace: a root span id no backend would hold would be worse than none.
// Control: a plain 'request' keeps the server span as its context, one record, the span exported.
// Real apps (test/fixtures/upgrade-app.cjs, expect-continue-app.cjs, http2-core-app.cjs,
// http2-app.cjs), real clients, an OTLP recorder for the spans, NDJSON for the records.
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import { connect as connectHttp2, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { auditRecords, otherEvents, waitForAuditRecords } from '../helpers/ndjson-app.ts';
import { decodeSpanLines, type ExportedSpan } from '../helpers/otlp-json.ts';
import { jsonTracesTo, startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';

const SERVER_SPAN_KIND = 2;
const CLIENT_SPAN_KIND = 3;

// The fixtures' paths: a plain answer (with `status`), and the same after an outgoing call to DOWNSTREAM_URL.
const WS_PATHS = { path: '/ws', callPath: '/ws-call', status: 101 };
// CONNECT targets (authority form): a tunnel answered at once, and one after an outgoing call.
const CONNECT_PATHS = { path: 'allowed.test:443', callPath: 'call.test:443', status: 200 };
const SELF_PATHS = { path: '/self', callPath: '/call', status: 201 };
const ROOT_PATHS = { path: '/', callPath: '/call', status: 200 };

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A caller's W3C trace context, made at test time. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Sends a WebSocket handshake with `headers`; resolves with the status the app answered (101 expected). */
function upgradeRequest(app: RunningApp, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${app.baseUrl}${path}`, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
        ...headers,
      },
    });
    request.on('upgrade', (answer, socket) => {
      socket.destroy();
      resolve(answer.statusCode!);
    });
    request.on('response', (answer) => {
      answer.resume();
      resolve(answer.statusCode!);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Sends a CONNECT for `target` (host:port) with `headers`; resolves with the status the app answered on the socket. */
function connectRequest(app: RunningApp, target: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, method: 'CONNECT', path: target, agent: false, headers });
    request.on('connect', (answer, socket) => {
      socket.destroy();
      resolve(answer.statusCode!);
    });
    request.on('error', reject);
    request.end();
  });
}

/** POSTs a small body with `Expect: 100-continue` (sent once the app answers 100) or as a plain request. */
function postExpecting(app: RunningApp, path: string, headers: Record<string, string>, expect100 = true) {
  return new Promise<number>((resolve, reject) => {
    const body = '{"probe":true}';
    const request = http.request(`${app.baseUrl}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(expect100 ? { expect: '100-continue' } : {}),
        ...headers,
      },
    });
    request.on('continue', () => request.end(body));
    request.on('response', (answer) => {
      answer.resume();
      answer.on('end', () => resolve(answer.statusCode!));
    });
    request.on('error', reject);
    if (!expect100) request.end(body);
  });
}

/** Sends one HTTP/2 stream with `headers`; resolves with the :status it got, once closed. */
async function http2Request(app: RunningApp, headers: OutgoingHttpHeaders): Promise<number> {
  const session = connectHttp2(app.baseUrl);
  try {
    const stream = session.request(headers);
    let status = 0;
    stream.on('response', (answer) => (status = Number(answer[':status'])));
    stream.resume();
    stream.end();
    await once(stream, 'close');
    return status;
  } finally {
    session.close();
  }
}

/** A request sent with a caller's trace context, by its X-Request-ID. */
interface Traced {
  readonly caller: ReturnType<typeof callerTrace>;
  readonly id: string;
}

/** One kind of request's three: with the caller's traceparent, without one, and one making an outgoing call. */
interface Case {
  readonly traced: Traced;
  readonly untraced: string;
  readonly call: Traced;
}

function aTraced(id: string): Traced {
  return { caller: callerTrace(), id };
}

function aCase(prefix: string): Case {
  return {
    traced: aTraced(`${prefix}-traced`),
    untraced: `${prefix}-untraced`,
    call: aTraced(`${prefix}-call`),
  };
}

/** The headers of request `id`, with `traceparent` when there is one. */
const headersOf = (id: string, traceparent?: string): Record<string, string> =>
  traceparent === undefined ? { 'x-request-id': id } : { 'x-request-id': id, traceparent };

/** The one audit record of `requestId` (failing unless there is exactly one). */
function theRecord(app: RunningApp, requestId: string): Record<string, unknown> {
  const found = auditRecords(app, requestId);
  expect(found, `records of ${requestId}`).to.have.length(1);
  return found[0]!;
}

describe('trace context of requests no server span covers, with a trace exporter', function () {
  let recorder: OtlpRecorder;
  /** A plain server (not instrumented) that keeps the headers of each call it gets. */
  let downstream: http.Server;
  const downstreamSaw: IncomingHttpHeaders[] = [];
  const apps: RunningApp[] = [];

  async function startTracedApp(script: string): Promise<RunningApp> {
    const { port } = downstream.address() as AddressInfo;
    const app = await startApp({
      script,
      env: { ...jsonTracesTo(recorder), OTEL_LOGS_EXPORTER: 'ndjson', DOWNSTREAM_URL: `http://127.0.0.1:${port}/` },
    });
    apps.push(app);
    return app;
  }

  /** Sends a request to `path` of `app` with `headers`; resolves with the status it got. */
  type Ask = (app: RunningApp, path: string, headers: Record<string, string>) => Promise<number>;

  /**
   * Starts `script` with a trace exporter, sends the case's requests through `ask` (the traced and
   * untraced ones to `paths.path`, the call to `paths.callPath`, each expecting `status`), then the
   * kind's own (`more`, resolving with their ids), waits for the records of them all and stops the
   * app, flushing its spans.
   */
  async function exercise(
    script: string,
    ask: Ask,
    sent: Case,
    paths: { readonly path: string; readonly callPath: string; readonly status: number },
    more: (app: RunningApp) => Promise<string[]> = () => Promise.resolve([]),
  ): Promise<RunningApp> {
    const app = await startTracedApp(script);
    const { traced, untraced, call } = sent;
    expect(await ask(app, paths.path, headersOf(traced.id, traced.caller.traceparent))).to.equal(paths.status);
    expect(await ask(app, paths.path, headersOf(untraced))).to.equal(paths.status);
    expect(await ask(app, paths.callPath, headersOf(call.id, call.caller.traceparent))).to.equal(paths.status);
    await waitForAuditRecords(app, [traced.id, untraced, call.id, ...(await more(app))]);
    await app.stop();
    return app;
  }

  const spans = (): ExportedSpan[] => recorder.exports.flatMap((sent) => decodeSpanLines(sent.body.toString()));
  const spansOf = (traceId: string, kind: number) =>
    spans().filter((span) => span.traceId === traceId && span.kind === kind);

  before(async () => {
    recorder = await startOtlpRecorder();
    downstream = http.createServer((request, response) => {
      downstreamSaw.push(request.headers);
      response.writeHead(204).end();
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await recorder?.stop();
    downstream?.close();
  });

  /**
   * What each kind of request must show: a request with the caller's traceparent is recorded once in
   * the caller's trace and span; one without has no trace ids; an outgoing call made while handling a
   * traced one is an exported client span whose parent is the caller's span, and what it propagates
   * names the caller's trace.
   */
  /** `traced` is recorded once under an exported server span, itself a child of the caller's span. */
  function recordedUnderServerSpan(app: RunningApp, traced: Traced): void {
    const [server, ...others] = spansOf(traced.caller.traceId, SERVER_SPAN_KIND);
    expect(server, 'the exported server span').to.not.equal(undefined);
    expect(others).to.have.length(0);
    expect(server!.parentSpanId).to.equal(traced.caller.spanId);
    expect(theRecord(app, traced.id)).to.include({ trace_id: traced.caller.traceId, span_id: server!.spanId });
  }

  function behavesLikeAContinuedTrace(name: string, { traced, untraced, call }: Case, app: () => RunningApp): void {
    it(`${name}: the audit record carries the caller's trace and span`, () => {
      expect(theRecord(app(), traced.id)).to.include({
        trace_id: traced.caller.traceId,
        span_id: traced.caller.spanId,
        trace_flags: 1,
      });
    });

    it(`${name}: without a traceparent, no trace is started (the record has no trace ids)`, () => {
      const record = theRecord(app(), untraced);
      expect(record).to.not.have.property('trace_id');
      expect(record).to.not.have.property('span_id');
    });

    it(`${name}: an outgoing call joins the caller's trace, as a child of the caller's span`, () => {
      expect(theRecord(app(), call.id)).to.include({ trace_id: call.caller.traceId, span_id: call.caller.spanId });
      const [client, ...others] = spansOf(call.caller.traceId, CLIENT_SPAN_KIND);
      expect(client, 'the exported client span').to.not.equal(undefined);
      expect(others).to.have.length(0);
      expect(client!.parentSpanId).to.equal(call.caller.spanId);
      const propagated = downstreamSaw.map((headers) => String(headers.traceparent));
      expect(propagated).to.include(`00-${call.caller.traceId}-${client!.spanId}-01`);
    });
  }

  /**
   * A kind of request upgrade-app.cjs answers on the raw socket (`name`: upgrade, connect), sent by
   * `ask`: the continued trace's cases, one the app refuses (`refusal`: where, with which extra
   * headers, the status it answers and the security event that brings), and a plain request, the
   * control, in the same app.
   */
  function answeredOnTheSocket(
    name: string,
    ask: Ask,
    paths: typeof WS_PATHS,
    refusal: {
      readonly path: string;
      readonly headers: Record<string, string>;
      readonly status: number;
      readonly event: string;
    },
  ): void {
    let app: RunningApp;
    const sent = aCase(name);
    const refused = aTraced(`${name}-refused`);
    const plain = aTraced(`${name}-plain`);

    before(async () => {
      app = await exercise('test/fixtures/upgrade-app.cjs', ask, sent, paths, async (started) => {
        const refusedHeaders = { ...headersOf(refused.id, refused.caller.traceparent), ...refusal.headers };
        expect(await ask(started, refusal.path, refusedHeaders)).to.equal(refusal.status);
        const control = await fetch(`${started.baseUrl}/plain`, {
          headers: headersOf(plain.id, plain.caller.traceparent),
        });
        expect(control.status).to.equal(200);
        return [refused.id, plain.id];
      });
    });

    behavesLikeAContinuedTrace(name, sent, () => app);

    it(`${name}: the security event of a request the app refused (${refusal.status}) is in the caller's trace too`, () => {
      const [event, ...others] = otherEvents(app, refused.id);
      expect(event, `the ${refusal.event} event`).to.include({ event: refusal.event });
      expect(others).to.have.length(0);
      expect(event).to.include({ trace_id: refused.caller.traceId, span_id: refused.caller.spanId });
      expect(theRecord(app, refused.id)).to.include({ status_code: refusal.status, trace_id: refused.caller.traceId });
    });

    it(`${name} control: a plain request keeps the server span as its context (exported, the caller's child), one record`, () =>
      recordedUnderServerSpan(app, plain));
  }

  describe('a WebSocket handshake (upgrade)', () =>
    answeredOnTheSocket('upgrade', upgradeRequest, WS_PATHS, {
      path: '/ws',
      headers: { 'x-deny': '1' },
      status: 401,
      event: 'authn_login_fail',
    }));

  describe("a CONNECT answered by a 'connect' listener", () =>
    answeredOnTheSocket('connect', connectRequest, CONNECT_PATHS, {
      path: 'blocked.test:443',
      headers: {},
      status: 403,
      event: 'authz_fail',
    }));

  describe('a request with Expect: 100-continue answered by a checkContinue listener', () => {
    let app: RunningApp;
    const sent = aCase('continue');
    const reemitted = aTraced('continue-reemit');
    const plain = aTraced('continue-plain');

    before(async () => {
      app = await exercise(
        'test/fixtures/expect-continue-app.cjs',
        postExpecting,
        sent,
        SELF_PATHS,
        async (started) => {
          const passedOn = headersOf(reemitted.id, reemitted.caller.traceparent);
          expect(await postExpecting(started, '/reemit', passedOn)).to.equal(200);
          const control = headersOf(plain.id, plain.caller.traceparent);
          expect(await postExpecting(started, '/plain', control, false)).to.equal(200);
          return [reemitted.id, plain.id];
        },
      );
    });

    behavesLikeAContinuedTrace('checkContinue', sent, () => app);

    it("a request the listener passes on to 'request' is recorded once, under the server span made there", () =>
      recordedUnderServerSpan(app, reemitted));

    it('control: a plain request keeps the exported server span as its context, one record', () =>
      recordedUnderServerSpan(app, plain));
  });

  describe('a node:http2 core-API stream', () => {
    let app: RunningApp;
    const sent = aCase('h2c');

    before(async () => {
      const ask: Ask = (started, path, headers) => http2Request(started, { ':path': path, ...headers });
      app = await exercise('test/fixtures/http2-core-app.cjs', ask, sent, ROOT_PATHS);
    });

    behavesLikeAContinuedTrace('http2 stream', sent, () => app);
  });

  it("a node:http2 compatibility-API request is recorded once, in the caller's trace and span", async () => {
    const app = await startTracedApp('test/fixtures/http2-app.cjs');
    const caller = callerTrace();
    expect(
      await http2Request(app, { ':path': '/', 'x-request-id': 'h2-traced', traceparent: caller.traceparent }),
    ).to.equal(200);
    expect(await http2Request(app, { ':path': '/', 'x-request-id': 'h2-untraced' })).to.equal(200);
    await waitForAuditRecords(app, ['h2-traced', 'h2-untraced']);
    await app.stop();
    expect(theRecord(app, 'h2-traced')).to.include({ trace_id: caller.traceId, span_id: caller.spanId });
    expect(theRecord(app, 'h2-untraced')).to.not.have.property('trace_id');
  });
});
