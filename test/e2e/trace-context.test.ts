// The trace context of a request under the register, with and without a trace exporter. Without
// one the register makes no server span (it would be dropped): the request continues the trace it
// arrived with, so its audit record names the caller's trace and span, and the app's outgoing
// calls carry the trace on with the sampled flag it came with; a request that arrived without one
// starts a trace. With a trace exporter the server span is the request's context (the control).
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { jsonTracesTo, startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';
import { correlationSeenEverywhere } from '../helpers/request-scope-app.ts';
import { decodeSpanLines } from '../helpers/otlp-json.ts';

const SERVER_SPAN_KIND = 2;
const CLIENT_SPAN_KIND = 3;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

interface Downstream {
  readonly url: string;
  close(): Promise<void>;
}

/** A plain server (not instrumented) that answers with the traceparent it received. */
async function startDownstream(): Promise<Downstream> {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ traceparent: request.headers.traceparent ?? null }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function parsedTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } {
  const match = TRACEPARENT.exec(String(value));
  expect(match, `a W3C traceparent: ${String(value)}`).to.not.equal(null);
  return { traceId: match![1]!, parentId: match![2]!, flags: match![3]! };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Request id → a traceparent W3C Trace Context refuses (its valid neighbour is accepted in the tests above). */
const MALFORMED_TRACEPARENTS: readonly (readonly [string, string])[] = [
  ['zero-trace', `00-${'0'.repeat(32)}-${hex(8)}-01`],
  ['zero-span', `00-${hex(16)}-${'0'.repeat(16)}-01`],
  ['not-hex', `00-${hex(15)}zz-${hex(8)}-01`],
  ['upper-case', `00-${hex(16).toUpperCase()}-${hex(8).toUpperCase()}-01`],
  ['version-ff', `ff-${hex(16)}-${hex(8)}-01`],
  ['short', `00-${hex(8)}-${hex(8)}-01`],
];

describe('trace context of a request under the register', function () {
  let downstream: Downstream;
  let recorder: OtlpRecorder;

  before(async () => {
    downstream = await startDownstream();
    recorder = await startOtlpRecorder();
  });
  after(async () => {
    await downstream?.close();
    await recorder?.stop();
  });

  /** Calls /call on an app with `headers`; what the downstream saw, and the request's audit record. */
  async function callThrough(app: RunningApp, requestId: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${app.baseUrl}/call`, { headers: { 'x-request-id': requestId, ...headers } });
    expect(response.status).to.equal(200);
    const seen = (await response.json()) as { traceparent: string | null };
    return { seen, audit: () => app.jsonLines().find((line) => line.request_id === requestId)! };
  }

  describe('without a trace exporter', () => {
    let app: RunningApp;
    const traceId = hex(16);
    const parentId = hex(8);
    let sampled: Awaited<ReturnType<typeof callThrough>>;
    let unsampled: Awaited<ReturnType<typeof callThrough>>;
    let fresh: Awaited<ReturnType<typeof callThrough>>;
    let correlation: unknown;

    before(async () => {
      app = await startApp({
        script: 'test/fixtures/request-scope-app.cjs',
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson', DOWNSTREAM_URL: downstream.url },
      });
      sampled = await callThrough(app, 'sampled', { traceparent: `00-${traceId}-${parentId}-01` });
      unsampled = await callThrough(app, 'unsampled', { traceparent: `00-${traceId}-${parentId}-00` });
      fresh = await callThrough(app, 'fresh');
      for (const [requestId, traceparent] of MALFORMED_TRACEPARENTS) await callThrough(app, requestId, { traceparent });
      correlation = await (
        await fetch(`${app.baseUrl}/correlation`, {
          headers: { 'x-request-id': 'async-work', traceparent: `00-${traceId}-${parentId}-01` },
        })
      ).json();
      await app.stop();
    });
    after(() => app?.stop());

    it("writes the caller's trace and span on the audit record", () => {
      expect(sampled.audit()).to.include({ trace_id: traceId, span_id: parentId, trace_flags: 1 });
      expect(unsampled.audit()).to.include({ trace_id: traceId, span_id: parentId, trace_flags: 0 });
    });

    it('carries the trace on to outgoing calls, with the sampled flag it arrived with', () => {
      const onward = parsedTraceparent(sampled.seen.traceparent);
      expect(onward).to.include({ traceId, flags: '01' });
      // The outgoing call's own (unexported) client span is the parent downstream.
      expect(onward.parentId).to.not.equal(parentId);
      expect(parsedTraceparent(unsampled.seen.traceparent)).to.include({ traceId, flags: '00' });
    });

    it('starts a trace for a request that arrived without one, on the record and onward', () => {
      const record = fresh.audit();
      expect(record.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(record.trace_id).to.not.equal('0'.repeat(32));
      expect(record.span_id).to.match(/^[0-9a-f]{16}$/);
      expect(record.trace_flags).to.equal(1);
      expect(parsedTraceparent(fresh.seen.traceparent)).to.include({ traceId: record.trace_id, flags: '01' });
      expect(record.trace_id).to.not.equal(traceId);
    });

    it("refuses a malformed caller's trace context: the record gets a new trace, none of the header", () => {
      for (const [requestId, traceparent] of MALFORMED_TRACEPARENTS) {
        const record = app.jsonLines().find((line) => line.request_id === requestId)!;
        expect(record.trace_id, requestId).to.match(/^[0-9a-f]{32}$/);
        expect(record.span_id, requestId).to.match(/^[0-9a-f]{16}$/);
        expect(traceparent.includes(String(record.trace_id)), requestId).to.equal(false);
        expect(traceparent.includes(String(record.span_id)), requestId).to.equal(false);
      }
    });

    it('keeps the request context across async work', () => {
      expect(correlation).to.deep.equal(correlationSeenEverywhere('async-work'));
    });
  });

  it('without a trace exporter, a trace a request starts is sampled as OTEL_TRACES_SAMPLER says', async () => {
    const app = await startApp({
      script: 'test/fixtures/request-scope-app.cjs',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_TRACES_SAMPLER: 'parentbased_always_off',
        OTEL_LOGS_EXPORTER: 'ndjson',
        DOWNSTREAM_URL: downstream.url,
      },
    });
    const traceId = hex(16);
    const fresh = await callThrough(app, 'unsampled-root');
    // Control: an incoming sampled trace still follows its parent's flag.
    const incoming = await callThrough(app, 'sampled-parent', { traceparent: `00-${traceId}-${hex(8)}-01` });
    await app.stop();
    expect(fresh.audit()).to.include({ trace_flags: 0 });
    expect(parsedTraceparent(fresh.seen.traceparent)).to.include({ traceId: fresh.audit().trace_id, flags: '00' });
    expect(incoming.audit()).to.include({ trace_id: traceId, trace_flags: 1 });
    expect(parsedTraceparent(incoming.seen.traceparent)).to.include({ traceId, flags: '01' });
  });

  it('with a trace exporter, the server span is the context: a child of the caller, parent of the outgoing call', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const app = await startApp({
      script: 'test/fixtures/request-scope-app.cjs',
      env: {
        ...jsonTracesTo(recorder),
        OTEL_LOGS_EXPORTER: 'ndjson',
        DOWNSTREAM_URL: downstream.url,
      },
    });
    const { seen, audit } = await callThrough(app, 'traced', { traceparent: `00-${traceId}-${parentId}-01` });
    await app.stop();
    const spans = recorder.exports.flatMap((sent) => decodeSpanLines(sent.body.toString()));
    const server = spans.find((span) => span.kind === SERVER_SPAN_KIND && span.traceId === traceId);
    const client = spans.find((span) => span.kind === CLIENT_SPAN_KIND && span.traceId === traceId);
    expect(server, 'the server span').to.not.equal(undefined);
    expect(client, 'the client span').to.not.equal(undefined);
    expect(server!.parentSpanId).to.equal(parentId);
    expect(audit()).to.include({ trace_id: traceId, span_id: server!.spanId });
    expect(client!.parentSpanId).to.equal(server!.spanId);
    expect(parsedTraceparent(seen.traceparent)).to.include({ traceId, parentId: client!.spanId, flags: '01' });
  });
});
