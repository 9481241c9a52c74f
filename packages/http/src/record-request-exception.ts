import type { IncomingMessage } from 'node:http';
import { getRequestState } from './request-state.js';

/**
 * Reports an exception the app's framework caught — in an Express error middleware, a Fastify
 * error handler (`request.raw`) — so the request's `apitrail.server_error` event carries its
 * sanitised type, message and stack. apitrail sees by itself only exceptions that escape the
 * node:http listener; a framework turns the others into a 500 first. The event goes out with the
 * response, and only if it is a 5xx (an app may map an exception to a 4xx). The first report of a
 * request counts; outside a tracked request this does nothing.
 */
export function recordRequestException(request: IncomingMessage, error: unknown): void {
  const state = getRequestState(request);
  if (state !== undefined) state.caughtException ??= { error };
}
