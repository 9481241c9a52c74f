import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { guard, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@apitrail/core';
import { identityAttributes } from './identity-attributes.js';
import type { RequestTracker } from './request-tracker.js';

function isIncoming(message: unknown): message is IncomingMessage {
  return typeof message === 'object' && message !== null && 'socket' in message && 'httpVersion' in message;
}

/**
 * Hooks for `@opentelemetry/instrumentation-http` that put the caller's identity and correlation
 * id on the server span: at span start (so samplers can use them) and again when the response
 * ends (the app may have called `setIdentity()` meanwhile). The app's own hooks in `base` still
 * run, after apitrail's.
 */
export function apitrailHttpInstrumentationConfig(
  tracker: RequestTracker,
  base: HttpInstrumentationConfig = {},
): HttpInstrumentationConfig {
  return {
    ...base,
    startIncomingSpanHook(request) {
      const attributes = guard('startIncomingSpanHook', () => identityAttributes(tracker.contextFor(request)), {});
      return base.startIncomingSpanHook ? { ...attributes, ...base.startIncomingSpanHook(request) } : attributes;
    },
    requestHook(span, request) {
      if (isIncoming(request)) guard('requestHook', () => tracker.attachSpan(request, span), undefined);
      base.requestHook?.(span, request);
    },
    applyCustomAttributesOnSpan(span, request, response) {
      if (isIncoming(request)) {
        guard(
          'applyCustomAttributesOnSpan',
          () => {
            span.setAttributes(identityAttributes(tracker.contextFor(request)));
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, (response as ServerResponse).statusCode);
          },
          undefined,
        );
      }
      base.applyCustomAttributesOnSpan?.(span, request, response);
    },
  };
}
