import type { Attributes, Context } from '@opentelemetry/api';
import {
  ATTR_AUTH_METHOD,
  ATTR_AUTH_TOKEN_ID,
  ATTR_AUTHZ_RESOURCE,
  ATTR_EVENT_ACTION,
  ATTR_EVENT_CATEGORY,
  ATTR_EVENT_KIND,
  ATTR_EVENT_OUTCOME,
  ATTR_EVENT_REASON,
  ATTR_EVENT_TYPE,
  ATTR_INPUT_VALIDATION_FIELD,
  ATTR_RATE_LIMIT_NAME,
  ATTR_USER_ID,
  OWASP_EVENTS,
  SECURITY_LOGGER_NAME,
  globalLogger,
  guard,
  neutralizeControlCharacters,
  truncate,
  type AuthenticationMethod,
} from '@apitrail/core/internal';
import { securityEventKind, type SecurityEventName } from './security-event-catalog.js';

/** Longest description kept; security events are alerts, not payload dumps. */
const MAX_DESCRIPTION_LENGTH = 1024;

const logger = globalLogger(SECURITY_LOGGER_NAME);

/** Parameters every security event takes. Identity of the current request is added automatically. */
export interface SecurityEventParams {
  /** Human-readable description (OWASP `description`); control characters are neutralised. */
  description?: string;
  /** Machine-readable reason (`tenant_mismatch`, `expired_token`, ...), becomes `event.reason`. */
  reason?: string;
  /** The user the event is about, when it is not (yet) the request's identity. */
  userId?: string;
  /** Further attributes; names should come from `@apitrail/core`'s semconv module. */
  attributes?: Attributes;
}

export interface AuthnParams extends SecurityEventParams {
  method?: AuthenticationMethod;
}

export interface AuthzParams extends SecurityEventParams {
  /** What access was refused to (a route or resource id). */
  resource?: string;
}

export interface InputValidationParams extends SecurityEventParams {
  /** Name of the field that failed validation (never its value). */
  field?: string;
}

export interface RateLimitParams extends SecurityEventParams {
  /** The limit as the app names it, such as `120/min`. */
  limit?: string;
}

export interface TokenParams extends SecurityEventParams {
  /** The token's id (never the token). */
  tokenId: string;
}

function defined(attributes: Record<string, string | undefined>): Attributes {
  const result: Attributes = {};
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) result[name] = value;
  return result;
}

/**
 * Emits one security event through the OTel Logs API: the OWASP name as the LogRecord EventName,
 * the OWASP level, and ECS `event.*` fields. Inside a request, the request's identity and
 * correlation id are added by the RequestContextLogRecordProcessor; `context` overrides the
 * active context (apitrail's automatic events pass the finished request's context).
 */
export function emitSecurityEvent(name: SecurityEventName, params: SecurityEventParams = {}, context?: Context): void {
  guard(
    'security event',
    () => {
      const kind = securityEventKind(name);
      const description = params.description ?? (params.reason === undefined ? name : `${name}: ${params.reason}`);
      logger().emit({
        eventName: name,
        severityNumber: kind.severity.number,
        severityText: kind.severity.text,
        body: truncate(neutralizeControlCharacters(description), MAX_DESCRIPTION_LENGTH),
        attributes: {
          ...params.attributes,
          ...defined({ [ATTR_EVENT_REASON]: params.reason, [ATTR_USER_ID]: params.userId }),
          [ATTR_EVENT_KIND]: 'event',
          [ATTR_EVENT_CATEGORY]: kind.category,
          [ATTR_EVENT_TYPE]: kind.type,
          [ATTR_EVENT_OUTCOME]: kind.outcome,
          [ATTR_EVENT_ACTION]: name,
        },
        ...(context === undefined ? {} : { context }),
      });
    },
    undefined,
  );
}

function withAttributes(params: SecurityEventParams, extra: Record<string, string | undefined>): SecurityEventParams {
  return { ...params, attributes: { ...params.attributes, ...defined(extra) } };
}

/**
 * An emitter for one event whose typed parameter (`pick`) becomes one attribute: the explicit
 * events below differ only in their name and that attribute.
 */
function eventWith<P extends SecurityEventParams>(
  name: SecurityEventName,
  attribute: string,
  pick: (params: P) => string | undefined,
): (params?: P) => void {
  return (params = {} as P) => emitSecurityEvent(name, withAttributes(params, { [attribute]: pick(params) }));
}

const authnEvent = (name: SecurityEventName) => eventWith<AuthnParams>(name, ATTR_AUTH_METHOD, (p) => p.method);
const authzEvent = (name: SecurityEventName) => eventWith<AuthzParams>(name, ATTR_AUTHZ_RESOURCE, (p) => p.resource);
const tokenEvent = (name: SecurityEventName): ((params: TokenParams) => void) =>
  eventWith<TokenParams>(name, ATTR_AUTH_TOKEN_ID, (p) => p.tokenId);

/** Explicit security events for app code, named after the OWASP Logging Vocabulary. */
export const securityEvents = {
  authnSuccess: authnEvent(OWASP_EVENTS.authnLoginSuccess),
  authnSuccessAfterFail: authnEvent(OWASP_EVENTS.authnLoginSuccessAfterFail),
  authnFail: authnEvent(OWASP_EVENTS.authnLoginFail),
  authnFailMax: authnEvent(OWASP_EVENTS.authnLoginFailMax),
  authnLock: (params: SecurityEventParams = {}): void => emitSecurityEvent(OWASP_EVENTS.authnLoginLock, params),
  authzFail: authzEvent(OWASP_EVENTS.authzFail),
  authzChange: authzEvent(OWASP_EVENTS.authzChange),
  authzAdmin: authzEvent(OWASP_EVENTS.authzAdmin),
  inputValidationFail: eventWith<InputValidationParams>(
    OWASP_EVENTS.inputValidationFail,
    ATTR_INPUT_VALIDATION_FIELD,
    (p) => p.field,
  ),
  rateLimitExceeded: eventWith<RateLimitParams>(
    OWASP_EVENTS.excessRateLimitExceeded,
    ATTR_RATE_LIMIT_NAME,
    (p) => p.limit,
  ),
  tokenCreated: tokenEvent(OWASP_EVENTS.authnTokenCreated),
  tokenRevoked: tokenEvent(OWASP_EVENTS.authnTokenRevoked),
  tokenReuse: tokenEvent(OWASP_EVENTS.authnTokenReuse),
  tokenDeleted: tokenEvent(OWASP_EVENTS.authnTokenDelete),
  /** Any other OWASP vocabulary event (`malicious_*`, `session_*`, `sys_*`, ...). */
  emit: (name: SecurityEventName, params: SecurityEventParams = {}): void => emitSecurityEvent(name, params),
} as const;
