import type { IncomingMessage } from 'node:http';
import { randomFillSync } from 'node:crypto';
import {
  INVALID_SPANID,
  INVALID_TRACEID,
  TraceFlags,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';

// A request's trace context when no server span is made for it: none at all (no trace exporter:
// spans would be dropped), or none for this kind of request (instrumentation-http makes server spans
// for `request` events only). The request then continues the trace it arrived with, as a remote
// parent, so the audit record names the caller's trace and span and the app's outgoing calls carry
// them on. With no server spans at all, a request that arrived without one starts a trace, so the
// record and the app's logs still carry trace ids; alongside exported server spans it starts none
// (its root span would never be exported: see docs/decisions.md).

/** Random bytes drawn in blocks: one system call serves many requests. */
const POOL_BYTES = 4096;
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex, never `invalid` (all zeros, which W3C Trace Context refuses). */
function randomId(bytes: number, invalid: string): string {
  for (;;) {
    if (poolOffset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString('hex', poolOffset, (poolOffset += bytes));
    if (id !== invalid) return id;
  }
}

/**
 * `active` with the request's trace context: what the registered propagator extracts from its
 * headers (W3C `traceparent` by default), or else a new trace, sampled when `sampled` says so of
 * its id.
 */
export function requestTraceContext(
  active: Context,
  request: IncomingMessage,
  sampled: (traceId: string) => boolean,
): Context {
  const extracted = propagation.extract(active, request.headers);
  if (hasValidSpanContext(extracted)) return extracted;
  const traceId = randomId(TRACE_ID_BYTES, INVALID_TRACEID);
  return trace.setSpanContext(extracted, {
    traceId,
    spanId: randomId(SPAN_ID_BYTES, INVALID_SPANID),
    traceFlags: sampled(traceId) ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}

/**
 * `active` with the trace context the registered propagator extracts from the request's headers,
 * or undefined when it arrived without a valid one (then it starts no trace: see docs/decisions.md).
 */
export function incomingTraceContext(active: Context, request: IncomingMessage): Context | undefined {
  const extracted = propagation.extract(active, request.headers);
  return hasValidSpanContext(extracted) ? extracted : undefined;
}

function hasValidSpanContext(candidate: Context): boolean {
  const spanContext = trace.getSpanContext(candidate);
  return spanContext !== undefined && isSpanContextValid(spanContext);
}
