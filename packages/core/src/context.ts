import { context, createContextKey, type Context } from '@opentelemetry/api';

/** How the caller authenticated, as in Prowler's `authentication_method`. */
export type AuthenticationMethod = 'api_key' | 'jwt' | 'basic' | 'session' | 'unauthenticated';

/** A known key past the end of its life (an active key has no status). */
export type ApiKeyStatus = 'revoked' | 'expired';

/** Who is calling. Never holds the credential itself, only names for it. */
export interface RequestIdentity {
  apiKeyId?: string;
  apiKeyName?: string;
  apiKeyFingerprint?: string;
  apiKeyPrefix?: string;
  apiKeyInQuery?: boolean;
  /** Set when a known key was presented after it was revoked or expired. */
  apiKeyStatus?: ApiKeyStatus;
  tenantId?: string;
  userId?: string;
  /** `iss` of an unverified JWT, when APITRAIL_JWT_IDENTITY_CLAIMS includes it. */
  jwtIssuer?: string;
  authenticationMethod: AuthenticationMethod;
  isApiKeyRequest: boolean;
}

/**
 * What apitrail knows about the request being served. One mutable object per request, reachable
 * from the OTel Context of everything that runs on the request's behalf, so app code can annotate
 * it (`setIdentity`) and every log record emitted inside the request can read it.
 */
export interface RequestContext {
  readonly correlationId: string;
  /** Length of an incoming correlation id that was refused; the value itself is never kept. */
  readonly rejectedCorrelationIdLength?: number;
  /** Set when the refused correlation id was a credential (an `input_validation_fail` reports it). */
  readonly correlationIdWasCredential?: true;
  readonly clientAddress?: string;
  /** Tenant the client claimed in a header that is not trusted. */
  claimedTenantId?: string;
  identity: RequestIdentity;
  /**
   * API keys the request carries besides the one its identity names (another key header, the query
   * parameter, `X-API-Key` beside a JWT or an unreadable `Authorization`), each as a registry key id
   * and/or fingerprint. Only the quarantine gate reads them: the app may authenticate with any of them.
   */
  otherApiKeys?: readonly Pick<RequestIdentity, 'apiKeyId' | 'apiKeyFingerprint'>[];
  /** Set when the app annotated the identity itself: that wins over anything apitrail inferred. */
  identitySource?: 'app' | 'resolver' | 'registry' | 'fingerprint' | 'basic' | 'jwt';
}

const REQUEST_CONTEXT_KEY = createContextKey('apitrail.request_context');

export const UNAUTHENTICATED: Readonly<RequestIdentity> = Object.freeze({
  authenticationMethod: 'unauthenticated',
  isApiKeyRequest: false,
});

/** The request context carried by `ctx` (the active context by default), if any. */
export function getRequestContext(ctx: Context = context.active()): RequestContext | undefined {
  return ctx.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
}

/** `ctx` with `requestContext` attached. */
export function setRequestContext(ctx: Context, requestContext: RequestContext): Context {
  return ctx.setValue(REQUEST_CONTEXT_KEY, requestContext);
}

/** The correlation (request) id of the request being served, anywhere in its async context. */
export function getCorrelationId(): string | undefined {
  return getRequestContext()?.correlationId;
}
