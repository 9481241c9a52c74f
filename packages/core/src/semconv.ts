/**
 * Every attribute, event and field name apitrail emits. No other module spells one of these
 * strings: they import them from here, so a rename is one edit and the mapping table in docs/attributes.md
 * (OTel attribute ↔ NDJSON field ↔ ECS field) is generated from {@link FIELD_MAPPINGS}.
 *
 * OpenTelemetry has no semantic convention for API keys or tenants (semantic-conventions #162),
 * so those live in documented custom namespaces (`api_key.*`, `tenant.*`, `correlation.*`,
 * `auth.*`); everything else is the stable HTTP/URL/client/user-agent convention.
 */

// --- Stable OpenTelemetry semantic conventions used by apitrail --------------------------------
// Imported from @opentelemetry/semantic-conventions (its stable entry point only, which follows
// semver), so apitrail's modules take every name from this one module. Constants, not re-exports:
// a re-export compiles to a getter, and these are read on every request.
import * as stable from '@opentelemetry/semantic-conventions';
import { PACKAGE_VERSION } from './version.js';

export const ATTR_CLIENT_ADDRESS = stable.ATTR_CLIENT_ADDRESS;
export const ATTR_ERROR_TYPE = stable.ATTR_ERROR_TYPE;
export const ATTR_EXCEPTION_MESSAGE = stable.ATTR_EXCEPTION_MESSAGE;
export const ATTR_EXCEPTION_STACKTRACE = stable.ATTR_EXCEPTION_STACKTRACE;
export const ATTR_EXCEPTION_TYPE = stable.ATTR_EXCEPTION_TYPE;
export const ATTR_HTTP_REQUEST_METHOD = stable.ATTR_HTTP_REQUEST_METHOD;
export const ATTR_HTTP_RESPONSE_STATUS_CODE = stable.ATTR_HTTP_RESPONSE_STATUS_CODE;
export const ATTR_HTTP_ROUTE = stable.ATTR_HTTP_ROUTE;
export const ATTR_NETWORK_PEER_ADDRESS = stable.ATTR_NETWORK_PEER_ADDRESS;
export const ATTR_SERVICE_NAME = stable.ATTR_SERVICE_NAME;
export const ATTR_URL_FULL = stable.ATTR_URL_FULL;
export const ATTR_URL_PATH = stable.ATTR_URL_PATH;
export const ATTR_URL_QUERY = stable.ATTR_URL_QUERY;
export const ATTR_URL_SCHEME = stable.ATTR_URL_SCHEME;
export const ATTR_USER_AGENT_ORIGINAL = stable.ATTR_USER_AGENT_ORIGINAL;
/**
 * `user.id` is still a development (incubating) convention; the semantic-conventions package asks
 * libraries to copy those rather than import its unstable entry point.
 */
export const ATTR_USER_ID = 'user.id';
/** Prefix of captured request headers (`http.request.header.<lowercase-name>`, string arrays). */
export const ATTR_HTTP_REQUEST_HEADER_PREFIX = stable.ATTR_HTTP_REQUEST_HEADER('');

// --- apitrail: caller identity (never the secret) ----------------------------------------------
/**
 * Namespaces of the caller-identity attributes: names for the caller, never the credential (the
 * redaction allow-list exempts them from the key rules, whatever their names look like).
 */
