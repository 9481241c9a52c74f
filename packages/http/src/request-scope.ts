import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { context, trace, type Context, type SpanContext } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { guard, recordFault, setRequestContext, type RequestContext } from '@apitrail/core/internal';
import { streamRequest, type RequestTracker } from './request-tracker.js';
import { incomingTraceContext, requestTraceContext } from './trace-context.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

interface ServerModule {
  Server: { prototype: { emit: Emit } };
}

type ServerPrototype = ServerModule['Server']['prototype'];

/** The request scope instrumentation's settings: OTel's `enabled`, the tracker it uses, and whether requests continue their incoming trace context. */
export interface RequestScopeInstrumentationConfig extends InstrumentationConfig {
  /**
   * Builds each request's context and records the request. Read when the instrumentation is
   * enabled; without one, the patched `emit` passes every event straight through.
   */
  tracker?: RequestTracker;
  /**
   * For a process that makes no server spans (instrumentation-http's incoming side off, as the
   * register does with no trace exporter): each request runs in the trace context it arrived with
   * (the registered propagator reads it from the headers), or in a new trace, so the audit record
   * and the app's logs carry trace ids and outgoing calls propagate them. Default false: the
   * server span is the context of a node:http(s) `request`; the requests instrumentation-http makes
   * no server span for (`upgrade`, `connect`, `checkContinue`, `checkExpectation`, node:http2's
   * streams) continue the trace context they arrived with, and start none.
   */
  continueTraceContext?: boolean;
  /**
   * With `continueTraceContext`: whether a trace a request starts (none arrived) is sampled, given
   * its id: the configured sampler's decision for a root. Default: every one is.
   */
  sampleNewTrace?: (traceId: string) => boolean;
}

/**
 * One patched prototype: the `emit` it had (its own property, or none: `Server.prototype.emit` is
 * usually EventEmitter's, inherited) and the wrapper put in its place.
 */
interface Patch {
  readonly ownEmit: PropertyDescriptor | undefined;
  readonly scoped: Emit;
}

/** An instance's state: the tracker its patches use while enabled, and what it patched. */
interface Scope {
  tracker: RequestTracker | undefined;
  /** The trace context of a node:http(s) `request` event's request. */
  requestTrace: TraceContextSource;
  /** The trace context of any other request (the events instrumentation-http makes no server span for). */
  otherTrace: TraceContextSource.Incoming | TraceContextSource.IncomingOrNew;
  sampleNewTrace: (traceId: string) => boolean;
  readonly patches: Map<ServerPrototype, Patch>;
  /** Its subscriber to node:http's request start ({@link onRequestStart}), while subscribed. */
  requestStart: ((message: unknown) => void) | undefined;
}

const sampleEvery = (): boolean => true;

/** Where a request's trace context comes from: decided per event type, where the event is dispatched. */
const enum TraceContextSource {
  /** instrumentation-http's server span (a node:http(s) `request` while it makes them): nothing to do here. */
  ServerSpan,
  /**
   * The caller's, when one arrived; else none is started (alongside exported server spans, a new
   * trace's root span would never be exported: see docs/decisions.md).
   */
  Incoming,
  /** The caller's, or a new trace (a process that makes no server spans). */
  IncomingOrNew,
}

let http2Prototypes: readonly ServerPrototype[] | undefined;

/**
 * The prototypes of node:http2's servers (cleartext and TLS), whose compatibility API emits
 * `request` with a request and response shaped like node:http's (Fastify's `http2: true` uses it).
 * The module exports no server class: the prototypes are read from a server of each kind, made
 * once and never listening.
 */
function http2ServerPrototypes(): readonly ServerPrototype[] {
  http2Prototypes ??= [http2.createServer(), http2.createSecureServer()].map(
    (server) => Object.getPrototypeOf(server) as ServerPrototype,
  );
  return http2Prototypes;
}

// Outside the class: InstrumentationBase's constructor calls enable() before a subclass's own
// fields are initialised.
const scopes = new WeakMap<RequestScopeInstrumentation, Scope>();

/**
 * The request whose listener an exception is escaping, until `uncaughtExceptionMonitor` sees the
 * exception (or the next tick, when something above caught it).
 */
let escaping: { readonly tracker: RequestTracker; readonly request: IncomingMessage | ServerHttp2Stream } | undefined;
let monitoring = false;

