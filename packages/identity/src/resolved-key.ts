import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  ATTR_API_KEY_STATUS,
  ATTR_AUTH_TOKEN_ID,
  OWASP_EVENTS,
  setRequestContext,
  truncate,
  type RequestContext,
} from '@apitrail/core/internal';
import type { CachedResolution } from './cached-api-key-resolver.js';
import { keyStatusAt, type ResolvedApiKey } from './key-registry.js';
import { setAuthFailureReason, setPendingResolution } from './resolution-state.js';
import { emitSecurityEvent } from './security-events.js';
import { MAX_IDENTITY_VALUE_LENGTH } from './set-identity.js';

/**
 * Puts what the resolver or the registry knows about the presented key on the request's identity:
 * id, name, tenant, user, and the key's status when it is past its life.
 */
export function applyResolvedKey(
  requestContext: RequestContext,
  resolved: ResolvedApiKey,
  source: 'resolver' | 'registry',
): void {
  // The app's own annotation wins, even over an answer that arrives after it.
  if (requestContext.identitySource === 'app') return;
  const identity = { ...requestContext.identity, apiKeyId: truncate(resolved.id, MAX_IDENTITY_VALUE_LENGTH) };
  // The resolver looked up the whole secret: a registry prefix match before it is no longer a mere
  // claim (the detector counts a claim apart from the key, and never quarantines on it).
  if (source === 'resolver') delete identity.apiKeyPrefix;
  if (resolved.name !== undefined) identity.apiKeyName = truncate(resolved.name, MAX_IDENTITY_VALUE_LENGTH);
  if (resolved.tenantId !== undefined) identity.tenantId = truncate(resolved.tenantId, MAX_IDENTITY_VALUE_LENGTH);
  if (resolved.userId !== undefined) identity.userId = truncate(resolved.userId, MAX_IDENTITY_VALUE_LENGTH);
  const status = keyStatusAt(resolved, Date.now());
  if (status !== undefined) identity.apiKeyStatus = status;
  requestContext.identity = identity;
  requestContext.identitySource = source;
  setAuthFailureReason(requestContext, status === undefined ? undefined : `${status}_api_key`);
  if (status !== undefined) reportKeyReuse(requestContext, identity.apiKeyId!, status);
}

/**
 * Applies the app resolver's answer (`undefined`: the resolver failed); a pending answer is applied
 * when it arrives. Whether the key is known, or may be once the answer arrives.
 */
export function applyResolution(requestContext: RequestContext, resolution: CachedResolution | undefined): boolean {
  if (resolution === undefined || resolution === null) return false;
  if (resolution instanceof Promise) {
    setPendingResolution(
      requestContext,
      resolution.then((value) => {
        if (value !== null) applyResolvedKey(requestContext, value, 'resolver');
      }),
    );
    return true;
  }
  applyResolvedKey(requestContext, resolution, 'resolver');
  return true;
}

/**
 * A known key presented after it was revoked or expired: recognised as that key (not "unknown"),
 * and reported at once as `authn_token_reuse` (CRITICAL), whatever the app answers.
 */
function reportKeyReuse(requestContext: RequestContext, keyId: string, status: 'revoked' | 'expired'): void {
  emitSecurityEvent(
    OWASP_EVENTS.authnTokenReuse,
    {
      reason: `${status}_api_key`,
      description: `API key ${keyId} used after it was ${status}`,
      attributes: { [ATTR_AUTH_TOKEN_ID]: keyId, [ATTR_API_KEY_STATUS]: status },
    },
    setRequestContext(ROOT_CONTEXT, requestContext),
  );
}
