// The public API of @apitrail/identity: what users call or configure (listed in its README).
export {
  setIdentity,
  getCorrelationId,
  securityEvents,
  keyLifecycle,
  readIdentityConfig,
  createRequestContextFactory,
  type IdentityAnnotation,
  type ApiKeyResolver,
  type ResolvedApiKey,
  type SecurityEventParams,
  type KeyLifecycleParams,
  type IdentityConfig,
} from './internal.js';
