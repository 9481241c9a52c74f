import {
  APP_FIELD_PREFIX,
  ATTR_LOG_TRUNCATED,
  ATTR_USER_ID,
  AUDIT_LOGGER_NAME,
  FIELD_MAPPINGS,
  NDJSON_FIELDS,
  SECURITY_LOGGER_NAME,
} from '@apitrail/core/internal';

/** NDJSON name of the truncation marker, from the one mapping list. */
export const TRUNCATED_FIELD = FIELD_MAPPINGS.find((mapping) => mapping.attribute === ATTR_LOG_TRUNCATED)!.ndjson;

/** Attributes that say who is calling: apitrail's identity namespaces. */
const IDENTITY_ATTRIBUTE_PREFIXES = ['api_key.', 'tenant.', 'auth.', 'correlation.', ATTR_USER_ID];

const identityMappings = FIELD_MAPPINGS.filter((mapping) =>
  IDENTITY_ATTRIBUTE_PREFIXES.some((prefix) => mapping.attribute.startsWith(prefix)),
);

/**
 * Names an app line must not carry from its metadata: every OTel attribute name apitrail maps (the
 * request context processor lets a value the emitter set win over the request's), and the NDJSON
 * names of identity, correlation, event and truncation fields. Descriptive fields an app
 * legitimately logs (`method`, `path`, `status_code`...) stay as they are.
 */
const RESERVED: ReadonlySet<string> = new Set([
  ...FIELD_MAPPINGS.map((mapping) => mapping.attribute),
  ...identityMappings.map((mapping) => mapping.ndjson),
  TRUNCATED_FIELD,
  NDJSON_FIELDS.event,
  NDJSON_FIELDS.traceId,
  NDJSON_FIELDS.spanId,
  NDJSON_FIELDS.traceFlags,
]);

/** apitrail's own loggers: an app line claiming one of them would pass for an audit record. */
const APITRAIL_LOGGERS: ReadonlySet<string> = new Set([AUDIT_LOGGER_NAME, SECURITY_LOGGER_NAME]);

/**
 * `fields` with every reserved key apitrail did not set itself (`own`) moved under `app.`: an
 * app that logs `req.body` as metadata must not be able to write `is_api_key_request`,
 * `api_key_id` or `api_key.id` into an exported line, where Prowler-style analyses and the identity
 * processor would take it for apitrail's.
 */
export function withoutForgedFields<T>(fields: Record<string, T>, own: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[RESERVED.has(key) && !own.includes(key) ? `${APP_FIELD_PREFIX}${key}` : key] = value;
  }
  return out;
}

/** A logger name from app metadata, kept apart from apitrail's own scopes. */
export function appLoggerName(name: string): string {
  return APITRAIL_LOGGERS.has(name) ? `${APP_FIELD_PREFIX}${name}` : name;
}
