import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { trace, type Attributes, type Span, type SpanContext } from '@opentelemetry/api';
import {
  APITRAIL_EVENTS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  guard,
  keepFirstAtExit,
  recordFault,
  type RequestContext,
} from '@apitrail/core/internal';
import {
  emitSecurityEvent,
  resolvesAsynchronously,
  whenIdentityResolved,
  type AuditScope,
  type RequestContextFactory,
} from '@apitrail/identity/internal';
import {
  CLIENT_CLOSED_REQUEST,
  emitAuditRecord,
  outcomeAtExit,
  outcomeOf,
  recordContext,
  streamOutcome,
  type AuditOutcome,
  type FinishedRequest,
} from './audit-record.js';
import { emitExceptionEvent, emitOutcomeEvents } from './automatic-security-events.js';
import {
  getRequestState,
  getResponseState,
  setRequestState,
  setResponseState,
  type RequestState,
} from './request-state.js';
import { splitRequestTarget } from './request-url.js';

/** Why a request is answered by apitrail instead of the app (quarantine, `APITRAIL_RESPONSE=block`). */
export interface Refusal {
  readonly status: number;
  /** `application/problem+json` (RFC 9457). */
  readonly body: string;
  /** `event.reason` of the block's security event. */
  readonly reason: string;
  /** Attributes of the block's security event. */
  readonly attributes: Attributes;
}

/** Decides, from the request's identity as known on arrival, whether the app may see a request. */
export interface RequestGate {
  refusal(requestContext: RequestContext): Refusal | undefined;
}

/** Options of a RequestTracker: the request gate, the request-context factory, the correlation response header, which requests get an audit record, the API key query parameter, the wait for an async key resolver. */
export interface RequestTrackerOptions {
  /** Answers refused requests before the app sees them; absent: every request reaches the app. */
  gate?: RequestGate;
  createRequestContext: RequestContextFactory;
  /** Response header that echoes the correlation id; `false` to not echo it. */
  correlationResponseHeader?: string | false;
  /** `all` requests (default) get an audit record, or only `api_key` requests. */
  auditScope?: AuditScope;
  /** Query parameter that may carry an API key: its value never reaches the audit record. */
  apiKeyQueryParam?: string;
  /** How long a finished request's audit record waits for an async key resolver (default 1000 ms). */
  resolutionTimeoutMs?: number;
}

/**
 * Follows each incoming request from arrival to the end of its response: builds its
 * {@link RequestContext} once, echoes the correlation id, and emits the audit record and the
 * automatic security events when the response finishes or the client goes away. Both the
 * request-scope patch and the span hooks go through here, whichever of them sees the request first.
 */
export class RequestTracker {
  private readonly createRequestContext: RequestContextFactory;
  private readonly correlationResponseHeader: string | false;
  /**
   * @internal The correlation id header a core-API stream this tracker began responds with (its
   * name in lower case, as node:http2 sends names), or undefined for none.
   */
  readonly streamCorrelationHeader: string | undefined;
  private readonly auditScope: AuditScope;
  private readonly apiKeyQueryParam: string | undefined;
  private readonly resolutionTimeoutMs: number;
  private readonly gate: RequestGate | undefined;
  /** Requests begun and not finished, newest first: an exit finishes them (see finishOpenAtExit). */
  private open: RequestState | undefined;

