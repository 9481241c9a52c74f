import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import { ROOT_CONTEXT, trace, type AttributeValue, type Attributes, type Context } from '@opentelemetry/api';
import {
  ATTR_AUTH_RESOLUTION,
  ATTR_EVENT_ACTION,
  ATTR_EVENT_CATEGORY,
  ATTR_EVENT_KIND,
  ATTR_EVENT_OUTCOME,
  ATTR_EVENT_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_REQUEST_ABORTED,
  ATTR_REQUEST_DURATION,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_USER_AGENT_ORIGINAL,
  AUDIT_LOGGER_NAME,
  EVENT_API_REQUEST,
  globalLogger,
  neutralizeControlCharacters,
  setRequestContext,
} from '@apitrail/core/internal';
import type { AuditLogRecord } from './audit-log-record.js';
import { auditRecordPipeline } from './audit-record-pipeline.js';
import { assignAttribute, visitIdentityAttributes, type AttributeVisitor } from './identity-attributes.js';
import type { RequestState } from './request-state.js';
import { severityForStatus } from './severity.js';

/** Status recorded when the client went away before a response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

const logger = globalLogger(AUDIT_LOGGER_NAME);

export interface AuditOutcome {
  readonly statusCode: number;
  readonly aborted: boolean;
}

export function outcomeOf(response: ServerResponse): AuditOutcome {
  // node:http2's compatibility response reports a stream the client cancelled as finished, though
  // the app never ended it: both are needed (for node:http, finished implies ended).
  const aborted = !response.writableFinished || !response.writableEnded;
  if (!aborted || response.headersSent) return { statusCode: response.statusCode, aborted };
  return requestTimedOut(response) ? REQUEST_TIMED_OUT : { statusCode: CLIENT_CLOSED_REQUEST, aborted };
}

/** What node:http answers itself when a request's body did not arrive within `server.requestTimeout`. */
const REQUEST_TIMED_OUT: AuditOutcome = Object.freeze({ statusCode: 408, aborted: false });

/**
 * Whether node:http ended the request for its request timeout: it wrote its own 408 Request Timeout
 * on the socket and destroyed the socket with ERR_HTTP_REQUEST_TIMEOUT (read only for a response the
 * app had not started, so the cost stays off every answered request).
 */
function requestTimedOut(response: ServerResponse): boolean {
  const socket = (response as { req?: { socket?: { errored?: unknown } } }).req?.socket;
  const error = socket?.errored as { code?: unknown } | null | undefined;
  return error?.code === 'ERR_HTTP_REQUEST_TIMEOUT';
}

/**
 * The outcome of a request whose process is ending (`exit`, as by `process.exit()` right after the
 * response): a response the app ended is complete, though Node has not reported it written yet.
 */
export function outcomeAtExit(response: ServerResponse): AuditOutcome {
  const aborted = !response.writableEnded;
  return { statusCode: aborted && !response.headersSent ? CLIENT_CLOSED_REQUEST : response.statusCode, aborted };
}

/** RST_STREAM's and GOAWAY's code for a stream that ended normally (RFC 9113 §7). */
const NGHTTP2_NO_ERROR = 0;

/**
 * The outcome of a node:http2 core-API stream: the `:status` of the headers it sent (Node sends 200
 * when the app named none). A stream reset before it ended normally (the client's RST_STREAM, the
 * session gone) is aborted; one reset before any headers went out is 499. `atExit`: the process is
 * ending before the stream closed, and a stream the app ended is complete.
 */
export function streamOutcome(stream: ServerHttp2Stream, atExit: boolean): AuditOutcome {
  const aborted = atExit ? !stream.writableEnded : stream.rstCode !== NGHTTP2_NO_ERROR;
  if (!stream.headersSent) return { statusCode: CLIENT_CLOSED_REQUEST, aborted: true };
  const statusCode = Number(stream.sentHeaders[':status'] ?? 200);
  return { statusCode: Number.isInteger(statusCode) ? statusCode : 200, aborted };
}

/** ECS `event.outcome` of a request: a response below 400 succeeded, even if the client left before its end. */
export function eventOutcome(outcome: AuditOutcome): 'success' | 'failure' {
  return outcome.statusCode < 400 ? 'success' : 'failure';
}

function auditMessage(method: string, path: string, apiKeyName: string | undefined): string {
  const base = `API Request: ${method} ${path}`;
  return neutralizeControlCharacters(apiKeyName === undefined ? base : `${base} [API Key: ${apiKeyName}]`);
}

const REDACTED = 'REDACTED';

/**
 * The query string with the API key parameter's value replaced, as instrumentation-http does on
 * spans. Only that value changes: every other parameter stays byte-identical (its percent-encoding,
 * a `+`, the order), which re-serialising through URLSearchParams would not keep.
 */
