import type { ServerResponse } from 'node:http';
import { ROOT_CONTEXT, logs, trace, type Attributes, type Context, type Logger } from '@opentelemetry/api';
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
  INSTRUMENTATION_VERSION,
  neutralizeControlCharacters,
  setRequestContext,
} from '@apitrail/core';
import type { IncomingMessage } from 'node:http';
import { identityAttributes } from './identity-attributes.js';
import type { RequestState } from './request-state.js';
import { splitRequestTarget } from './request-url.js';
import { severityForStatus } from './severity.js';

/** Status recorded when the client went away before a response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

function logger(): Logger {
  // Looked up per record (the SDK caches loggers): a logger cached before the SDK started, or from
  // a provider since replaced, would drop audit records without a trace.
  return logs.getLogger(AUDIT_LOGGER_NAME, INSTRUMENTATION_VERSION);
}

export interface AuditOutcome {
  readonly statusCode: number;
  readonly aborted: boolean;
}

export function outcomeOf(response: ServerResponse): AuditOutcome {
  const aborted = !response.writableFinished;
  const statusCode = aborted && !response.headersSent ? CLIENT_CLOSED_REQUEST : response.statusCode;
  return { statusCode, aborted };
}

function auditMessage(method: string, path: string, apiKeyName: string | undefined): string {
  const base = `API Request: ${method} ${path}`;
  return neutralizeControlCharacters(apiKeyName === undefined ? base : `${base} [API Key: ${apiKeyName}]`);
}

const REDACTED = 'REDACTED';

/** The query string with the API key parameter's value replaced, as instrumentation-http does on spans. */
export function withoutKeyParameter(query: string, parameter: string | undefined): string {
  if (parameter === undefined || query === '') return query;
  const params = new URLSearchParams(query);
  if (!params.has(parameter)) return query;
  params.set(parameter, REDACTED);
  return params.toString();
}

export interface AuditOptions {
  /** Query parameter that carries API keys (its value is replaced by `REDACTED`). */
  readonly apiKeyQueryParam?: string;
  /** An async key resolver had not answered when the record had to go out. */
  readonly resolutionTimedOut: boolean;
}

/** The context the audit record is emitted in: the server span (for trace/span ids) and the request. */
export function recordContext(state: RequestState): Context {
  const withSpan = state.spanContext ? trace.setSpanContext(ROOT_CONTEXT, state.spanContext) : ROOT_CONTEXT;
  return setRequestContext(withSpan, state.context);
}

/** Emits the one audit record of a finished (or aborted) request through the OTel Logs API. */
export function emitAuditRecord(
  state: RequestState,
  request: IncomingMessage,
  outcome: AuditOutcome,
  options: AuditOptions,
): void {
  const { path, query } = splitRequestTarget(state.url);
  const durationSeconds = Number(process.hrtime.bigint() - state.startedAt) / 1e9;
  const severity = severityForStatus(outcome.statusCode);
  const attributes: Attributes = {
    ...identityAttributes(state.context),
    [ATTR_HTTP_REQUEST_METHOD]: state.method,
    [ATTR_URL_PATH]: path,
    [ATTR_URL_QUERY]: withoutKeyParameter(query, options.apiKeyQueryParam),
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: outcome.statusCode,
    [ATTR_REQUEST_DURATION]: durationSeconds,
    [ATTR_EVENT_KIND]: 'event',
    [ATTR_EVENT_CATEGORY]: 'web',
    [ATTR_EVENT_TYPE]: 'access',
    [ATTR_EVENT_ACTION]: 'api_request',
    [ATTR_EVENT_OUTCOME]: outcome.statusCode < 400 ? 'success' : 'failure',
  };
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  if (outcome.aborted) attributes[ATTR_REQUEST_ABORTED] = true;
  if (options.resolutionTimedOut) attributes[ATTR_AUTH_RESOLUTION] = 'timeout';
  logger().emit({
    eventName: EVENT_API_REQUEST,
    severityNumber: severity.number,
    severityText: severity.text,
    body: auditMessage(state.method, path, state.context.identity.apiKeyName),
    attributes,
    context: recordContext(state),
  });
}
