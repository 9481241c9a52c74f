import type { Attributes, Context } from '@opentelemetry/api';
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
} from '@apitrail/core/internal';
import { authFailureReason, emitSecurityEvent, type SecurityEventName } from '@apitrail/identity/internal';
import type { FinishedRequest } from './audit-record.js';
import { splitRequestTarget } from './request-url.js';
import type { RequestState } from './request-state.js';

const MAX_STACK_LENGTH = 4096;
const MAX_EXCEPTION_MESSAGE_LENGTH = 512;

function tenantMismatch(requestContext: RequestContext): boolean {
  const claimed = requestContext.claimedTenantId;
  const resolved = requestContext.identity.tenantId;
  return claimed !== undefined && resolved !== undefined && claimed !== resolved;
}

/** One security event about a finished response, described by what happened to it. */
function emitOutcomeEvent(
  finished: FinishedRequest,
  name: SecurityEventName,
  what: string,
  attributes: Attributes,
  reason?: string,
): void {
  const { statusCode } = finished.outcome;
  emitSecurityEvent(
    name,
    {
      ...(reason === undefined ? {} : { reason }),
      description: `${finished.state.method} ${finished.target.path} → ${statusCode}: ${what}`,
      attributes: { [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode, ...attributes },
    },
    finished.context,
  );
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The security events a finished response implies: a correlation id header that held a credential
 * → `input_validation_fail` (`correlation_id_credential`; the id was replaced); a claimed tenant that differs from the
 * resolved one → `authz_fail` (`tenant_mismatch`); 401 → `authn_login_fail` (with the identity
 * tried, and why when apitrail can tell); 403 → `authz_fail`; 429 → `excess_rate_limit_exceeded`;
 * 400 and 422 → `input_validation_fail`; 5xx → `apitrail.server_error` (unless an exception
 * already reported it, with its stack). Most responses imply none, so nothing is built before
 * an event is certain.
 */
export function emitOutcomeEvents(finished: FinishedRequest): void {
  const { state } = finished;
  const { statusCode } = finished.outcome;
  const requestContext = state.context;
  const { path } = finished.target;
  const mismatch = tenantMismatch(requestContext);
  if (requestContext.correlationIdWasCredential) {
    emitOutcomeEvent(
      finished,
      OWASP_EVENTS.inputValidationFail,
      'the correlation id header held a credential; a generated id replaced it',
      NO_ATTRIBUTES,
      'correlation_id_credential',
    );
  }
  if (mismatch) {
    emitOutcomeEvent(
      finished,
      OWASP_EVENTS.authzFail,
      "claimed tenant differs from the caller's tenant",
      { [ATTR_AUTHZ_RESOURCE]: path, [ATTR_TENANT_CLAIMED_ID]: requestContext.claimedTenantId! },
      'tenant_mismatch',
    );
  }
  if (statusCode < 400) return;
  if (statusCode === 401) {
    emitOutcomeEvent(
      finished,
      OWASP_EVENTS.authnLoginFail,
      'authentication failed',
      { [ATTR_AUTH_METHOD]: requestContext.identity.authenticationMethod },
      authFailureReason(requestContext),
    );
  } else if (statusCode === 403 && !mismatch) {
    emitOutcomeEvent(finished, OWASP_EVENTS.authzFail, 'access denied', { [ATTR_AUTHZ_RESOURCE]: path });
  } else if (statusCode === 429) {
    emitOutcomeEvent(finished, OWASP_EVENTS.excessRateLimitExceeded, 'rate limit exceeded', NO_ATTRIBUTES);
  } else if (statusCode === 400 || statusCode === 422) {
    emitOutcomeEvent(finished, OWASP_EVENTS.inputValidationFail, 'input validation failed', NO_ATTRIBUTES);
  } else if (statusCode >= 500 && !state.exceptionReported) {
    if (state.caughtException === undefined) {
      emitOutcomeEvent(finished, APITRAIL_EVENTS.serverError, 'server error', NO_ATTRIBUTES);
    } else {
      const { type, attributes } = exceptionAttributes(state.caughtException.error);
      emitOutcomeEvent(finished, APITRAIL_EVENTS.serverError, `caught ${type}`, attributes, 'caught_exception');
    }
  }
}

/**
 * An exception's type, message and stack as event attributes, neutralised (CWE-117) and bounded;
 * the stack keeps frames, which say where, not what.
 */
function exceptionAttributes(error: unknown): { type: string; attributes: Attributes } {
  const isError = error instanceof Error;
  const type = neutralizeControlCharacters(isError ? error.name : typeof error);
  const message = isError ? truncate(neutralizeControlCharacters(error.message), MAX_EXCEPTION_MESSAGE_LENGTH) : '';
  const stack =
    isError && error.stack !== undefined ? truncate(neutralizeControlCharacters(error.stack), MAX_STACK_LENGTH) : '';
  return {
    type,
    attributes: { [ATTR_EXCEPTION_TYPE]: type, [ATTR_EXCEPTION_MESSAGE]: message, [ATTR_EXCEPTION_STACKTRACE]: stack },
  };
}

/** An exception that escaped the app's request listener, at once: the process may not survive it. */
export function emitExceptionEvent(state: RequestState, error: unknown, context: Context): void {
  if (state.exceptionReported === true) return;
  state.exceptionReported = true;
  const { type, attributes } = exceptionAttributes(error);
  emitSecurityEvent(
    APITRAIL_EVENTS.serverError,
    {
      reason: 'unhandled_exception',
      description: `${state.method} ${splitRequestTarget(state.url).path}: unhandled ${type}`,
      attributes,
    },
    context,
  );
}