export const IDENTITY_ATTRIBUTE_NAMESPACES: readonly string[] = [
  'api_key.',
  'tenant.',
  'auth.',
  'correlation.',
  'user.id',
];
export const ATTR_API_KEY_ID = 'api_key.id';
export const ATTR_API_KEY_NAME = 'api_key.name';
/** Truncated HMAC-SHA256 of an unregistered key: stable pseudonym, not reversible. */
export const ATTR_API_KEY_FINGERPRINT = 'api_key.fingerprint';
/** Public prefix of a key such as Prowler's `pk_XXXXXXXX`. */
export const ATTR_API_KEY_PREFIX = 'api_key.prefix';
/** The key arrived in the query string (it leaks through proxies and browser history). */
export const ATTR_API_KEY_IN_QUERY = 'api_key.in_query';
/** `revoked` or `expired`: a known key presented after the end of its life (absent while it is active). */
export const ATTR_API_KEY_STATUS = 'api_key.status';
export const ATTR_TENANT_ID = 'tenant.id';
/** A tenant the client claimed (header) but that was not trusted. */
export const ATTR_TENANT_CLAIMED_ID = 'tenant.claimed_id';
/** `api_key` | `jwt` | `basic` | `session` | `unauthenticated`. */
export const ATTR_AUTH_METHOD = 'auth.method';
export const ATTR_AUTH_IS_API_KEY_REQUEST = 'auth.is_api_key_request';
/**
 * JWT issuer taken as identity when configured (no signature check: that is the app's job); the
 * `sub` claim becomes `user.id`.
 */
export const ATTR_AUTH_JWT_ISSUER = 'auth.jwt.iss';
/** Id of a token the app created, revoked or saw reused (never the token itself). */
export const ATTR_AUTH_TOKEN_ID = 'auth.token.id';
/** Which lifecycle change a token event records: `created`, `rotated`, `revoked`, `expired`, `deleted`. */
export const ATTR_AUTH_TOKEN_CHANGE = 'auth.token.change';
/** Who made the lifecycle change (an operator, a service), as the app names them. */
export const ATTR_AUTH_TOKEN_ACTOR = 'auth.token.actor';
/** On a rotation: the id of the key that replaces this one. */
export const ATTR_AUTH_TOKEN_REPLACED_BY = 'auth.token.replaced_by';
/** What an authorization decision was about (a route, a resource id). */
export const ATTR_AUTHZ_RESOURCE = 'auth.authz.resource';
/** The input field that failed validation (its name, never its value). */
export const ATTR_INPUT_VALIDATION_FIELD = 'input_validation.field';
/** The rate limit that was exceeded, as the app names it (`120/min`). */
export const ATTR_RATE_LIMIT_NAME = 'rate_limit.name';
/** `timeout` when the audit record was emitted before an async API key resolver answered. */
export const ATTR_AUTH_RESOLUTION = 'auth.resolution';

// --- apitrail: where the client address is (offline enrichment, @apitrail/enrich) ----------------
/** ISO 3166-1 alpha-2 country of `client.address` (OTel's `geo.*` namespace). */
export const ATTR_GEO_COUNTRY_ISO_CODE = 'geo.country.iso_code';
/** Autonomous system that announces `client.address` (no OTel convention; ECS `source.as.number`). */
export const ATTR_CLIENT_AS_NUMBER = 'apitrail.client.as.number';
export const ATTR_CLIENT_AS_ORGANIZATION_NAME = 'apitrail.client.as.organization.name';
/** `loopback`, `private`, `link_local` or `reserved` for addresses no database can place (absent for public ones). */
export const ATTR_CLIENT_ADDRESS_SCOPE = 'apitrail.client.address_scope';

// --- apitrail: request correlation and audit record --------------------------------------------
export const ATTR_CORRELATION_ID = 'correlation.id';
/** Length of an incoming correlation id that failed validation (the hostile value is never kept). */
export const ATTR_CORRELATION_REJECTED_ID_LENGTH = 'correlation.rejected_id_length';
/**
 * Wall-clock request duration in seconds (float), as in the Prowler audit record: the audit record
 * carries the value of the stable `http.server.request.duration` metric as an attribute of that name.
 */
export const ATTR_REQUEST_DURATION = stable.METRIC_HTTP_SERVER_REQUEST_DURATION;
/** The client went away before the response finished. */
export const ATTR_REQUEST_ABORTED = 'apitrail.request.aborted';

