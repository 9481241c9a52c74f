/** One row of the configuration reference: variables that share a meaning, their default and what they do. */
export interface ConfigVariable {
  /** The variables of this row; the first is the main one. */
  readonly names: readonly string[];
  /** The default, as the README shows it (Markdown). */
  readonly defaultValue: string;
  /** One line (Markdown): what it does. */
  readonly description: string;
}

/**
 * Every environment variable apitrail reads, the one source of truth: docs/configuration.md's
 * table is generated from it (`npm run generate:docs`), the register warns about an
 * unknown `APITRAIL_*` variable by it, and a unit test fails when a package reads a variable missing
 * here. A row may name several variables that share a meaning (a signal's own variant, a bound pair).
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    names: ['OTEL_SDK_DISABLED'],
    defaultValue: '`false`',
    description: '`true`: apitrail starts nothing and checks no other variable (the kill switch)',
  },
  {
    names: ['OTEL_SERVICE_NAME'],
    defaultValue: '(SDK default)',
    description: '`service.name` of all telemetry (read from `startApitrail({ env })` when given)',
  },
  {
    names: ['OTEL_TRACES_EXPORTER'],
    defaultValue: '`otlp`',
    description:
      'comma-separated: `otlp`, `console`, `none`, each once. With `none` the register makes no server spans: each request continues the W3C trace context it arrived with (or starts one), so audit records and logs carry trace ids and outgoing calls propagate them',
  },
  {
    names: ['OTEL_LOGS_EXPORTER'],
    defaultValue: '`otlp`',
    description: 'comma-separated: `otlp`, `console`, `ndjson`, `none`, each once',
  },
  {
    names: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'],
    defaultValue: '`http://localhost:4318`',
    description:
      "OTLP/HTTP endpoint (validated as an http(s) URL; the shared one gets `/v1/traces` or `/v1/logs` appended, a signal's own is used as given; read from `startApitrail({ env })` when given)",
  },
  {
    names: ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL'],
    defaultValue: '`http/protobuf`',
    description: '`http/protobuf` or `http/json` (`grpc` is refused with a clear error)',
  },
  {
    names: ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS'],
    defaultValue: '(none)',
    description:
      "headers of OTLP exports, `k=v,k2=v2` URL-encoded; a signal's own win per key; an entry that is not `key=value` or not valid percent-encoding is refused, naming its position (never its value)",
  },
  {
    names: ['OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT'],
    defaultValue: '`10000`',
    description: 'ms per OTLP export request (integer from 1 to 2147483647, validated)',
  },
  {
    names: [
      'OTEL_EXPORTER_OTLP_COMPRESSION',
      'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
      'OTEL_EXPORTER_OTLP_LOGS_COMPRESSION',
    ],
    defaultValue: '`none`',
    description: '`none` or `gzip` (validated)',
  },
  {
    names: ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_PROPAGATORS'],
    defaultValue: '(SDK defaults)',
    description:
      'read by the OTel SDK as usual (`OTEL_RESOURCE_ATTRIBUTES` also from `startApitrail({ env })`, `OTEL_SERVICE_NAME` winning; an entry that is not `key=value` or not valid percent-encoding is refused, naming its position)',
  },
  {
    names: [
      'OTEL_BLRP_MAX_QUEUE_SIZE',
      'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
      'OTEL_BLRP_SCHEDULE_DELAY',
      'OTEL_BLRP_EXPORT_TIMEOUT',
    ],
    defaultValue: '`2048`, `512`, `1000`, `30000`',
    description:
      'the log export queue of OTLP with `APITRAIL_SPOOL_DIR=off`: beyond the cap records are dropped (counted, reported), never blocking the app; through the spool (OTLP by default), to the NDJSON file and to the `console` exporter only the batch size applies: records per export, and records handed to the spool, the file or stdout at once (before `APITRAIL_SPOOL_FLUSH_INTERVAL_MS` is up when that many wait); validated like every variable',
  },
  {
    names: [
      'OTEL_BSP_MAX_QUEUE_SIZE',
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      'OTEL_BSP_SCHEDULE_DELAY',
      'OTEL_BSP_EXPORT_TIMEOUT',
    ],
    defaultValue: '`2048`, `512`, `5000`, `30000`',
    description: 'the same for spans',
  },
  {
    names: ['OTEL_METRICS_EXPORTER'],
    defaultValue: '(unset: no metrics)',
    description: 'when set, the SDK configures metrics from it',
  },
  {
    names: ['APITRAIL_NDJSON_FILE'],
    defaultValue: '`stdout`',
    description:
      'where the `ndjson` logs exporter writes: `stdout`, `stderr` or a file path (appended); a FIFO is written once a reader has it open (records before then, or while its reader is gone, are counted as dropped)',
  },
  {
    names: ['APITRAIL_LOG_FORMAT'],
    defaultValue: '`ndjson`',
    description:
      "`ndjson` or `human_readable` (aligned, control characters neutralised; the exporter colours it when its stream is a TTY, winston transports wrapped in `colourOnTerminal()` when theirs is): the `ndjson` logs exporter's format, and the line format of winston loggers built with `@apitrail/winston`",
  },
  {
    names: ['APITRAIL_LOG_LEVEL'],
    defaultValue: '`info`',
    description:
      "level of winston loggers built with `apitrailLoggerOptions()` (any npm, syslog or cli level), like Prowler's `DJANGO_LOGGING_LEVEL`",
  },
  {
    names: ['APITRAIL_SHUTDOWN_TIMEOUT_MS'],
    defaultValue: '`5000`',
    description: 'bound on the flush at SIGTERM, SIGINT and `beforeExit`',
  },
  {
    names: ['APITRAIL_SPOOL_DIR'],
    defaultValue: '`$XDG_STATE_HOME/apitrail/spool/<service.name>` (`~/.local/state/…` without it)',
    description:
      'write-ahead spool of the OTLP log export: segments (mode 0600) of records not yet exported, replayed at start and after an outage; `off` disables it ([docs/reliability.md](docs/reliability.md))',
  },
  {
    names: ['APITRAIL_SPOOL_MAX_BYTES'],
    defaultValue: '`268435456` (256 MiB)',
    description:
      'cap of the spool; beyond it the oldest records are dropped, counted and reported; a batch larger than the cap is kept in memory until exported. The batches a receiver refused for good (`refused/`) have a cap of the same size of their own',
  },
  {
    names: ['APITRAIL_SPOOL_FLUSH_INTERVAL_MS'],
    defaultValue: '`200`',
    description:
      'longest time a log record waits in memory before it is in the spool, the NDJSON file or on stdout (`console` exporter): what `SIGKILL` or a power loss can cost',
  },
  {
    names: ['APITRAIL_DROP_REPORT_INTERVAL_MS'],
    defaultValue: '`10000`',
    description:
      'records lost on the way out (export queue full, export failed, refused by the receiver) are counted per `signal/exporter` (`droppedCounts()`) and reported by one diagnostic warning per interval; failed exports likewise, per exporter',
  },
  {
    names: ['APITRAIL_CORRELATION_HEADERS'],
    defaultValue: '`x-request-id,x-correlation-id`',
    description: 'incoming headers that may carry a correlation id',
  },
  {
    names: ['APITRAIL_API_KEY_HEADERS'],
    defaultValue: '`x-api-key`',
    description: 'headers that may carry a bare API key (besides `Authorization: Bearer/Token/ApiKey/Api-Key/Basic`)',
  },
  {
    names: ['APITRAIL_API_KEY_QUERY_PARAM'],
    defaultValue: '(unset: never read keys from URLs)',
    description:
      'query parameter that may carry a key; sets `api_key.in_query=true`, the value becomes `REDACTED`, warns once per key (`apitrail.api_key_in_query`)',
  },
  {
    names: ['APITRAIL_API_KEYS_FILE'],
    defaultValue: '(unset)',
    description:
      'JSON array of `{ "id", "name", "tenant_id", "sha256" }` (hex SHA-256 of the key) or `{ …, "prefix" }` (public prefix such as `pk_XXXXXXXX`); lifecycle fields `revoked_at`, `expires_at`, `created_by`, `revoked_by`, `revocation_reason`, `rotated_to`; re-read when it changes ([docs/response.md](docs/response.md))',
  },
  {
    names: ['APITRAIL_FINGERPRINT_KEY'],
    defaultValue: 'random per process (warning at startup)',
    description: 'HMAC key (≥ 16 bytes) of `api_key.fingerprint`; set it so fingerprints match across processes',
  },
  {
    names: ['APITRAIL_TRUST_TENANT_HEADER'],
    defaultValue: '`false`',
    description:
      '`true`: the tenant header sets `tenant.id`; otherwise it is only `tenant.claimed_id`, and a mismatch emits `authz_fail` (`tenant_mismatch`)',
  },
  {
    names: ['APITRAIL_TENANT_HEADER'],
    defaultValue: '`x-tenant-id`',
    description: 'name of the tenant header',
  },
  {
    names: ['APITRAIL_TRUSTED_PROXIES'],
    defaultValue: '(unset: trust no proxy)',
    description:
      'CIDRs (`127.0.0.1/32,10.0.0.0/8`) or a hop count; only then are `Forwarded` / `X-Forwarded-For` used for `client.address`. A hop count believes them from any peer: use it only when the app can be reached through its proxies alone',
  },
  {
    names: ['APITRAIL_GEOIP_DB'],
    defaultValue: '`embedded`',
    description:
      'comma-separated MMDB files (GeoLite2-ASN/-Country/-City, IPinfo Lite, DB-IP) asked in order for `client.address` → AS number, AS organisation, country; `embedded` is the freely licensed database apitrail ships, `none` turns enrichment off ([docs/response.md](docs/response.md))',
  },
  {
    names: ['APITRAIL_GEOIP_CACHE_SIZE'],
    defaultValue: '`10000`',
    description: 'client addresses whose enrichment is remembered (first in, first out)',
  },
  {
    names: ['APITRAIL_AUDIT_SCOPE'],
    defaultValue: '`all`',
    description: '`all` requests get an audit record, or only `api_key` requests',
  },
  {
    names: ['APITRAIL_JWT_IDENTITY_CLAIMS'],
    defaultValue: '(none)',
    description:
      "`sub`, `iss`: unverified JWT claims taken as identity (`user.id`, `auth.jwt.iss`); verifying the token is the app's job",
  },
  {
    names: ['APITRAIL_REDACT_KEYS'],
    defaultValue: '(none)',
    description: 'comma-separated key globs added to the defaults',
  },
  {
    names: ['APITRAIL_REDACT_PATTERNS'],
    defaultValue: '(none)',
    description:
      "whitespace-separated regexes added to the value patterns (`(?i)` prefix for case-insensitive; bounded quantifiers only, no lookaround or backreferences, so they also run in the Collector's RE2); an invalid one is a startup error naming it",
  },
  {
    names: ['APITRAIL_REDACT_ALLOW'],
    defaultValue: '(none)',
    description: 'comma-separated key globs exempt from the key rules',
  },
  {
    names: ['APITRAIL_REDACT_MODE'],
    defaultValue: '`redact`',
    description: '`redact` (`[REDACTED]`), `hash` (keyed HMAC, shortened), `last4` or `drop`',
  },
  {
    names: ['APITRAIL_REDACT_HASH_KEY'],
    defaultValue: '(none)',
    description: 'HMAC key for `hash` mode, at least 16 characters (required by it)',
  },
  {
    names: ['APITRAIL_REDACT_PII'],
    defaultValue: '`false`',
    description: 'also censor e-mail addresses and anonymise IP addresses (IPv4 /24, IPv6 /48)',
  },
  {
    names: ['APITRAIL_REDACT_SUMMARY'],
    defaultValue: '`false`',
    description:
      'add `redaction.redacted.*` / `redaction.masked.*` key names and counts (never values) to records that had any',
  },
  {
    names: ['APITRAIL_REDACT_MAX_LENGTH'],
    defaultValue: '`32768`',
    description: 'longest string scanned; a longer one is replaced whole',
  },
  {
    names: ['APITRAIL_REDACT_MAX_DEPTH', 'APITRAIL_REDACT_MAX_NODES'],
    defaultValue: '`16`, `1000`',
    description: 'bounds of the walk over nested maps and arrays; beyond them the value is replaced whole',
  },
  {
    names: ['APITRAIL_REDACT_LOCAL_LOGS'],
    defaultValue: '`true`',
    description:
      "`false`: the lines the app's own winston transports print (Console, File, ...) are left as its formats make them; otherwise the register and `instrumentLogger()` redact them with the `APITRAIL_REDACT_*` rule set (the exported copy is redacted either way)",
  },
  {
    names: ['APITRAIL_DETECT_ENABLED'],
    defaultValue: '`true`',
    description: 'in-process compromised-key detection; alerts are log records',
  },
  {
    names: ['APITRAIL_DETECT_WINDOW_SECONDS'],
    defaultValue: '`3600`',
    description: 'window of the per-key rules (distinct IPs, volume)',
  },
  {
    names: ['APITRAIL_DETECT_MAX_IPS_PER_KEY'],
    defaultValue: '`5`',
    description:
      'alert when a key is seen from more distinct source IPs in the window (1-63); an IPv6 address counts by its /64, `::ffff:a.b.c.d` as IPv4',
  },
  {
    names: ['APITRAIL_DETECT_MAX_REQUESTS_PER_KEY'],
    defaultValue: '`1000`',
    description: 'alert above this many requests per key per window',
  },
  {
    names: ['APITRAIL_DETECT_BASELINE_FACTOR', 'APITRAIL_DETECT_BASELINE_MIN_REQUESTS'],
    defaultValue: '`10`, `100`',
    description: "also alert when a key's window count is this multiple of its own baseline (and at least this many)",
  },
  {
    names: ['APITRAIL_DETECT_BURST_WINDOW_SECONDS'],
    defaultValue: '`300`',
    description: 'window of the 401/403, 404 and tenant-mismatch rules',
  },
  {
    names: [
      'APITRAIL_DETECT_MAX_AUTH_FAILURES',
      'APITRAIL_DETECT_MAX_NOT_FOUND',
      'APITRAIL_DETECT_MAX_TENANT_MISMATCHES',
    ],
    defaultValue: '`10`, `20`, `3`',
    description:
      'burst thresholds per key and per source IP (an IPv6 source counts by its /64, `::ffff:a.b.c.d` as IPv4)',
  },
  {
    names: ['APITRAIL_DETECT_COOLDOWN_SECONDS'],
    defaultValue: '`3600`',
    description: 'one alert per rule and key/IP per cooldown',
  },
  {
    names: ['APITRAIL_DETECT_MAX_KEYS', 'APITRAIL_DETECT_MAX_IPS'],
    defaultValue: '`10000`',
    description: 'LRU caps on tracked keys and IPs (bounded memory; an IPv6 /64 is one IP)',
  },
  {
    names: ['APITRAIL_DETECT_GEO_BASELINE_REQUESTS', 'APITRAIL_DETECT_GEO_BASELINE_SECONDS'],
    defaultValue: '`20`, `3600`',
    description:
      "a key's countries and AS numbers are learnt over its first requests (at least this many, over at least this long); after that a new one alerts (`apitrail_key_new_country`, `apitrail_key_new_asn`)",
  },
  {
    names: ['APITRAIL_DETECT_MAX_TRAVEL_KMH'],
    defaultValue: '`1000`',
    description:
      'impossible travel (`authn_impossible_travel`, CRITICAL): two countries of one key further apart (centroids; neighbours never) than this speed allows in the time between',
  },
  {
    names: ['APITRAIL_DETECT_MAX_KEYS_PER_IP', 'APITRAIL_DETECT_MAX_TENANTS_PER_IP'],
    defaultValue: '`10`, `5`',
    description:
      'credential stuffing: distinct refused or unregistered keys from one IP per burst window; tenant enumeration: distinct claimed tenants from one IP per burst window (1-63); an IPv6 source counts by its /64',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_URL'],
    defaultValue: '(unset: no delivery)',
    description:
      'http(s) URL that receives every detector alert as a JSON POST, in the background (never echoed in errors: Slack URLs hold a token) ([docs/response.md](docs/response.md))',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_SECRET'],
    defaultValue: '(unset: unsigned, warned)',
    description: 'HMAC-SHA256 key (≥ 16 bytes) of `X-Apitrail-Signature: sha256=<hex HMAC of the raw body>`',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_FORMAT'],
    defaultValue: '`generic`',
    description:
      '`generic` (`{ version, id, source, service, alert }`, the alert with NDJSON field names) or `slack` (incoming-webhook message)',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_RETRIES', 'APITRAIL_ALERT_WEBHOOK_BACKOFF_MS', 'APITRAIL_ALERT_WEBHOOK_TIMEOUT_MS'],
    defaultValue: '`5`, `1000`, `5000`',
    description:
      'retries of a delivery that failed (network error, timeout, 408, 429, 5xx), the first retry delay (doubled each time, jittered, at most 60 s; a `Retry-After` in seconds wins, up to the same 60 s), and the timeout of one attempt',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_COOLDOWN_SECONDS'],
    defaultValue: '`600`',
    description: 'one delivery per rule and subject within this time; later copies are counted, not sent',
  },
  {
    names: ['APITRAIL_ALERT_WEBHOOK_MAX_QUEUE'],
    defaultValue: '`1000`',
    description: 'alerts waiting for delivery; beyond it the newest are dropped and counted',
  },
  {
    names: ['APITRAIL_RESPONSE'],
    defaultValue: '`observe`',
    description:
      '`observe` records only; `block` answers a quarantined key with 403 (or 401) and an RFC 9457 problem document before the app sees the request, each block a security event. A safety net, not authorization ([docs/response.md](docs/response.md))',
  },
  {
    names: ['APITRAIL_QUARANTINE_SECONDS', 'APITRAIL_QUARANTINE_STATUS'],
    defaultValue: '`3600`, `403`',
    description:
      'how long a flagged key stays quarantined; the status a quarantined key is answered with (`403` or `401`)',
  },
  {
    names: ['APITRAIL_QUARANTINE_RULES'],
    defaultValue: '`apitrail_revoked_key_reuse,apitrail_key_multiple_source_ips,apitrail_impossible_travel`',
    description: 'the rules (`security_rule.name`) whose alerts about a key quarantine it in block mode',
  },
  {
    names: ['APITRAIL_QUARANTINE_FILE'],
    defaultValue: '(unset: in memory)',
    description:
      'JSON file holding the quarantine list, written on every change and re-read when `apitrail quarantine add` or `lift` (or anyone) changes it',
  },
  {
    names: ['APITRAIL_INTEGRITY_KEY_FILE'],
    defaultValue: '(unset: integrity off)',
    description:
      'the log root private key `npx apitrail keygen --out DIR` writes (`DIR/apitrail-root.key`); read once at start to certify the epoch keys, then erased from memory. Integrity is on only when it is set ([docs/integrity.md](docs/integrity.md))',
  },
  {
    names: ['APITRAIL_INTEGRITY_KEY'],
    defaultValue: '(unset)',
    description:
      'the shared secret of the former HMAC chains: refused at start (exit 78) with the steps to a root key, so an upgraded app never runs with integrity silently off',
  },
  {
    names: ['APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS'],
    defaultValue: '`1000`',
    description:
      'at most one signed checkpoint per interval while records flow (plus one at each epoch end and a closing one on shutdown)',
  },
  {
    names: ['APITRAIL_INTEGRITY_EPOCH_SECONDS'],
    defaultValue: '`3600`',
    description:
      'lifetime of an epoch signing key: erased when its epoch ends, so a later host compromise cannot sign for earlier records',
  },
];

/**
 * `APITRAIL_*` variables the collector configurations in `collector-config/` read (documented in
 * collector-config/README.md). Apps often share an environment with their agent, so these are
 * known names too, not typos.
 */
