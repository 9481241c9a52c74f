import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_IN_QUERY,
  ATTR_API_KEY_NAME,
  ATTR_API_KEY_PREFIX,
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

/**
 * The identity and correlation attributes of a request, shared by the server span, the audit
 * record and every log record emitted inside the request. Absent values are left out rather
 * than written as empty strings.
 */
export function identityAttributes(requestContext: RequestContext): Attributes {
  const { identity } = requestContext;
  const attributes: Attributes = {
    [ATTR_CORRELATION_ID]: requestContext.correlationId,
    [ATTR_AUTH_METHOD]: identity.authenticationMethod,
    [ATTR_AUTH_IS_API_KEY_REQUEST]: identity.isApiKeyRequest,
  };
  if (identity.apiKeyId !== undefined) attributes[ATTR_API_KEY_ID] = identity.apiKeyId;
  if (identity.apiKeyName !== undefined) attributes[ATTR_API_KEY_NAME] = identity.apiKeyName;
  if (identity.apiKeyFingerprint !== undefined) attributes[ATTR_API_KEY_FINGERPRINT] = identity.apiKeyFingerprint;
  if (identity.apiKeyPrefix !== undefined) attributes[ATTR_API_KEY_PREFIX] = identity.apiKeyPrefix;
  if (identity.apiKeyInQuery === true) attributes[ATTR_API_KEY_IN_QUERY] = true;
  if (identity.tenantId !== undefined) attributes[ATTR_TENANT_ID] = identity.tenantId;
  if (identity.userId !== undefined) attributes[ATTR_USER_ID] = identity.userId;
  if (identity.jwtIssuer !== undefined) attributes[ATTR_AUTH_JWT_ISSUER] = identity.jwtIssuer;
  // On the span this replaces instrumentation-http's client.address, which believes any X-Forwarded-For.
  if (requestContext.clientAddress !== undefined) attributes[ATTR_CLIENT_ADDRESS] = requestContext.clientAddress;
  if (requestContext.claimedTenantId !== undefined) attributes[ATTR_TENANT_CLAIMED_ID] = requestContext.claimedTenantId;
  if (requestContext.rejectedCorrelationIdLength !== undefined) {
    attributes[ATTR_CORRELATION_REJECTED_ID_LENGTH] = requestContext.rejectedCorrelationIdLength;
  }
  return attributes;
}
