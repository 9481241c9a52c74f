import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { RequestContext } from '@apitrail/core';
import type { RequestTracker } from './request-tracker.js';

/** Per-request bookkeeping the audit record needs, kept on the request object itself. */
export interface RequestState {
  readonly context: RequestContext;
  readonly startedAt: bigint;
  readonly method: string;
  /** The URL as the client sent it, before any framework rewrites `req.url` while routing. */
  readonly url: string;
  spanContext?: SpanContext;
  /** The identity attributes the server span started with (unset when an app hook may have overridden them). */
  spanStartAttributes?: Attributes;
  finished: boolean;
  /** An exception escaped the app's listener and was already reported as a server error event. */
  exceptionReported?: boolean;
  /** The first exception the app reported with recordRequestException(), for the 5xx outcome's event. */
  caughtException?: { readonly error: unknown };
  /** Set once the response is tracked: what its 'close' listener finishes. */
  tracker?: RequestTracker;
  request?: IncomingMessage;
  response?: ServerResponse;
  /**
   * A node:http2 core-API stream (a `stream` event) whose 'close' finishes the request, until the
   * compatibility API builds a request and response from it (then the response does).
   */
  stream?: ServerHttp2Stream;
  /** Neighbours in the tracker's list of requests not finished yet (what an exit finishes). */
  previousOpen?: RequestState;
  nextOpen?: RequestState;
}

const STATE = Symbol('apitrail.request_state');

type Tagged = (IncomingMessage | ServerResponse | ServerHttp2Stream) & { [STATE]?: RequestState };

/** The state of a request (or of the node:http2 stream it came on). */
export function getRequestState(request: IncomingMessage | ServerHttp2Stream): RequestState | undefined {
  return (request as Tagged)[STATE];
}

export function setRequestState(request: IncomingMessage | ServerHttp2Stream, state: RequestState): void {
  (request as Tagged)[STATE] = state;
}

export function getResponseState(response: ServerResponse): RequestState | undefined {
  return (response as Tagged)[STATE];
}

export function setResponseState(response: ServerResponse, state: RequestState): void {
  (response as Tagged)[STATE] = state;
}