function reportEscapedException(error: unknown): void {
  const escaped = escaping;
  escaping = undefined;
  if (escaped === undefined) return;
  try {
    escaped.tracker.reportException(escaped.request, error);
  } catch (reportError) {
    recordFault('request scope', reportError);
  }
}

/**
 * The original emit, inside the request's Context (a module-level function: no closure per
 * request). An exception from the app's listener is not caught here: rethrown, Node would print
 * this line as where it was thrown, above the app's stack. It is reported from
 * `uncaughtExceptionMonitor`, with the error, before the process goes.
 */
function dispatch(
  this: unknown,
  original: Emit,
  tracker: RequestTracker,
  event: string | symbol,
  args: unknown[],
): boolean {
  let returned = false;
  try {
    const result = original.call(this, event, ...args);
    returned = true;
    return result;
  } finally {
    if (!returned) {
      escaping = { tracker, request: args[0] as IncomingMessage | ServerHttp2Stream };
      if (!monitoring) {
        monitoring = true;
        process.on('uncaughtExceptionMonitor', reportEscapedException);
      }
      process.nextTick(() => (escaping = undefined));
    }
  }
}

/** How an event's listeners answer its request. */
const enum Answer {
  /** (request, response): a `request` event, or one of node:http2's compatibility API. */
  Response,
  /** (request, socket, head): an `upgrade` or `connect` event of node:http(s). */
  Socket,
  /** (stream, headers): a `stream` event of node:http2's core API. */
  Stream,
}

/** `original` (a node:http(s) server's), with each request's event dispatched inside a Context carrying its RequestContext. */
function scopedEmit(original: Emit, scope: Scope): Emit {
  return function (this: unknown, event, ...args) {
    const tracker = scope.tracker;
    if (tracker === undefined) return original.call(this, event, ...args);
    if (event === 'request') {
      return scopedRequest.call(this, original, scope, tracker, event, args, Answer.Response, scope.requestTrace);
    }
    // instrumentation-http makes server spans for `request` only: the events below take `otherTrace`.
    // An `upgrade` or `connect` event (request, socket, head): recorded with the status the app writes on the socket.
    if (event === 'upgrade' || event === 'connect') {
      return scopedRequest.call(this, original, scope, tracker, event, args, Answer.Socket, scope.otherTrace);
    }
    // A request with `Expect:` to a server with a checkContinue (checkExpectation) listener: Node emits
    // that instead of `request`, and the listener answers (100 Continue then the response, or 417), or
    // passes the request on with emit('request'), which then finds it begun.
    if (event === 'checkContinue' || event === 'checkExpectation') {
      return scopedRequest.call(this, original, scope, tracker, event, args, Answer.Response, scope.otherTrace);
    }
    return original.call(this, event, ...args);
  };
}

/**
 * `original` (a node:http2 server's): each `stream` is a request, dispatched inside its Context (the
 * core API's listeners, and the compatibility API's, which builds a request and response from the
 * stream and emits them as `request`, `connect`, `checkContinue` or `checkExpectation`: those take
 * the stream's state over, so a request is recorded once).
 */
function scopedHttp2Emit(original: Emit, scope: Scope): Emit {
  return function (this: unknown, event, ...args) {
    const tracker = scope.tracker;
    if (tracker === undefined) return original.call(this, event, ...args);
    // instrumentation-http makes no server span for node:http2's requests: they take `otherTrace`.
    if (event === 'stream') {
      return scopedRequest.call(this, original, scope, tracker, event, args, Answer.Stream, scope.otherTrace);
    }
    if (event === 'request' || event === 'connect' || event === 'checkContinue' || event === 'checkExpectation') {
      guard('request scope', () => tracker.handOver(args[0] as IncomingMessage), undefined);
      return scopedRequest.call(this, original, scope, tracker, event, args, Answer.Response, scope.otherTrace);
    }
    return original.call(this, event, ...args);
  };
}

/**
 * Dispatches a request's event inside the request's Context; a quarantined key is answered here,
 * and the app's listeners never run.
 */
