// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/identity' (src/index.ts).
export {
  decideCorrelationId,
  uuidv7,
  DEFAULT_CORRELATION_HEADERS,
  type CorrelationDecision,
  type CredentialCheck,
} from './correlation.js';
export {
  createRequestContextFactory,
  type IdentityOptions,
  type RequestContextFactory,
} from './request-context-factory.js';
export { CachedApiKeyResolver, type ApiKeyResolver, type CachedResolution } from './cached-api-key-resolver.js';
export { applyResolution, applyResolvedKey } from './resolved-key.js';
export {
  readIdentityConfig,
  warnAboutEphemeralFingerprintKey,
  AUDIT_SCOPES,
  DEFAULT_API_KEY_HEADERS,
  DEFAULT_TENANT_HEADER,
  type AuditScope,
  type IdentityConfig,
} from './config.js';
export {
  createKeyRegistry,
  keyStatusAt,
  type KeyLifecycleFields,
  type KeyRegistry,
  type RegistryMatch,
  type ResolvedApiKey,
} from './key-registry.js';
export {
  keyLifecycle,
  emitRegistryChanges,
  KeyRegistryFile,
  REGISTRY_FILE_ACTOR,
  type KeyChange,
  type KeyLifecycleParams,
  type KeyRotationParams,
} from './key-lifecycle.js';
export { parseTrustedProxies, clientAddressOf, type TrustedProxies } from './trusted-proxies.js';
export { extractCredential, type PresentedCredential } from './credentials.js';
export { setIdentity, type IdentityAnnotation } from './set-identity.js';
export { getCorrelationId } from '@apitrail/core';
export {
  securityEvents,
  emitSecurityEvent,
  type SecurityEventParams,
  type AuthnParams,
  type AuthzParams,
  type InputValidationParams,
  type RateLimitParams,
  type TokenParams,
} from './security-events.js';
export { securityEventKind, type SecurityEventName, type SecurityEventKind } from './security-event-catalog.js';
export {
  whenIdentityResolved,
  resolvesAsynchronously,
  authFailureReason,
  type AuthFailureReason,
} from './resolution-state.js';
export { INFO, WARN, ERROR, CRITICAL, type Severity } from './severity.js';
export { LruCache } from './lru-cache.js';