// --- ECS-friendly event fields, carried as log attributes --------------------------------------
export const ATTR_EVENT_KIND = 'event.kind';
export const ATTR_EVENT_CATEGORY = 'event.category';
export const ATTR_EVENT_TYPE = 'event.type';
export const ATTR_EVENT_OUTCOME = 'event.outcome';
export const ATTR_EVENT_ACTION = 'event.action';
/** Why authentication or authorization failed, when known (`tenant_mismatch`, ...). */
export const ATTR_EVENT_REASON = 'event.reason';

// --- Detection rules (security_rule.*, as in OTel's security rule convention) -----------------
export const ATTR_SECURITY_RULE_NAME = 'security_rule.name';
export const ATTR_SECURITY_RULE_UUID = 'security_rule.uuid';
export const ATTR_SECURITY_RULE_VERSION = 'security_rule.version';
export const ATTR_SECURITY_RULE_DESCRIPTION = 'security_rule.description';
export const ATTR_SECURITY_RULE_REFERENCE = 'security_rule.reference';
/** Detection alert evidence: what was counted, against which threshold, over which window. */
export const ATTR_ALERT_SUBJECT = 'apitrail.alert.subject';
export const ATTR_ALERT_COUNT = 'apitrail.alert.count';
export const ATTR_ALERT_THRESHOLD = 'apitrail.alert.threshold';
export const ATTR_ALERT_WINDOW_SECONDS = 'apitrail.alert.window_seconds';
/** Up to a few of the source IPs involved (string array). */
export const ATTR_ALERT_SAMPLE_IPS = 'apitrail.alert.sample_ips';
/**
 * Source-IP alerts whose address was counted with others: the network counted, `2001:db8:1:2::/64`
 * for IPv6 (the per-IP rules count an IPv6 client by its /64), `a.b.c.d/32` for `::ffff:a.b.c.d`.
 */
export const ATTR_ALERT_SOURCE_NETWORK = 'apitrail.alert.source_network';
/** The key's recent per-window baseline, for volume-above-baseline alerts. */
export const ATTR_ALERT_BASELINE = 'apitrail.alert.baseline';
/** Geo alerts: the country or AS number that was new, and for travel the one before it. */
export const ATTR_ALERT_VALUE = 'apitrail.alert.value';
export const ATTR_ALERT_PREVIOUS_VALUE = 'apitrail.alert.previous_value';

/** On `apitrail.quarantine_block`: until when the key is quarantined, and who put it there. */
export const ATTR_QUARANTINE_UNTIL = 'apitrail.quarantine.until';
export const ATTR_QUARANTINE_BY = 'apitrail.quarantine.by';

// --- Redaction summary (same names as the Collector's redaction processor summary) -------------
export const ATTR_REDACTION_REDACTED_KEYS = 'redaction.redacted.keys';
export const ATTR_REDACTION_REDACTED_COUNT = 'redaction.redacted.count';
export const ATTR_REDACTION_MASKED_KEYS = 'redaction.masked.keys';
export const ATTR_REDACTION_MASKED_COUNT = 'redaction.masked.count';

// --- Spool ---------------------------------------------------------------------------------------
/**
 * A log record's stable id, set once when it enters a spooled export (`<process id>-<sequence>`,
 * the process id random per process): a record replayed from the spool after an outage or restart
 * carries the same id as any copy that already arrived, so a SIEM can drop the duplicate.
 */
export const ATTR_RECORD_ID = 'apitrail.record.id';

// --- Integrity (a Merkle tree log per process) ----------------------------------------------------
/** Namespace of every integrity attribute below. */
export const INTEGRITY_ATTRIBUTE_NAMESPACE = 'apitrail.integrity.';
/** The log (one per process) a record is a leaf of, and the checkpoint's log. */
export const ATTR_INTEGRITY_LOG_ID = 'apitrail.integrity.log_id';
/** The record's leaf index in its log: 0, 1, 2, ... in emit order (integer). */
export const ATTR_INTEGRITY_SEQUENCE = 'apitrail.integrity.seq';
/** On a checkpoint record: the C2SP signed-note checkpoint (size, root hash, epoch key, certificate). */
export const ATTR_INTEGRITY_CHECKPOINT = 'apitrail.integrity.checkpoint';
/** On the checkpoint a log ends with at shutdown: nothing follows it. */
export const ATTR_INTEGRITY_FINAL = 'apitrail.integrity.final';