export function withoutKeyParameter(query: string, parameter: string | undefined): string {
  if (parameter === undefined || query === '') return query;
  let changed = false;
  const parts = query.split('&').map((part) => {
    const separator = part.indexOf('=');
    const rawName = separator < 0 ? part : part.slice(0, separator);
    if (formDecoded(rawName) !== parameter) return part;
    changed = true;
    return `${rawName}=${REDACTED}`;
  });
  return changed ? parts.join('&') : query;
}

/** A form-encoded name decoded as URLSearchParams does (`+` is a space; malformed escapes stay). */
function formDecoded(name: string): string {
  const spaced = name.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** The finished request as the records about it see it. */
export interface FinishedRequest {
  readonly state: RequestState;
  readonly request: IncomingMessage;
  readonly outcome: AuditOutcome;
  /** The request target split once for every record: `path` and `query` (without `?`). */
  readonly target: { readonly path: string; readonly query: string };
  /** What the records are emitted in: see {@link recordContext}. */
  readonly context: Context;
}

/** The context the audit record is emitted in: the server span (for trace/span ids) and the request. */
export function recordContext(state: RequestState): Context {
  const withSpan = state.spanContext ? trace.setSpanContext(ROOT_CONTEXT, state.spanContext) : ROOT_CONTEXT;
  return setRequestContext(withSpan, state.context);
}

function addToRecord(record: AuditLogRecord, name: string, value: AttributeValue): void {
  record.add(name, value);
}

/** Hands each attribute of the audit record to `visit`, in the record's order (identity first). */
function visitAuditAttributes<Target>(
  finished: FinishedRequest,
  apiKeyQueryParam: string | undefined,
  resolutionTimedOut: boolean,
  visit: AttributeVisitor<Target>,
  target: Target,
): void {
  const { state, outcome, target: requestTarget } = finished;
  const durationSeconds = Number(process.hrtime.bigint() - state.startedAt) / 1e9;
  visitIdentityAttributes(state.context, visit, target);
  visit(target, ATTR_HTTP_REQUEST_METHOD, state.method);
  visit(target, ATTR_URL_PATH, requestTarget.path);
  visit(target, ATTR_URL_QUERY, withoutKeyParameter(requestTarget.query, apiKeyQueryParam));
  visit(target, ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.statusCode);
  visit(target, ATTR_REQUEST_DURATION, durationSeconds);
  visit(target, ATTR_EVENT_KIND, 'event');
  visit(target, ATTR_EVENT_CATEGORY, 'web');
  visit(target, ATTR_EVENT_TYPE, 'access');
  visit(target, ATTR_EVENT_ACTION, 'api_request');
  visit(target, ATTR_EVENT_OUTCOME, eventOutcome(outcome));
  const userAgent = finished.request.headers['user-agent'];
  if (userAgent !== undefined) visit(target, ATTR_USER_AGENT_ORIGINAL, userAgent);
  if (outcome.aborted) visit(target, ATTR_REQUEST_ABORTED, true);
  if (resolutionTimedOut) visit(target, ATTR_AUTH_RESOLUTION, 'timeout');
}

/**
 * Emits the one audit record of a finished (or aborted) request: through the LoggerProvider
 * apitrail built when it built one (an {@link AuditLogRecord}, see {@link auditRecordPipeline}),
 * else through the OTel Logs API of the app's own SDK. `apiKeyQueryParam` is the query parameter
 * that carries API keys (its value is replaced by `REDACTED`); `resolutionTimedOut`: an async key
 * resolver had not answered when the record had to go out.
 */
export function emitAuditRecord(
  finished: FinishedRequest,
  apiKeyQueryParam: string | undefined,
  resolutionTimedOut: boolean,
): void {
  const { state, outcome, target } = finished;
  const severity = severityForStatus(outcome.statusCode);
  const body = auditMessage(state.method, target.path, state.context.identity.apiKeyName);
  const pipeline = auditRecordPipeline();
  if (pipeline !== undefined) {
    const header = { eventName: EVENT_API_REQUEST, severityNumber: severity.number, severityText: severity.text, body };
    const record = pipeline.record(header, finished.context);
    if (record === undefined) return;
    visitAuditAttributes(finished, apiKeyQueryParam, resolutionTimedOut, addToRecord, record);
    pipeline.emit(record, finished.context);
    return;
  }
  // Built in its final form in one object: the SDK copies and validates it attribute by attribute.
  const attributes: Attributes = {};
  visitAuditAttributes(finished, apiKeyQueryParam, resolutionTimedOut, assignAttribute, attributes);
  logger().emit({
    eventName: EVENT_API_REQUEST,
    severityNumber: severity.number,
    severityText: severity.text,
    body,
    attributes,
    context: finished.context,
  });
}