  constructor(options: RequestTrackerOptions) {
    if (trackers.size === 0) {
      process.prependListener('exit', finishOpenRequestsAtExit);
      // An app that removes the `exit` listeners gets it back before the spool's drain, with the drain.
      keepFirstAtExit(finishOpenRequestsAtExit);
    }
    trackers.add(this);
    this.gate = options.gate;
    this.createRequestContext = options.createRequestContext;
    this.correlationResponseHeader = options.correlationResponseHeader ?? 'x-request-id';
    this.streamCorrelationHeader =
      this.correlationResponseHeader === false ? undefined : this.correlationResponseHeader.toLowerCase();
    this.auditScope = options.auditScope ?? 'all';
    this.apiKeyQueryParam = options.apiKeyQueryParam;
    this.resolutionTimeoutMs = options.resolutionTimeoutMs ?? 1000;
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

  /** Remembers the server span so the audit record carries its trace and span ids. */
  attachSpan(request: IncomingMessage, span: Span): void {
    this.stateFor(request).spanContext = span.spanContext();
  }

  /**
   * Called once per request as it is dispatched to the app's `request` listeners (or, for a request
   * with `Expect:`, its `checkContinue` / `checkExpectation` listeners), with the request's trace
   * context when no server span carries it.
   */
  begin(request: IncomingMessage, response: ServerResponse, spanContext?: SpanContext): RequestContext {
    return this.beginResponse(this.stateFor(request), request, response, spanContext);
  }

  /** @internal {@link begin}, with the request's state at hand. */
  beginResponse(
    state: RequestState,
    request: IncomingMessage,
    response: ServerResponse,
    spanContext?: SpanContext,
  ): RequestContext {
    if (this.correlationResponseHeader !== false && !response.headersSent) {
      response.setHeader(this.correlationResponseHeader, state.context.correlationId);
    }
    this.followResponse(state, request, response, spanContext);
    return state.context;
  }

  /**
   * Called for a request node:http answers itself, handing it to no listener: an HTTP/1.1 request
   * without a Host header (Node's 400), or one with an `Expect:` other than `100-continue` to a
   * server without a `checkExpectation` listener (Node's 417). Its record has the status Node
   * sends; it is not gated and its response gets no correlation id header (the app never sees the
   * request, and the client gets Node's answer as without apitrail).
   */
  beginAnsweredByNode(request: IncomingMessage, response: ServerResponse, spanContext?: SpanContext): void {
    this.followResponse(this.stateFor(request), request, response, spanContext);
  }

  /** The response is followed to its 'close', which records the request. */
  private followResponse(
    state: RequestState,
    request: IncomingMessage,
    response: ServerResponse,
    spanContext: SpanContext | undefined,
  ): void {
    if (spanContext !== undefined) state.spanContext = spanContext;
    // 'close' comes once per response: after 'finish' when it was sent, alone when the client went
    // away. One listener function for every response (no closure per request): it finds the
    // request's state on the response.
    state.tracker = this;
    state.request = request;
    state.response = response;
    setResponseState(response, state);
    response.on('close', finishOnClose);
    this.addOpen(state);
  }

  /**
   * Called once per request a server hands to its `upgrade` or `connect` listeners (a WebSocket
   * handshake, a CONNECT to a forward proxy): no ServerResponse exists, the app answers on the raw
   * socket. The status line of the first bytes the app writes there is the request's outcome (101,
   * 401, 200 ...), and the records go out then, once: a WebSocket that lives on after its 101 adds
   * none when it closes. A socket that closes before any status line was written is the client gone
   * (499, aborted).
   */
  beginRaw(request: IncomingMessage, socket: Duplex, spanContext?: SpanContext): RequestContext {
    const state = this.track(request, spanContext);
    watchStatusLine(socket, (statusCode) => this.settle(request, state, { statusCode, aborted: false }));
    socket.once('close', () => this.settle(request, state, { statusCode: CLIENT_CLOSED_REQUEST, aborted: true }));
    return state.context;
  }

  /**
   * Called once per stream a node:http2 server hands to its `stream` listeners (the core API: the
   * app answers with `stream.respond()`), with the stream's headers seen as a request
   * ({@link streamRequest}). The stream's 'close' finishes it, with the `:status` it sent; the
   * correlation id is added to the headers the stream responds with. When the compatibility API
   * builds a request from the same stream, {@link handOver} gives it to that request's response.
   */
  beginStream(request: IncomingMessage, stream: ServerHttp2Stream, spanContext?: SpanContext): RequestContext {
    const state = this.track(request, spanContext);
    state.stream = stream;
    setRequestState(stream, state);
    if (this.streamCorrelationHeader !== undefined) echoOnRespond(stream);
    stream.once('close', finishStreamOnClose);
    this.addOpen(state);
    return state.context;
  }

  /**
   * The compatibility API built `request` (and its response) from a stream {@link beginStream}
   * began: the request takes the stream's state (one RequestContext, one record), which begin()
   * then ties to the response, whose status and end the compatibility API knows best.
   */
  handOver(request: IncomingMessage): void {
    const stream = (request as { stream?: ServerHttp2Stream }).stream;
    const state = stream === undefined ? undefined : getRequestState(stream);
    if (state === undefined || state.stream !== stream || state.finished) return;
    this.removeOpen(state);
    state.stream = undefined;
    setRequestState(request, state);
  }

  /** The request's state, now followed by this tracker (a raw socket's or a stream's request). */
  private track(request: IncomingMessage, spanContext: SpanContext | undefined): RequestState {
    const state = this.stateFor(request);
    if (spanContext !== undefined) state.spanContext = spanContext;
    state.tracker = this;
    state.request = request;
    return state;
  }

  private addOpen(state: RequestState): void {
    if (this.open !== undefined) this.open.previousOpen = state;
    state.nextOpen = this.open;
    this.open = state;
  }

  private removeOpen(state: RequestState): void {
    const { previousOpen, nextOpen } = state;
    if (previousOpen === undefined) {
      if (this.open !== state) return;
      this.open = nextOpen;
    } else {
      previousOpen.nextOpen = nextOpen;
    }
    if (nextOpen !== undefined) nextOpen.previousOpen = previousOpen;
    state.previousOpen = state.nextOpen = undefined;
  }

  /**
   * The process is ending (its `exit` event, before the spools' exit drain): a request whose
   * response has not closed yet gets its records now, synchronously, or never. `process.exit()`
   * right after `response.end()` leaves that response's 'close' (and 'finish') to a turn that never
   * comes; a request still in progress is recorded as cut short. An identity still resolving goes
   * with what is known, marked so.
   */
  finishOpenAtExit(): void {
    for (let state = this.open; state !== undefined; state = this.open) {
      this.removeOpen(state);
      if (state.finished || state.request === undefined) continue;
      let outcome: AuditOutcome;
      if (state.response !== undefined) outcome = outcomeAtExit(state.response);
      else if (state.stream !== undefined) outcome = streamOutcome(state.stream, true);
      else continue;
      state.finished = true;
      this.emitRecords(state.request, state, outcome, !resolvesAsynchronously(state.context));
    }
  }

  /**
   * Answers the request itself when the gate refuses it (the app never sees it), and records the
   * block as a security event; false when the app should handle the request.
   */
  refuse(request: IncomingMessage, response: ServerResponse): boolean {
    return this.refuseResponse(this.stateFor(request), response);
  }

  /** @internal {@link refuse}, with the request's state at hand. */
  refuseResponse(state: RequestState, response: ServerResponse): boolean {
    return this.refuseOn(state, response, answerResponse);
  }

  /**
   * {@link refuse} for a request handed to `upgrade` / `connect` listeners (after {@link beginRaw}):
   * the refusal is written on the raw socket, which is then closed, and the listeners never run, so
   * a blocked key opens no WebSocket or tunnel.
   */
  refuseRaw(request: IncomingMessage, socket: Duplex): boolean {
    return this.refuseOn(this.stateFor(request), socket, answerSocket);
  }

  /**
   * {@link refuse} for a node:http2 core-API stream (after {@link beginStream}): the refusal is the
   * stream's response, and the `stream` listeners (the compatibility API's among them) never run.
   */
  refuseStream(request: IncomingMessage, stream: ServerHttp2Stream): boolean {
    return this.refuseOn(this.stateFor(request), stream, answerStream);
  }

  /**
   * When the gate refuses the request, `answer` writes the refusal on the request's transport
   * (false when it cannot: an answer already begun, and the app handles the request), and the block
   * is reported. False when the app should handle the request.
   */
  private refuseOn<Transport>(
    state: RequestState,
    transport: Transport,
    answer: (transport: Transport, refusal: Refusal) => boolean,
  ): boolean {
    const gate = this.gate;
    if (gate === undefined) return false;
    const refusal = guard('request gate', () => gate.refusal(state.context), undefined);
    if (refusal === undefined || !answer(transport, refusal)) return false;
    this.reportRefusal(state, refusal);
    return true;
  }

  private reportRefusal(state: RequestState, refusal: Refusal): void {
    emitSecurityEvent(
      APITRAIL_EVENTS.quarantineBlock,
      {
        reason: refusal.reason,
        description: `${state.method} ${splitRequestTarget(state.url).path} → ${refusal.status}: refused before the app, key quarantined`,
        attributes: { [ATTR_HTTP_RESPONSE_STATUS_CODE]: refusal.status, ...refusal.attributes },
      },
      recordContext(state),
    );
  }

  /** An exception escaped the app's `request` (or `stream`) listener: reported at once, the process may not survive it. */
  reportException(request: IncomingMessage | ServerHttp2Stream, error: unknown): void {
    const state = getRequestState(request);
    if (state !== undefined) emitExceptionEvent(state, error, recordContext(state));
  }

  /** @internal The response of `state.request` closed. */
  finish(request: IncomingMessage, response: ServerResponse, state: RequestState): void {
    if (state.finished) return;
    this.settle(request, state, outcomeOf(response));
  }

  /** @internal The stream of `state.request` closed (core API: no compatibility response took it). */
  finishStream(request: IncomingMessage, stream: ServerHttp2Stream, state: RequestState): void {
    if (state.finished) return;
    this.settle(request, state, streamOutcome(stream, false));
  }

  /** The request's outcome is known: its records go out (after a pending key resolution, bounded). */
  private settle(request: IncomingMessage, state: RequestState, outcome: AuditOutcome): void {
    if (state.finished) return;
    state.finished = true;
    this.removeOpen(state);
    if (!resolvesAsynchronously(state.context)) {
      this.emitRecords(request, state, outcome, true);
      return;
    }
    // The records go out once a pending async key resolution settles (bounded), so they carry
    // the resolved identity; on timeout they go out with what is known, marked as such.
    whenIdentityResolved(state.context, this.resolutionTimeoutMs)
      .then((resolved) => this.emitRecords(request, state, outcome, resolved))
      .catch((error: unknown) => recordFault('audit record', error));
  }

  private emitRecords(request: IncomingMessage, state: RequestState, outcome: AuditOutcome, resolved: boolean): void {
    try {
      const finished: FinishedRequest = {
        state,
        request,
        outcome,
        target: splitRequestTarget(state.url),
        context: recordContext(state),
      };
      emitOutcomeEvents(finished);
      if (this.auditScope === 'all' || state.context.identity.isApiKeyRequest) {
        emitAuditRecord(finished, this.apiKeyQueryParam, !resolved);
      }
    } catch (error) {
      recordFault('audit record', error);
    }
  }
}

/** The headers of every refusal (a problem+json body, never cached), whatever the transport. */
const REFUSAL_HEADERS = Object.freeze({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });

/** {@link REFUSAL_HEADERS} as HTTP/1.1 header lines. */
const REFUSAL_HEADER_LINES = Object.entries(REFUSAL_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** The refusal as a node:http(s) response, unless it has sent its headers already. */
function answerResponse(response: ServerResponse, refusal: Refusal): boolean {
  if (response.headersSent) return false;
  response.writeHead(refusal.status, REFUSAL_HEADERS).end(refusal.body);
  return true;
}

/** The refusal written on an `upgrade` / `connect` request's raw socket, which it closes. */
function answerSocket(socket: Duplex, refusal: Refusal): boolean {
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n${REFUSAL_HEADER_LINES}` +
      `connection: close\r\ncontent-length: ${Buffer.byteLength(refusal.body)}\r\n\r\n${refusal.body}`,
  );
  return true;
}

/** The refusal as a node:http2 core-API stream's response, unless it has sent its headers already. */
function answerStream(stream: ServerHttp2Stream, refusal: Refusal): boolean {
  if (stream.headersSent) return false;
  // No listener of the app's sees this stream: a reset by the client must not be an unhandled 'error'.
  stream.on('error', ignore);
  // A stream the client already reset cannot be answered, and still never reaches the app.
  if (!stream.destroyed) {
    stream.respond({ ':status': refusal.status, ...REFUSAL_HEADERS });
    stream.end(refusal.body);
  }
  return true;
}

/** Every tracker made: few (one per register or `apitrailComponents()`). */
const trackers = new Set<RequestTracker>();

/**
 * Before every other `exit` listener (the spools' exit drain is one): records emitted later would
 * find the drain done. Installed once, when the first tracker is made.
 */
function finishOpenRequestsAtExit(): void {
  for (const tracker of trackers) guard('audit record at exit', () => tracker.finishOpenAtExit(), undefined);
}

const STATUS_LINE = /^HTTP\/\d\.\d (\d{3})[ \r]/;

/** The status code of `chunk` when it starts with an HTTP/1.x status line. */
function statusLineCode(chunk: unknown): number | undefined {
  let head: string | undefined;
  if (typeof chunk === 'string') head = chunk.slice(0, 16);
  else if (chunk instanceof Uint8Array) {
    head = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, 16)).toString('latin1');
  }
  const code = head === undefined ? undefined : STATUS_LINE.exec(head)?.[1];
  return code === undefined ? undefined : Number(code);
}

type SocketWrite = (this: Duplex, ...args: unknown[]) => unknown;

/**
 * Calls `onStatus` with the status code of the first bytes written to `socket` (by `write` or
 * `end`), if they start with a status line; the socket's own methods are back in place as soon as
 * anything was written, so the connection afterwards (a WebSocket, a tunnel) pays nothing.
 */
function watchStatusLine(socket: Duplex, onStatus: (statusCode: number) => void): void {
  const target = socket as unknown as { write: SocketWrite; end: SocketWrite };
  const ownWrite = Object.getOwnPropertyDescriptor(socket, 'write');
  const ownEnd = Object.getOwnPropertyDescriptor(socket, 'end');
  const { write, end } = target;
  let seen = false;
  const restore = (): void => {
    if (ownWrite === undefined) delete (target as Partial<typeof target>).write;
    else Object.defineProperty(socket, 'write', ownWrite);
    if (ownEnd === undefined) delete (target as Partial<typeof target>).end;
    else Object.defineProperty(socket, 'end', ownEnd);
  };
  const see = (chunk: unknown): void => {
    if (seen) return;
    seen = true;
    restore();
    const statusCode = guard('status line', () => statusLineCode(chunk), undefined);
    if (statusCode !== undefined) onStatus(statusCode);
  };
  target.write = function (this: Duplex, ...args: unknown[]) {
    see(args[0]);
    return write.apply(this, args);
  };
  target.end = function (this: Duplex, ...args: unknown[]) {
    if (args[0] !== undefined && args[0] !== null && typeof args[0] !== 'function') see(args[0]);
    return end.apply(this, args);
  };
}

/** The 'close' listener of every tracked response (`this`). */
function finishOnClose(this: ServerResponse): void {
  const state = getResponseState(this);
  if (state?.tracker !== undefined && state.request !== undefined) state.tracker.finish(state.request, this, state);
}

/** The 'close' listener of every tracked core-API stream (`this`), while no compatibility response took it over. */
function finishStreamOnClose(this: ServerHttp2Stream): void {
  const state = getRequestState(this);
  if (state?.stream === this && state.tracker !== undefined && state.request !== undefined) {
    state.tracker.finishStream(state.request, this, state);
  }
}

function ignore(): void {}

const NO_SOCKET = Object.freeze({});

/**
 * A core-API stream's headers seen as the request the identity code and the records read: its
 * headers (pseudo-headers included, as the compatibility API's request has them), method, target
 * (`:path`; a CONNECT's `:authority`, as node:http's CONNECT target) and socket (the session's,
 * for the client's address).
 */
export function streamRequest(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): IncomingMessage {
  const method = headers[':method'];
  const target = headers[':path'] ?? headers[':authority'];
  return {
    headers,
    method: typeof method === 'string' ? method : undefined,
    url: typeof target === 'string' ? target : undefined,
    socket: stream.session?.socket ?? NO_SOCKET,
  } as unknown as IncomingMessage;
}

type Respond = (this: ServerHttp2Stream, ...args: unknown[]) => unknown;

/** The stream's respond methods, and where their headers argument is. */
const RESPOND_METHODS = [
  ['respond', 0],
  ['respondWithFD', 1],
  ['respondWithFile', 1],
] as const;

/** Marks a prototype whose respond methods {@link echoOnRespond} wrapped. */
const ECHOING = Symbol('apitrail.echoing');

/**
 * Makes `stream`'s respond methods add its tracker's correlation id header to the headers it
 * responds with, unless they name it already, while the core API answers (the compatibility API's
 * response sets it itself, or the app removed it there). Done once, on the prototype of node:http2's
 * server streams (not exported: read from the first stream), so a stream costs nothing; a stream no
 * tracker began, or one the compatibility API took over, responds as without apitrail.
 */
function echoOnRespond(stream: ServerHttp2Stream): void {
  const prototype = Object.getPrototypeOf(stream) as Record<string | symbol, unknown> | null;
  if (prototype === null || Object.hasOwn(prototype, ECHOING)) return;
  Object.defineProperty(prototype, ECHOING, { value: true });
  for (const [method, at] of RESPOND_METHODS) {
    const original = prototype[method];
    if (typeof original !== 'function') continue;
    prototype[method] = respondEchoing(original as Respond, at);
  }
}

/** `original`, adding the correlation id header to its headers argument (at `at`) for a stream a tracker began. */
function respondEchoing(original: Respond, at: number): Respond {
  return function (this: ServerHttp2Stream, ...args: unknown[]) {
    const state = getRequestState(this);
    const name = state?.stream === this ? state.tracker?.streamCorrelationHeader : undefined;
    if (state !== undefined && name !== undefined) {
      const value = state.context.correlationId;
      args[at] = guard('correlation header', () => withHeader(args[at], name, value), args[at]);
    }
    return original.apply(this, args);
  };
}

/** `headers` (an object, a raw array, or none) with `name: value`, unless it names `name` (any case). */
function withHeader(headers: unknown, name: string, value: string): unknown {
  if (headers === undefined || headers === null) return { [name]: value };
  if (Array.isArray(headers)) {
    const named = headers.some((entry, index) => index % 2 === 0 && String(entry).toLowerCase() === name);
    return named ? headers : [...(headers as unknown[]), name, value];
  }
  if (typeof headers !== 'object') return headers;
  const record = headers as Record<string, unknown>;
  if (record[name] !== undefined || Object.keys(record).some((key) => key.toLowerCase() === name)) return headers;
  return { ...record, [name]: value };
}
