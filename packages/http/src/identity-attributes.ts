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
} from '@apitrail/core';

export type AttributeVisitor = (name: string, value: AttributeValue) => void;

/**
 * Hands each identity and correlation attribute of a request to `visit`, in a fixed order; absent
 * values are left out rather than written as empty strings. A visitor, so that callers who only
 * look at some of them (the log processor, the span's end hook) build no object.
 */
export function visitIdentityAttributes(requestContext: RequestContext, visit: AttributeVisitor): void {
  const { identity } = requestContext;
  visit(ATTR_CORRELATION_ID, requestContext.correlationId);
  visit(ATTR_AUTH_METHOD, identity.authenticationMethod);
  visit(ATTR_AUTH_IS_API_KEY_REQUEST, identity.isApiKeyRequest);
  if (identity.apiKeyId !== undefined) visit(ATTR_API_KEY_ID, identity.apiKeyId);
  if (identity.apiKeyName !== undefined) visit(ATTR_API_KEY_NAME, identity.apiKeyName);
  if (identity.apiKeyFingerprint !== undefined) visit(ATTR_API_KEY_FINGERPRINT, identity.apiKeyFingerprint);
  if (identity.apiKeyPrefix !== undefined) visit(ATTR_API_KEY_PREFIX, identity.apiKeyPrefix);
  if (identity.apiKeyInQuery === true) visit(ATTR_API_KEY_IN_QUERY, true);
  if (identity.apiKeyStatus !== undefined) visit(ATTR_API_KEY_STATUS, identity.apiKeyStatus);
  if (identity.tenantId !== undefined) visit(ATTR_TENANT_ID, identity.tenantId);
  if (identity.userId !== undefined) visit(ATTR_USER_ID, identity.userId);
  if (identity.jwtIssuer !== undefined) visit(ATTR_AUTH_JWT_ISSUER, identity.jwtIssuer);
  // On the span this replaces instrumentation-http's client.address, which believes any X-Forwarded-For.
  if (requestContext.clientAddress !== undefined) visit(ATTR_CLIENT_ADDRESS, requestContext.clientAddress);
  if (requestContext.claimedTenantId !== undefined) visit(ATTR_TENANT_CLAIMED_ID, requestContext.claimedTenantId);
  if (requestContext.rejectedCorrelationIdLength !== undefined) {
    visit(ATTR_CORRELATION_REJECTED_ID_LENGTH, requestContext.rejectedCorrelationIdLength);
  }
}

/** The identity and correlation attributes of a request, written into `target` (a new object by default). */
export function identityAttributes(requestContext: RequestContext, target: Attributes = {}): Attributes {
  visitIdentityAttributes(requestContext, (name, value) => {
    target[name] = value;
  });
  return target;
}
