import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import { guard, setRequestContext } from '@apitrail/core';
import type { RequestTracker } from './request-tracker.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

const PATCHED = Symbol.for('apitrail.request_scope');

interface Patchable {
  emit: Emit & { [PATCHED]?: true };
}

let activeTracker: RequestTracker | undefined;

function patch(prototype: Patchable): void {
  if (prototype.emit[PATCHED]) return;
  const original = prototype.emit;
  const emit: Emit & { [PATCHED]?: true } = function (this: unknown, event, ...args) {
    const tracker = activeTracker;
    if (event !== 'request' || tracker === undefined) return original.call(this, event, ...args);
    const [request, response] = args as [IncomingMessage, ServerResponse];
    const requestContext = guard('request scope', () => tracker.begin(request, response), undefined);
    if (requestContext === undefined) return original.call(this, event, ...args);
    return context.with(setRequestContext(context.active(), requestContext), () => {
      try {
        return original.call(this, event, ...args);
      } catch (error) {
        guard('request scope', () => tracker.reportException(request, error), undefined);
        throw error;
      }
    });
  };
  emit[PATCHED] = true;
  prototype.emit = emit;
}

/**
 * Runs every HTTP(S) server `request` listener inside an OTel Context that carries the request's
 * RequestContext, so `getCorrelationId()`, `setIdentity()` and log processors find it in any async
 * continuation of the request. It patches `Server.prototype.emit`, as instrumentation-http does,
 * and composes with it in either order: whichever wraps the other, the listener sees both the
 * server span and the request context.
 *
 * The patch is applied once per process; the returned function detaches `tracker` (the patch then
 * passes every event straight through).
 */
export function installRequestScope(tracker: RequestTracker): () => void {
  patch(http.Server.prototype as unknown as Patchable);
  patch(https.Server.prototype as unknown as Patchable);
  activeTracker = tracker;
  return () => {
    if (activeTracker === tracker) activeTracker = undefined;
  };
}
