// The public API of @apitrail/core: what users call or configure (listed in its README).
/** Every attribute, event and NDJSON field name apitrail emits, and `FIELD_MAPPINGS` (OTel ↔ NDJSON ↔ ECS). */
export * as semconv from './semconv.js';
export {
  getCorrelationId,
  getRequestContext,
  ApitrailConfigError,
  faultCounts,
  droppedCounts,
  CONFIG_VARIABLES,
  type RequestContext,
  type RequestIdentity,
  type AuthenticationMethod,
  type ApiKeyStatus,
  type Environment,
  type ConfigVariable,
} from './internal.js';