export const COLLECTOR_VARIABLES: readonly string[] = [
  'APITRAIL_AGENT_QUEUE_DIR',
  'APITRAIL_AGENT_QUEUE_FSYNC',
  'APITRAIL_AGENT_QUEUE_SIZE',
  'APITRAIL_ARCHIVE_COMPRESSION',
  'APITRAIL_ARCHIVE_DIR',
  'APITRAIL_ARCHIVE_MAX_DAYS',
  'APITRAIL_ARCHIVE_MAX_MEGABYTES',
  'APITRAIL_COLLECTOR_HEALTH_ENDPOINT',
  'APITRAIL_COLLECTOR_METRICS_HOST',
  'APITRAIL_COLLECTOR_METRICS_PORT',
  'APITRAIL_COLLECTOR_OTLP_GRPC_ENDPOINT',
  'APITRAIL_COLLECTOR_OTLP_HTTP_ENDPOINT',
  'APITRAIL_COLLECTOR_OUTPUT_DIR',
  'APITRAIL_GATEWAY_ENDPOINT',
  'APITRAIL_GATEWAY_HOSTS',
  'APITRAIL_GATEWAY_INSTANCE',
  'APITRAIL_GATEWAY_STORAGE_DIR',
  'APITRAIL_GATEWAY_TLS_INSECURE',
  'APITRAIL_SYSLOG_CA_FILE',
  'APITRAIL_SYSLOG_HOST',
  'APITRAIL_SYSLOG_PORT',
  'APITRAIL_SYSLOG_TLS_INSECURE',
];

