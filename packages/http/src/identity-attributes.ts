import type { AttributeValue, Attributes } from '@opentelemetry/api';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_IN_QUERY,
  ATTR_API_KEY_NAME,
  ATTR_API_KEY_PREFIX,
  ATTR_API_KEY_STATUS,
  ATTR_AUTH_IS_API_KEY_REQUEST,
  ATTR_AUTH_JWT_ISSUER,
  ATTR_AUTH_METHOD,
  ATTR_CLIENT_ADDRESS,
  ATTR_CORRELATION_ID,
  ATTR_CORRELATION_REJECTED_ID_LENGTH,
  ATTR_TENANT_CLAIMED_ID,
  ATTR_TENANT_ID,
  ATTR_USER_ID,
  type RequestContext,
} from '@apitrail/core/internal';

/**
 * Called with each attribute and the `target` handed to {@link visitIdentityAttributes}: visitors
 * are module-level functions and the target an argument, so no closure is made per request.
 */
export type AttributeVisitor<Target> = (target: Target, name: string, value: AttributeValue) => void;

/**
 * Hands each identity and correlation attribute of a request to `visit`, in a fixed order; absent
 * values are left out rather than written as empty strings. A visitor, so that callers who only
 * look at some of them (the log processor, the span's end hook) build no object.
 */
export function visitIdentityAttributes<Target>(
  requestContext: RequestContext,
  visit: AttributeVisitor<Target>,
  target: Target,
): void {
  const { identity } = requestContext;
  visit(target, ATTR_CORRELATION_ID, requestContext.correlationId);
  visit(target, ATTR_AUTH_METHOD, identity.authenticationMethod);
  visit(target, ATTR_AUTH_IS_API_KEY_REQUEST, identity.isApiKeyRequest);
  if (identity.apiKeyId !== undefined) visit(target, ATTR_API_KEY_ID, identity.apiKeyId);
  if (identity.apiKeyName !== undefined) visit(target, ATTR_API_KEY_NAME, identity.apiKeyName);
  if (identity.apiKeyFingerprint !== undefined) visit(target, ATTR_API_KEY_FINGERPRINT, identity.apiKeyFingerprint);
  if (identity.apiKeyPrefix !== undefined) visit(target, ATTR_API_KEY_PREFIX, identity.apiKeyPrefix);
  if (identity.apiKeyInQuery === true) visit(target, ATTR_API_KEY_IN_QUERY, true);
  if (identity.apiKeyStatus !== undefined) visit(target, ATTR_API_KEY_STATUS, identity.apiKeyStatus);
  if (identity.tenantId !== undefined) visit(target, ATTR_TENANT_ID, identity.tenantId);
  if (identity.userId !== undefined) visit(target, ATTR_USER_ID, identity.userId);
  if (identity.jwtIssuer !== undefined) visit(target, ATTR_AUTH_JWT_ISSUER, identity.jwtIssuer);
  // On the span this replaces instrumentation-http's client.address, which believes any X-Forwarded-For.
  if (requestContext.clientAddress !== undefined) visit(target, ATTR_CLIENT_ADDRESS, requestContext.clientAddress);
  if (requestContext.claimedTenantId !== undefined) {
    visit(target, ATTR_TENANT_CLAIMED_ID, requestContext.claimedTenantId);
  }
  if (requestContext.rejectedCorrelationIdLength !== undefined) {
    visit(target, ATTR_CORRELATION_REJECTED_ID_LENGTH, requestContext.rejectedCorrelationIdLength);
  }
}

/** The visitor that writes each attribute into an Attributes object. */
export function assignAttribute(target: Attributes, name: string, value: AttributeValue): void {
  target[name] = value;
}

/** The identity and correlation attributes of a request, written into `target` (a new object by default). */
export function identityAttributes(requestContext: RequestContext, target: Attributes = {}): Attributes {
  visitIdentityAttributes(requestContext, assignAttribute, target);
  return target;
}
