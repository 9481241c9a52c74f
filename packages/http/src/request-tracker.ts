import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace, type Span } from '@opentelemetry/api';
import { guard, type RequestContext } from '@apitrail/core';
import type { RequestContextFactory } from '@apitrail/identity';
import { emitAuditRecord, outcomeOf } from './audit-record.js';
import { getRequestState, setRequestState, type RequestState } from './request-state.js';

export interface RequestTrackerOptions {
  createRequestContext: RequestContextFactory;
  /** Response header that echoes the correlation id; `false` to not echo it. */
  correlationResponseHeader?: string | false;
}

/**
 * Follows each incoming request from arrival to the end of its response: builds its
 * {@link RequestContext} once, echoes the correlation id, and emits the audit record when the
 * response finishes or the client goes away. Both the request-scope patch and the span hooks go
 * through here, whichever of them sees the request first.
 */
export class RequestTracker {
  private readonly createRequestContext: RequestContextFactory;
  private readonly correlationResponseHeader: string | false;

  constructor(options: RequestTrackerOptions) {
    this.createRequestContext = options.createRequestContext;
    this.correlationResponseHeader = options.correlationResponseHeader ?? 'x-request-id';
  }

  /** The request's state, created on first sight. */
  stateFor(request: IncomingMessage): RequestState {
    let state = getRequestState(request);
    if (state === undefined) {
      state = {
        context: this.createRequestContext(request),
        startedAt: process.hrtime.bigint(),
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        finished: false,
      };
      const activeSpan = trace.getActiveSpan();
      if (activeSpan !== undefined) state.spanContext = activeSpan.spanContext();
      setRequestState(request, state);
    }
    return state;
  }

  contextFor(request: IncomingMessage): RequestContext {
    return this.stateFor(request).context;
  }

  /** Remembers the server span so the audit record carries its trace and span ids. */
  attachSpan(request: IncomingMessage, span: Span): void {
    this.stateFor(request).spanContext = span.spanContext();
  }

  /** Called once per request as it is dispatched to the app's `request` listeners. */
  begin(request: IncomingMessage, response: ServerResponse): RequestContext {
    const state = this.stateFor(request);
    if (this.correlationResponseHeader !== false && !response.headersSent) {
      response.setHeader(this.correlationResponseHeader, state.context.correlationId);
    }
    const finish = (): void => this.finish(request, response, state);
    response.once('finish', finish);
    response.once('close', finish);
    return state.context;
  }

  private finish(request: IncomingMessage, response: ServerResponse, state: RequestState): void {
    if (state.finished) return;
    state.finished = true;
    guard('audit record', () => emitAuditRecord(state, request, outcomeOf(response)), undefined);
  }
}