const KNOWN_APITRAIL_VARIABLES: readonly string[] = [
  ...CONFIG_VARIABLES.flatMap((row) => row.names).filter((name) => name.startsWith('APITRAIL_')),
  ...COLLECTOR_VARIABLES,
];

/** Edits (insert, delete, substitute) between two names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export interface UnknownVariable {
  readonly name: string;
  /** The known variable with the fewest edits away (the first in table order on a tie). */
  readonly closest: string;
}

/**
 * The `APITRAIL_*` variables set in `env` that no part of apitrail reads: a typo
 * (`APITRAIL_SPOLL_DIR`) or a variable of another version would otherwise silently leave a
 * guarantee at its default.
 */
export function unknownApitrailVariables(env: Readonly<Record<string, string | undefined>>): UnknownVariable[] {
  const known = new Set(KNOWN_APITRAIL_VARIABLES);
  return Object.keys(env)
    .filter((name) => name.startsWith('APITRAIL_') && !known.has(name))
    .sort()
    .map((name) => {
      let closest = KNOWN_APITRAIL_VARIABLES[0]!;
      let best = Infinity;
      for (const candidate of KNOWN_APITRAIL_VARIABLES) {
        const distance = editDistance(name, candidate);
        if (distance < best) {
          best = distance;
          closest = candidate;
        }
      }
      return { name, closest };
    });
}