// --- Instrumentation scopes (become the NDJSON `logger` field) ---------------------------------
/** Scope of the per-request audit record; `api` is the logger name Prowler's records carry. */
export const AUDIT_LOGGER_NAME = 'api';
export const SECURITY_LOGGER_NAME = 'apitrail.security';
/** The instrumentation scope version of apitrail's loggers: the package version. */
export const INSTRUMENTATION_VERSION = PACKAGE_VERSION;

// --- winston integration (@apitrail/winston) ---------------------------------------------------
/** Instrumentation scope (NDJSON `logger`) of app log lines that do not name their own logger. */
export const APP_LOGGER_NAME = 'app';
export const WINSTON_INSTRUMENTATION_NAME = '@apitrail/winston';
/** A log line whose metadata was cut to stay bounded (deep, huge, cyclic or hostile values). */
export const ATTR_LOG_TRUNCATED = 'apitrail.log.truncated';
/**
 * App log metadata whose key apitrail's outputs give a meaning to (an audit field, its OTel name)
 * is kept under this prefix, so a request body logged as metadata cannot forge one.
 */
export const APP_FIELD_PREFIX = 'app.';

// --- Log record event names ----------------------------------------------------------------------
/** The per-request audit record (apitrail's own event name; OWASP has no per-request event). */
export const EVENT_API_REQUEST = 'apitrail.api_request';

/** OWASP Logging Vocabulary event names, used as the LogRecord EventName. */
export const OWASP_EVENTS = {
  authnLoginSuccess: 'authn_login_success',
  authnLoginSuccessAfterFail: 'authn_login_successafterfail',
  authnLoginFail: 'authn_login_fail',
  authnLoginFailMax: 'authn_login_fail_max',
  authnLoginLock: 'authn_login_lock',
  authnTokenCreated: 'authn_token_created',
  authnTokenRevoked: 'authn_token_revoked',
  authnTokenReuse: 'authn_token_reuse',
  authnTokenDelete: 'authn_token_delete',
  authnImpossibleTravel: 'authn_impossible_travel',
  authzFail: 'authz_fail',
  authzChange: 'authz_change',
  authzAdmin: 'authz_admin',
  excessRateLimitExceeded: 'excess_rate_limit_exceeded',
  inputValidationFail: 'input_validation_fail',
  maliciousExcess404: 'malicious_excess_404',
  maliciousExtraneous: 'malicious_extraneous',
  maliciousAttackTool: 'malicious_attack_tool',
  maliciousCors: 'malicious_cors',
  maliciousDirectReference: 'malicious_direct_reference',
  sessionCreated: 'session_created',
  sessionRenewed: 'session_renewed',
  sessionExpired: 'session_expired',
  sessionUseAfterExpire: 'session_use_after_expire',
  sysStartup: 'sys_startup',
  sysShutdown: 'sys_shutdown',
  sysRestart: 'sys_restart',
  sysCrash: 'sys_crash',
  sysMonitorDisabled: 'sys_monitor_disabled',
  sysMonitorEnabled: 'sys_monitor_enabled',
} as const;
export type OwaspEventName = (typeof OWASP_EVENTS)[keyof typeof OWASP_EVENTS];