function scopedRequest(
  this: unknown,
  original: Emit,
  scope: Scope,
  tracker: RequestTracker,
  event: string,
  args: unknown[],
  answer: Answer,
  traceSource: TraceContextSource,
): boolean {
  let active = context.active();
  let requestContext: RequestContext;
  try {
    const request =
      answer === Answer.Stream
        ? streamRequest(args[0] as ServerHttp2Stream, args[1] as IncomingHttpHeaders)
        : (args[0] as IncomingMessage);
    // A response's request this scope began (and gated) already: the request node:http2's
    // compatibility API built from a stream, or one an app's checkContinue listener passes on with
    // emit('request'). It keeps the trace context it began with, is gated once, recorded once.
    const state = answer === Answer.Response ? tracker.stateFor(request) : undefined;
    const begun = state?.tracker === tracker;
    let spanContext: SpanContext | undefined;
    if (traceSource !== TraceContextSource.ServerSpan) {
      if (begun) {
        spanContext = state.spanContext;
        if (spanContext !== undefined) active = trace.setSpanContext(active, spanContext);
      } else {
        const continued = continuedContext(scope, traceSource, active, request);
        if (continued !== undefined) {
          active = continued;
          spanContext = trace.getSpanContext(active);
        }
      }
    }
    if (state !== undefined) {
      const response = args[1] as ServerResponse;
      requestContext =
        begun && state.response === response
          ? state.context
          : tracker.beginResponse(state, request, response, spanContext);
      if (!begun && tracker.refuseResponse(state, response)) return true;
    } else if (answer === Answer.Socket) {
      const socket = args[1] as Duplex;
      requestContext = tracker.beginRaw(request, socket, spanContext);
      if (tracker.refuseRaw(request, socket)) return true;
    } else {
      const stream = args[0] as ServerHttp2Stream;
      requestContext = tracker.beginStream(request, stream, spanContext);
      if (tracker.refuseStream(request, stream)) return true;
    }
  } catch (error) {
    recordFault('request scope', error);
    return original.call(this, event, ...args);
  }
  return context.with(setRequestContext(active, requestContext), dispatch, this, original, tracker, event, args);
}

/**
 * `active` with the trace context a request no server span covers continues (`source`: the
 * caller's, or else a new trace when the source says so), or undefined when it starts none.
 */
function continuedContext(
  scope: Scope,
  source: TraceContextSource.Incoming | TraceContextSource.IncomingOrNew,
  active: Context,
  request: IncomingMessage,
): Context | undefined {
  return source === TraceContextSource.IncomingOrNew
    ? requestTraceContext(active, request, scope.sampleNewTrace)
    : incomingTraceContext(active, request);
}

/**
 * Published by node:http(s) for every request, with its response, once the response exists and
 * before Node hands the request to a listener or answers it itself.
 */
const REQUEST_START = 'http.server.request.start';

/** node:http's own test of an `Expect:` value for 100-continue (lib/_http_server.js). */
const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;

interface RequestStart {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly server: { readonly requireHostHeader?: boolean; listenerCount(event: string): number };
}

/**
 * Whether Node answers the request itself, handing it to no listener (its checks, in its order, in
 * lib/_http_server.js): an HTTP/1.1 request without a Host while the server requires one (400), or
 * else one whose `Expect:` is not `100-continue` to a server without a `checkExpectation` listener
 * (417; 503 first when past `maxRequestsPerSocket`).
 */
function answeredByNode({ request, server }: RequestStart): boolean {
  if (request.httpVersionMajor !== 1 || request.httpVersionMinor !== 1) return false;
  const { host, expect } = request.headers;
  if (host === undefined && server.requireHostHeader === true) return true;
  return expect !== undefined && !CONTINUE_EXPECTATION.test(expect) && server.listenerCount('checkExpectation') === 0;
}

/**
 * A node:http(s) request is starting: one Node answers itself, before and without any event
 * ({@link answeredByNode}), is followed from here; every other request is followed where its event
 * is dispatched. An exception here would be thrown at the app by diagnostics_channel: none leaves.
 */
function onRequestStart(scope: Scope, message: unknown): void {
  const tracker = scope.tracker;
  if (tracker === undefined) return;
  try {
    const start = message as RequestStart;
    if (!answeredByNode(start)) return;
    const continued = continuedContext(scope, scope.otherTrace, context.active(), start.request);
    tracker.beginAnsweredByNode(start.request, start.response, continued && trace.getSpanContext(continued));
  } catch (error) {
    recordFault('request scope', error);
  }
}

