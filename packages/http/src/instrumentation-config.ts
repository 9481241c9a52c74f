import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { guard, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@apitrail/core';
import { identityAttributes } from './identity-attributes.js';
import type { RequestTracker } from './request-tracker.js';

/** instrumentation-http's own default list, which an explicit list replaces rather than extends. */
const SEMCONV_REDACTED_QUERY_PARAMS = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

function isIncoming(message: unknown): message is IncomingMessage {
  return typeof message === 'object' && message !== null && 'socket' in message && 'httpVersion' in message;
}

/**
 * Hooks for `@opentelemetry/instrumentation-http` that put the caller's identity and correlation
 * id on the server span: at span start (so samplers can use them) and again when the response
 * ends (the app may have called `setIdentity()` meanwhile). The app's own hooks in `base` still
 * run, after apitrail's. When API keys may arrive in `apiKeyQueryParam`, its value is redacted
 * from the span's `url.query`.
 */
export function apitrailHttpInstrumentationConfig(
  tracker: RequestTracker,
  base: HttpInstrumentationConfig = {},
  apiKeyQueryParam?: string,
): HttpInstrumentationConfig {
  return {
    ...base,
    ...(apiKeyQueryParam === undefined
      ? {}
      : {
          redactedQueryParamsServer: [
            ...(base.redactedQueryParamsServer ?? SEMCONV_REDACTED_QUERY_PARAMS),
            apiKeyQueryParam,
          ],
        }),
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
