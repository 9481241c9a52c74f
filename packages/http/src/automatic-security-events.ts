import type { Context } from '@opentelemetry/api';
import {
  APITRAIL_EVENTS,
  ATTR_AUTH_METHOD,
  ATTR_AUTHZ_RESOURCE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_TENANT_CLAIMED_ID,
  OWASP_EVENTS,
  neutralizeControlCharacters,
  truncate,
  type RequestContext,
} from '@apitrail/core';
import { authFailureReason, emitSecurityEvent } from '@apitrail/identity';
import { splitRequestTarget } from './request-url.js';
import type { RequestState } from './request-state.js';

const MAX_STACK_LENGTH = 4096;
const MAX_EXCEPTION_MESSAGE_LENGTH = 512;

function tenantMismatch(requestContext: RequestContext): boolean {
  const claimed = requestContext.claimedTenantId;
  const resolved = requestContext.identity.tenantId;
  return claimed !== undefined && resolved !== undefined && claimed !== resolved;
}

/**
 * The security events a finished response implies: a claimed tenant that differs from the
 * resolved one → `authz_fail` (`tenant_mismatch`); 401 → `authn_login_fail` (with the identity
 * tried, and why when apitrail can tell); 403 → `authz_fail`; 429 → `excess_rate_limit_exceeded`;
 * 400 and 422 → `input_validation_fail`; 5xx → `apitrail.server_error` (unless an exception
 * already reported it, with its stack).
 */
export function emitOutcomeEvents(state: RequestState, statusCode: number, context: Context): void {
  const requestContext = state.context;
  const path = splitRequestTarget(state.url).path;
  const request = `${state.method} ${path} → ${statusCode}`;
  const status = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode };
  const mismatch = tenantMismatch(requestContext);
  if (mismatch) {
    emitSecurityEvent(
      OWASP_EVENTS.authzFail,
      {
        reason: 'tenant_mismatch',
        description: `${request}: claimed tenant differs from the caller's tenant`,
        attributes: {
          ...status,
          [ATTR_AUTHZ_RESOURCE]: path,
          [ATTR_TENANT_CLAIMED_ID]: requestContext.claimedTenantId!,
        },
      },
      context,
    );
  }
  if (statusCode === 401) {
    const reason = authFailureReason(requestContext);
    emitSecurityEvent(
      OWASP_EVENTS.authnLoginFail,
      {
        ...(reason === undefined ? {} : { reason }),
        description: `${request}: authentication failed`,
        attributes: { ...status, [ATTR_AUTH_METHOD]: requestContext.identity.authenticationMethod },
      },
      context,
    );
  } else if (statusCode === 403 && !mismatch) {
    emitSecurityEvent(
      OWASP_EVENTS.authzFail,
      { description: `${request}: access denied`, attributes: { ...status, [ATTR_AUTHZ_RESOURCE]: path } },
      context,
    );
  } else if (statusCode === 429) {
    emitSecurityEvent(
      OWASP_EVENTS.excessRateLimitExceeded,
      { description: `${request}: rate limit exceeded`, attributes: status },
      context,
    );
  } else if (statusCode === 400 || statusCode === 422) {
    emitSecurityEvent(
      OWASP_EVENTS.inputValidationFail,
      { description: `${request}: input validation failed`, attributes: status },
      context,
    );
  } else if (statusCode >= 500 && !state.exceptionReported) {
    emitSecurityEvent(
      APITRAIL_EVENTS.serverError,
      { description: `${request}: server error`, attributes: status },
      context,
    );
  }
}

/**
 * An exception that escaped the app's request listener, as a server error event. The message and
 * stack are neutralised (CWE-117) and bounded; the stack keeps frames, which say where, not what.
 */
export function emitExceptionEvent(state: RequestState, error: unknown, context: Context): void {
  const isError = error instanceof Error;
  const type = isError ? error.name : typeof error;
  const message = isError ? truncate(neutralizeControlCharacters(error.message), MAX_EXCEPTION_MESSAGE_LENGTH) : '';
  const stack =
    isError && error.stack !== undefined ? truncate(neutralizeControlCharacters(error.stack), MAX_STACK_LENGTH) : '';
  state.exceptionReported = true;
  emitSecurityEvent(
    APITRAIL_EVENTS.serverError,
    {
      reason: 'unhandled_exception',
      description: `${state.method} ${splitRequestTarget(state.url).path}: unhandled ${type}`,
      attributes: {
        [ATTR_EXCEPTION_TYPE]: neutralizeControlCharacters(type),
        [ATTR_EXCEPTION_MESSAGE]: message,
        [ATTR_EXCEPTION_STACKTRACE]: stack,
      },
    },
    context,
  );
}