/** apitrail's own event names, for what the OWASP vocabulary has no word for. */
export const APITRAIL_EVENTS = {
  /** An unhandled exception or a 5xx response. */
  serverError: 'apitrail.server_error',
  /** An API key was sent in the query string (once per key). */
  apiKeyInQuery: 'apitrail.api_key_in_query',
  /** A key used from more distinct source IPs than the threshold. */
  keyMultipleSourceIps: 'apitrail.key_multiple_source_ips',
  /** Request volume per key above the ceiling or far above its baseline. */
  keyExcessVolume: 'apitrail.key_excess_volume',
  /** Repeated tenant-mismatch attempts by one key or IP. */
  tenantMismatchStreak: 'apitrail.tenant_mismatch_streak',
  /** A key used from a country outside its learnt baseline. */
  keyNewCountry: 'apitrail.key_new_country',
  /** A key used from an autonomous system outside its learnt baseline. */
  keyNewAsn: 'apitrail.key_new_asn',
  /** Many distinct keys tried from one source IP. */
  credentialStuffing: 'apitrail.credential_stuffing',
  /** Many distinct tenants claimed from one source IP. */
  tenantEnumeration: 'apitrail.tenant_enumeration',
  /** A request refused before the app saw it, because its key is quarantined (APITRAIL_RESPONSE=block). */
  quarantineBlock: 'apitrail.quarantine_block',
  /** An integrity chain checkpoint (lets a verifier detect a truncated tail). */
  integrityCheckpoint: 'apitrail.integrity_checkpoint',
} as const;

// --- NDJSON audit record field names (Prowler's API key activity log) ---------------------------
export const NDJSON_FIELDS = {
  timestamp: 'timestamp',
  level: 'level',
  message: 'message',
  logger: 'logger',
  event: 'event',
  apiKeyId: 'api_key_id',
  apiKeyName: 'api_key_name',
  tenantId: 'tenant_id',
  authenticationMethod: 'authentication_method',
  isApiKeyRequest: 'is_api_key_request',
  method: 'method',
  path: 'path',
  queryParams: 'query_params',
  statusCode: 'status_code',
  duration: 'duration',
  sourceIp: 'source_ip',
  userAgent: 'user_agent',
  traceId: 'trace_id',
  spanId: 'span_id',
  traceFlags: 'trace_flags',
  requestId: 'request_id',
} as const;

/** A record's body when it is not a string: its JSON value, beside an empty `message`. */
export const NDJSON_BODY_FIELD = 'body';

/**
 * NDJSON fields the record itself fills, not one of its attributes: an attribute of the same name is
 * written as `app.<name>`, and reading a line back, these are no attributes.
 */
export const NDJSON_RECORD_FIELDS: readonly string[] = [
  NDJSON_FIELDS.timestamp,
  NDJSON_FIELDS.level,
  NDJSON_FIELDS.message,
  NDJSON_FIELDS.logger,
  NDJSON_FIELDS.event,
  NDJSON_FIELDS.traceId,
  NDJSON_FIELDS.spanId,
  NDJSON_FIELDS.traceFlags,
  NDJSON_BODY_FIELD,
];

/**
 * Top-level keys by which apitrail's readers (the CLI's `records.ts` and `siem-records.ts`) take a
 * JSON line for another shape than an NDJSON record: an OTLP-JSON payload (`resourceLogs`), a search
 * hit (`_source`), an ECS document (`@timestamp`), a Splunk HEC event (`fields`, with `time` and
 * `event`). An attribute of such a name is written as `app.<name>`.
 */
export const OTHER_SHAPE_KEYS: readonly string[] = ['resourceLogs', '_source', '@timestamp', 'fields'];

/**
 * NDJSON fields outside a record's signed canonical entry (packages/integrity/README.md), because
 * not every SIEM shape keeps them. The NDJSON line writes them last, after the signed fields in
 * canonical order.
 */
export const UNSIGNED_NDJSON_FIELDS: readonly string[] = [NDJSON_FIELDS.logger, NDJSON_FIELDS.traceFlags];

