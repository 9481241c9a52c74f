import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { NDJSON_FIELDS, getRequestContext } from '@apitrail/core/internal';
import { EMIT_CONTEXT, INJECTED_FIELDS, type LogInfo } from './record-keys.js';

/**
 * The fields that tie a log line to its request: trace, span and flags of the active span, and the
 * correlation id and caller identity of the request context. Only what is known: outside a
 * request, or before identity is resolved, the missing fields are absent rather than empty.
 */
export function contextFields(ctx: Context): Record<string, string> {
  const fields: Record<string, string> = {};
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext !== undefined && isSpanContextValid(spanContext)) {
    fields[NDJSON_FIELDS.traceId] = spanContext.traceId;
    fields[NDJSON_FIELDS.spanId] = spanContext.spanId;
    // W3C two-hex-digit form, as instrumentation-winston writes it: with both active, neither
    // overwrites the other's value with a different type.
    fields[NDJSON_FIELDS.traceFlags] = spanContext.traceFlags.toString(16).padStart(2, '0');
  }
  const requestContext = getRequestContext(ctx);
  if (requestContext !== undefined) {
    fields[NDJSON_FIELDS.requestId] = requestContext.correlationId;
    const { apiKeyId, apiKeyName, tenantId } = requestContext.identity;
    if (apiKeyId !== undefined) fields[NDJSON_FIELDS.apiKeyId] = apiKeyId;
    if (apiKeyName !== undefined) fields[NDJSON_FIELDS.apiKeyName] = apiKeyName;
    if (tenantId !== undefined) fields[NDJSON_FIELDS.tenantId] = tenantId;
  }
  return fields;
}

/** The context the record was logged in: captured at `Logger#write` if apitrail saw it, else now. */
export function emitContextOf(info: LogInfo): Context {
  return (info[EMIT_CONTEXT] as Context | undefined) ?? context.active();
}

/**
 * Pins the emitting context on the record and adds the context fields. The request's identity
 * wins over a same-named field in the app's metadata: it is what apitrail verified.
 */
export function attachContext(info: LogInfo): void {
  const ctx = emitContextOf(info);
  info[EMIT_CONTEXT] = ctx;
  const fields = contextFields(ctx);
  Object.assign(info, fields);
  info[INJECTED_FIELDS] = Object.keys(fields);
}

export function injectedFields(info: LogInfo): readonly string[] {
  const injected = info[INJECTED_FIELDS];
  return Array.isArray(injected) ? (injected as string[]) : [];
}
