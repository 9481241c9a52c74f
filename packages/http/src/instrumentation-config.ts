import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { ATTR_EVENT_OUTCOME, ATTR_REQUEST_ABORTED, recordFault, type RequestContext } from '@apitrail/core/internal';
import { eventOutcome, outcomeOf } from './audit-record.js';
import { identityAttributes, visitIdentityAttributes } from './identity-attributes.js';
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

/** Set by {@link compareWithPrevious}: visits are synchronous, so one module-level flag serves every request. */
let allSame = true;

function compareWithPrevious(previous: Attributes, name: string, value: AttributeValue): void {
  if (previous[name] !== value) allSame = false;
}

/** Whether the request's identity attributes are still the ones in `previous` (what the span started with). */
function unchanged(requestContext: RequestContext, previous: Attributes | undefined): boolean {
  if (previous === undefined) return false;
  allSame = true;
  visitIdentityAttributes(requestContext, compareWithPrevious, previous);
  return allSame;
}

/**
 * Hooks for `@opentelemetry/instrumentation-http` that put the caller's identity and correlation
 * id on the server span: at span start (so samplers can use them) and again when the response
 * ends if they changed meanwhile (the app may have called `setIdentity()`, an async resolver may
 * have answered). At the end the span also gets the request's outcome, as the audit record has it:
 * `event.outcome`, and `apitrail.request.aborted` when the client went away first. The app's own hooks in `base` still run, after apitrail's. When API keys may
 * arrive in `apiKeyQueryParam`, its value is redacted from the span's `url.query`.
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
      let attributes: Attributes = {};
      try {
        const state = tracker.stateFor(request);
        attributes = identityAttributes(state.context);
        // An app hook's attributes win at the start, so the end hook then always writes ours again.
        if (base.startIncomingSpanHook === undefined) state.spanStartAttributes = attributes;
      } catch (error) {
        recordFault('startIncomingSpanHook', error);
      }
      return base.startIncomingSpanHook ? { ...attributes, ...base.startIncomingSpanHook(request) } : attributes;
    },
    requestHook(span, request) {
      if (isIncoming(request)) {
        try {
          tracker.attachSpan(request, span);
        } catch (error) {
          recordFault('requestHook', error);
        }
      }
      base.requestHook?.(span, request);
    },
    // instrumentation-http has just set http.response.status_code itself; identity and outcome are left.
    applyCustomAttributesOnSpan(span, request, response) {
      if (isIncoming(request)) {
        try {
          const { context, spanStartAttributes } = tracker.stateFor(request);
          // An incoming request: this is the server span, and the response is a ServerResponse.
          const outcome = outcomeOf(response as ServerResponse);
          const end: Attributes = unchanged(context, spanStartAttributes) ? {} : identityAttributes(context);
          end[ATTR_EVENT_OUTCOME] = eventOutcome(outcome);
          if (outcome.aborted) end[ATTR_REQUEST_ABORTED] = true;
          span.setAttributes(end);
        } catch (error) {
          recordFault('applyCustomAttributesOnSpan', error);
        }
      }
      base.applyCustomAttributesOnSpan?.(span, request, response);
    },
  };
}