/** How one attribute appears in each output. `ecs` is the Elastic Common Schema field. */
export interface FieldMapping {
  readonly attribute: string;
  readonly ndjson: string;
  readonly ecs: string;
  /** `seconds` values become nanoseconds in ECS (`event.duration`). */
  readonly unit?: 'seconds';
  /** `query` strings become an object of parameters in NDJSON. */
  readonly shape?: 'query';
  /**
   * The field's type in the SIEM index (the OpenSearch/Elasticsearch index template generated from
   * this table); `keyword` when absent.
   */
  readonly ecsType?: 'boolean' | 'ip' | 'long';
}

/**
 * The attribute ↔ NDJSON ↔ ECS mapping. The NDJSON exporter, the winston format, the README table
 * and the collector's ECS transform all read this list.
 */
export const FIELD_MAPPINGS: readonly FieldMapping[] = [
  { attribute: ATTR_API_KEY_ID, ndjson: NDJSON_FIELDS.apiKeyId, ecs: 'apitrail.api_key.id' },
  { attribute: ATTR_API_KEY_NAME, ndjson: NDJSON_FIELDS.apiKeyName, ecs: 'apitrail.api_key.name' },
  { attribute: ATTR_API_KEY_FINGERPRINT, ndjson: 'api_key_fingerprint', ecs: 'apitrail.api_key.fingerprint' },
  { attribute: ATTR_API_KEY_PREFIX, ndjson: 'api_key_prefix', ecs: 'apitrail.api_key.prefix' },
  {
    attribute: ATTR_API_KEY_IN_QUERY,
    ndjson: 'api_key_in_query',
    ecs: 'apitrail.api_key.in_query',
    ecsType: 'boolean',
  },
  { attribute: ATTR_API_KEY_STATUS, ndjson: 'api_key_status', ecs: 'apitrail.api_key.status' },
  { attribute: ATTR_TENANT_ID, ndjson: NDJSON_FIELDS.tenantId, ecs: 'organization.id' },
  { attribute: ATTR_TENANT_CLAIMED_ID, ndjson: 'tenant_claimed_id', ecs: 'apitrail.tenant.claimed_id' },
  { attribute: ATTR_AUTH_METHOD, ndjson: NDJSON_FIELDS.authenticationMethod, ecs: 'apitrail.authentication_method' },
  {
    attribute: ATTR_AUTH_IS_API_KEY_REQUEST,
    ndjson: NDJSON_FIELDS.isApiKeyRequest,
    ecs: 'apitrail.is_api_key_request',
    ecsType: 'boolean',
  },
  { attribute: ATTR_USER_ID, ndjson: 'user_id', ecs: 'user.id' },
  { attribute: ATTR_HTTP_REQUEST_METHOD, ndjson: NDJSON_FIELDS.method, ecs: 'http.request.method' },
  { attribute: ATTR_URL_PATH, ndjson: NDJSON_FIELDS.path, ecs: 'url.path' },
  { attribute: ATTR_URL_QUERY, ndjson: NDJSON_FIELDS.queryParams, ecs: 'url.query', shape: 'query' },
  { attribute: ATTR_HTTP_ROUTE, ndjson: 'route', ecs: 'apitrail.http.route' },
  {
    attribute: ATTR_HTTP_RESPONSE_STATUS_CODE,
    ndjson: NDJSON_FIELDS.statusCode,
    ecs: 'http.response.status_code',
    ecsType: 'long',
  },
  {
    attribute: ATTR_REQUEST_DURATION,
    ndjson: NDJSON_FIELDS.duration,
    ecs: 'event.duration',
    unit: 'seconds',
    ecsType: 'long',
  },
  { attribute: ATTR_REQUEST_ABORTED, ndjson: 'aborted', ecs: 'apitrail.request.aborted', ecsType: 'boolean' },
  { attribute: ATTR_CLIENT_ADDRESS, ndjson: NDJSON_FIELDS.sourceIp, ecs: 'source.ip', ecsType: 'ip' },
  { attribute: ATTR_CLIENT_AS_NUMBER, ndjson: 'source_as_number', ecs: 'source.as.number', ecsType: 'long' },
  {
    attribute: ATTR_CLIENT_AS_ORGANIZATION_NAME,
    ndjson: 'source_as_organization',
    ecs: 'source.as.organization.name',
  },
  { attribute: ATTR_GEO_COUNTRY_ISO_CODE, ndjson: 'source_country', ecs: 'source.geo.country_iso_code' },
  { attribute: ATTR_CLIENT_ADDRESS_SCOPE, ndjson: 'source_address_scope', ecs: 'apitrail.source.address_scope' },
  { attribute: ATTR_USER_AGENT_ORIGINAL, ndjson: NDJSON_FIELDS.userAgent, ecs: 'user_agent.original' },
  { attribute: ATTR_CORRELATION_ID, ndjson: NDJSON_FIELDS.requestId, ecs: 'http.request.id' },
  {
    attribute: ATTR_CORRELATION_REJECTED_ID_LENGTH,
    ndjson: 'rejected_request_id_length',
    ecs: 'apitrail.correlation.rejected_id_length',
    ecsType: 'long',
  },
  { attribute: ATTR_EVENT_KIND, ndjson: 'event_kind', ecs: 'event.kind' },
  { attribute: ATTR_EVENT_CATEGORY, ndjson: 'event_category', ecs: 'event.category' },
  { attribute: ATTR_EVENT_TYPE, ndjson: 'event_type', ecs: 'event.type' },
  { attribute: ATTR_EVENT_OUTCOME, ndjson: 'event_outcome', ecs: 'event.outcome' },
  { attribute: ATTR_EVENT_ACTION, ndjson: 'event_action', ecs: 'event.action' },
  { attribute: ATTR_EVENT_REASON, ndjson: 'event_reason', ecs: 'event.reason' },
  { attribute: ATTR_LOG_TRUNCATED, ndjson: 'truncated', ecs: 'apitrail.log.truncated', ecsType: 'boolean' },
  { attribute: ATTR_AUTH_JWT_ISSUER, ndjson: 'jwt_issuer', ecs: 'apitrail.auth.jwt.iss' },
  { attribute: ATTR_AUTH_TOKEN_ID, ndjson: 'token_id', ecs: 'apitrail.auth.token.id' },
  { attribute: ATTR_AUTH_TOKEN_CHANGE, ndjson: 'token_change', ecs: 'apitrail.auth.token.change' },
  { attribute: ATTR_AUTH_TOKEN_ACTOR, ndjson: 'token_actor', ecs: 'apitrail.auth.token.actor' },
  { attribute: ATTR_AUTH_TOKEN_REPLACED_BY, ndjson: 'token_replaced_by', ecs: 'apitrail.auth.token.replaced_by' },
  { attribute: ATTR_AUTHZ_RESOURCE, ndjson: 'authz_resource', ecs: 'apitrail.authz.resource' },
  { attribute: ATTR_INPUT_VALIDATION_FIELD, ndjson: 'validation_field', ecs: 'apitrail.input_validation.field' },
  { attribute: ATTR_RATE_LIMIT_NAME, ndjson: 'rate_limit', ecs: 'apitrail.rate_limit.name' },
  { attribute: ATTR_AUTH_RESOLUTION, ndjson: 'identity_resolution', ecs: 'apitrail.auth.resolution' },
  // The redaction summary (APITRAIL_REDACT_SUMMARY): counts only, for the redaction-spike Sigma rule.
  {
    attribute: ATTR_REDACTION_REDACTED_COUNT,
    ndjson: ATTR_REDACTION_REDACTED_COUNT,
    ecs: 'apitrail.redaction.redacted.count',
    ecsType: 'long',
  },
  {
    attribute: ATTR_REDACTION_MASKED_COUNT,
    ndjson: ATTR_REDACTION_MASKED_COUNT,
    ecs: 'apitrail.redaction.masked.count',
    ecsType: 'long',
  },
];