/**
 * Runs every HTTP(S) server `request` listener, and every node:http2 server `stream` listener, inside an
 * OTel Context that carries the request's RequestContext, so `getCorrelationId()`, `setIdentity()` and
 * log processors find it in any async continuation of the request. The `upgrade`, `connect`,
 * `checkContinue` and `checkExpectation` listeners Node calls instead of `request` for some requests
 * run in it too. It wraps
 * `http.Server.prototype.emit`, `https.Server.prototype.emit` and the `emit` of node:http2's two
 * server prototypes (core API `stream`, and the compatibility API's `request` built from it), as
 * instrumentation-http does for the first two, and composes with it in either order: whichever
 * wraps the other, the listener sees both the server span and the request context.
 *
 * `enable()` patches the prototypes at once (the core modules are loaded before any app code, so
 * no require hook is needed; the module definitions re-apply the patch if one fires). `disable()`
 * restores each prototype as it was (an inherited `emit` becomes inherited again). When another instrumentation wrapped `emit` after this one, taking
 * this wrapper out would drop theirs too, so it stays in the chain and passes every event straight
 * through until enabled again. One instance per process: two enabled instances would each track
 * every request.
 */
export class RequestScopeInstrumentation extends InstrumentationBase<RequestScopeInstrumentationConfig> {
  constructor(config: RequestScopeInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** The core `http` and `https` modules, any version (they ship with Node, `engines` >= 22.15). */
  protected init(): InstrumentationNodeModuleDefinition[] {
    const definition = (name: string): InstrumentationNodeModuleDefinition =>
      new InstrumentationNodeModuleDefinition(
        name,
        ['*'],
        (moduleExports: ServerModule) => {
          this.patchServer(moduleExports.Server.prototype);
          return moduleExports;
        },
        (moduleExports?: ServerModule) => {
          if (moduleExports !== undefined) this.unpatchServer(moduleExports.Server.prototype);
        },
      );
    return [definition('http'), definition('https')];
  }

  override enable(): void {
    super.enable();
    const scope = this.scope();
    scope.tracker = this.getConfig().tracker;
    const continueTraceContext = this.getConfig().continueTraceContext ?? false;
    scope.requestTrace = continueTraceContext ? TraceContextSource.IncomingOrNew : TraceContextSource.ServerSpan;
    scope.otherTrace = continueTraceContext ? TraceContextSource.IncomingOrNew : TraceContextSource.Incoming;
    scope.sampleNewTrace = this.getConfig().sampleNewTrace ?? sampleEvery;
    this.patchServer(http.Server.prototype as unknown as ServerPrototype);
    this.patchServer(https.Server.prototype as unknown as ServerPrototype);
    for (const prototype of http2ServerPrototypes()) this.patchServer(prototype, scopedHttp2Emit);
    // Every request's start then calls it: only while there is a tracker to follow one with.
    if (scope.tracker !== undefined && scope.requestStart === undefined) {
      const requestStart = (message: unknown): void => onRequestStart(scope, message);
      subscribe(REQUEST_START, requestStart);
      scope.requestStart = requestStart;
    }
  }

  override disable(): void {
    super.disable();
    const scope = this.scope();
    scope.tracker = undefined;
    this.unpatchServer(http.Server.prototype as unknown as ServerPrototype);
    this.unpatchServer(https.Server.prototype as unknown as ServerPrototype);
    for (const prototype of http2ServerPrototypes()) this.unpatchServer(prototype);
    if (scope.requestStart !== undefined) {
      unsubscribe(REQUEST_START, scope.requestStart);
      scope.requestStart = undefined;
    }
  }

  private scope(): Scope {
    let scope = scopes.get(this);
    if (scope === undefined) {
      scope = {
        tracker: undefined,
        requestTrace: TraceContextSource.ServerSpan,
        otherTrace: TraceContextSource.Incoming,
        sampleNewTrace: sampleEvery,
        patches: new Map(),
        requestStart: undefined,
      };
      scopes.set(this, scope);
    }
    return scope;
  }

  private patchServer(prototype: ServerPrototype, wrap = scopedEmit): void {
    const scope = this.scope();
    // Still in the chain (left there by a disable() under another wrapper): it acts again as is.
    if (scope.patches.has(prototype)) return;
    const ownEmit = Object.getOwnPropertyDescriptor(prototype, 'emit');
    const scoped = wrap(prototype.emit, scope);
    prototype.emit = scoped;
    scope.patches.set(prototype, { ownEmit, scoped });
  }

  private unpatchServer(prototype: ServerPrototype): void {
    const scope = this.scope();
    const patch = scope.patches.get(prototype);
    if (patch === undefined || prototype.emit !== patch.scoped) return;
    if (patch.ownEmit === undefined) delete (prototype as Partial<ServerPrototype>).emit;
    else Object.defineProperty(prototype, 'emit', patch.ownEmit);
    scope.patches.delete(prototype);
  }
}
