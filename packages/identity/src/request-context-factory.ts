import type { IncomingMessage } from 'node:http';
import { UNAUTHENTICATED, type RequestContext } from '@apitrail/core';
import { DEFAULT_CORRELATION_HEADERS, decideCorrelationId } from './correlation.js';

export interface IdentityOptions {
  /** Incoming headers that may carry a correlation id, in order of preference. */
  correlationHeaders?: readonly string[];
}

/** Builds the {@link RequestContext} of an incoming request. Called once, when the request arrives. */
export type RequestContextFactory = (request: IncomingMessage) => RequestContext;

export function createRequestContextFactory(options: IdentityOptions = {}): RequestContextFactory {
  const correlationHeaders = (options.correlationHeaders ?? DEFAULT_CORRELATION_HEADERS).map((h) => h.toLowerCase());
  return (request) => {
    const correlation = decideCorrelationId(request.headers, correlationHeaders);
    return {
      correlationId: correlation.correlationId,
      ...(correlation.rejectedLength === undefined ? {} : { rejectedCorrelationIdLength: correlation.rejectedLength }),
      ...(request.socket.remoteAddress === undefined ? {} : { clientAddress: request.socket.remoteAddress }),
      identity: { ...UNAUTHENTICATED },
    };
  };
}
