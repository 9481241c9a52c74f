import {
  ATTR_SERVICE_NAME,
  ApitrailConfigError,
  readBoolean,
  readEnum,
  readEnumList,
  readList,
  readNumber,
  readString,
  type Environment,
} from '@apitrail/core/internal';
import type { LocalLogFormat } from '@apitrail/export';
import { readSpoolConfig, type SpoolConfig } from '@apitrail/spool';
import type { Attributes } from '@opentelemetry/api';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';

/** The values `OTEL_TRACES_EXPORTER` accepts. */
export const TRACE_EXPORTERS = ['otlp', 'console', 'none'] as const;
/** The values `OTEL_LOGS_EXPORTER` accepts; `ndjson` is apitrail's local file or stream exporter. */
export const LOG_EXPORTERS = ['otlp', 'console', 'ndjson', 'none'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const OTLP_COMPRESSIONS = ['none', 'gzip'] as const;

export type TraceExporterName = Exclude<(typeof TRACE_EXPORTERS)[number], 'none'>;
export type LogExporterName = Exclude<(typeof LOG_EXPORTERS)[number], 'none'>;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** Everything the register reads from the environment, validated. */
export interface AutoConfig {
  readonly disabled: boolean;
  readonly traceExporters: readonly TraceExporterName[];
  readonly logExporters: readonly LogExporterName[];
  /**
   * OTEL_EXPORTER_OTLP_* read from the given environment and handed to the OTLP exporters
   * explicitly: left to themselves they would read process.env, not `env`.
   */
  readonly tracesOtlp: OtlpExporterSettings;
  readonly logsOtlp: OtlpExporterSettings;
  /** OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME of the given environment (the latter wins). */
  readonly resourceAttributes: Attributes;
  /** Where the `ndjson` logs exporter writes: `stdout`, `stderr` or a file path. */
  readonly localLogDestination: string;
  readonly localLogFormat: LocalLogFormat;
  readonly shutdownTimeoutMs: number;
  readonly correlationHeaders: readonly string[];
  readonly metricsFromEnvironment: boolean;
  /** OTEL_BLRP_* as the SDK reads them; apitrail builds its own processors, so it reads them itself. */
  readonly logBatch: BatchSettings;
  /** OTEL_BSP_*. */
  readonly spanBatch: BatchSettings;
  /** How often lost records are reported (one diagnostic warning per interval with the count). */
  readonly dropReportIntervalMs: number;
  /** APITRAIL_SPOOL_*: the write-ahead spool of the OTLP log export, and the local exporters' flush interval. */
  readonly spool: SpoolConfig;
}

export interface OtlpExporterSettings {
  readonly protocol: OtlpProtocol;
  /** The full export URL: the signal's own endpoint as given, or the shared one plus `v1/traces` / `v1/logs`. */
  readonly url: string;
  /** OTEL_EXPORTER_OTLP_HEADERS overridden by the signal's own OTEL_EXPORTER_OTLP_{TRACES,LOGS}_HEADERS. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMillis: number;
  readonly compression: (typeof OTLP_COMPRESSIONS)[number];
}

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

/**
 * The longest delay Node's timers take (2^31 - 1 ms, 24.8 days). A longer one is not honoured:
 * Node prints a TimeoutOverflowWarning of its own on the app's stderr, naming no variable, and
 * fires the timer after 1 ms (Node 22: every export timed out at once) or after 2^31 - 1 ms
 * (Node 24); so it is refused, like any value apitrail cannot honour.
 */
const MAX_TIMER_MS = 2_147_483_647;

function batchSettings(
  env: Environment,
  prefix: 'OTEL_BLRP' | 'OTEL_BSP',
  scheduledDelayMillis: number,
): BatchSettings {
  const integer = (suffix: string, fallback: number, min: number, max = Infinity): number =>
    readNumber(env, `${prefix}_${suffix}`, fallback, { min, max, integer: true });
  return {
    maxQueueSize: integer('MAX_QUEUE_SIZE', 2048, 1),
    maxExportBatchSize: integer('MAX_EXPORT_BATCH_SIZE', 512, 1),
    scheduledDelayMillis: integer('SCHEDULE_DELAY', scheduledDelayMillis, 0, MAX_TIMER_MS),
    exportTimeoutMillis: integer('EXPORT_TIMEOUT', 30000, 0, MAX_TIMER_MS),
  };
}

function exporterList<T extends string>(env: Environment, name: string, allowed: readonly (T | 'none')[]): T[] {
  const list = readEnumList<T | 'none'>(env, name, allowed, ['otlp' as T]);
  if (list.includes('none') && list.length > 1) {
    throw new ApitrailConfigError(
      name,
      `"none" cannot be combined with other exporters (got ${JSON.stringify(env[name])})`,
    );
  }
  // Each name makes one processor: a name given twice would write or export every record twice.
  const repeated = list.find((exporter, index) => list.indexOf(exporter) !== index);
  if (repeated !== undefined) {
    throw new ApitrailConfigError(name, `"${repeated}" is named more than once (each record would go out twice)`);
  }
  return list.filter((exporter): exporter is T => exporter !== 'none');
}

type OtlpSignal = 'TRACES' | 'LOGS';

/** The signal's own OTEL_EXPORTER_OTLP_{signal}_{setting} when set, else the shared OTEL_EXPORTER_OTLP_{setting}. */
function otlpVariable(env: Environment, signal: OtlpSignal, setting: string): string {
  const signalVariable = `OTEL_EXPORTER_OTLP_${signal}_${setting}`;
  return readString(env, signalVariable) === undefined ? `OTEL_EXPORTER_OTLP_${setting}` : signalVariable;
}

function protocol(env: Environment, signal: OtlpSignal): OtlpProtocol {
  const variable = otlpVariable(env, signal, 'PROTOCOL');
  const value = readString(env, variable, 'http/protobuf');
  if (value === 'grpc') {
    throw new ApitrailConfigError(variable, 'grpc is not supported by apitrail; use http/protobuf or http/json');
  }
  return readEnum(env, variable, OTLP_PROTOCOLS, 'http/protobuf');
}

// The rules of the OTLP exporter specification, as the SDK applies them to process.env.
function exportUrl(env: Environment, signal: OtlpSignal): string {
  const signalEndpoint = readString(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
  if (signalEndpoint !== undefined) return new URL(signalEndpoint).href;
  const sharedEndpoint = readString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318');
  const resourcePath = signal === 'TRACES' ? 'v1/traces' : 'v1/logs';
  return `${sharedEndpoint.endsWith('/') ? sharedEndpoint : `${sharedEndpoint}/`}${resourcePath}`;
}

function otlpExporterSettings(env: Environment, signal: OtlpSignal): OtlpExporterSettings {
  return {
    protocol: protocol(env, signal),
    url: exportUrl(env, signal),
    headers: {
      ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...otlpHeaders(env, `OTEL_EXPORTER_OTLP_${signal}_HEADERS`),
    },
    timeoutMillis: readNumber(env, otlpVariable(env, signal, 'TIMEOUT'), 10000, {
      min: 1,
      max: MAX_TIMER_MS,
      integer: true,
    }),
    compression: readEnum(env, otlpVariable(env, signal, 'COMPRESSION'), OTLP_COMPRESSIONS, 'none'),
  };
}

/**
 * The `key=value` entries of a comma-separated variable (OTEL_RESOURCE_ATTRIBUTES, the OTLP
 * headers), percent-decoded, spaces around them trimmed, an empty entry skipped. OpenTelemetry's
 * baggage parser, which apitrail used and the SDK's exporters use, drops an entry it cannot read (no
 * `=`, no key, an escape that is no UTF-8) without a word: a resource without its service name, an
 * export without its authorization header (every export then refused). Such an entry is refused,
 * naming its position; its text is never echoed (a header value is a credential). A value keeps a
 * `=` of its own (base64 padding).
 */
function keyValueEntries(name: string, value: string | undefined): [string, string][] {
  if (value === undefined) return [];
  const entries: [string, string][] = [];
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const separator = entry.indexOf('=');
    if (separator === -1) throw new ApitrailConfigError(name, `entry ${index + 1} is not key=value`);
    const key = entry.slice(0, separator).trim();
    if (key === '') throw new ApitrailConfigError(name, `entry ${index + 1} has an empty key`);
    try {
      entries.push([decodeURIComponent(key), decodeURIComponent(entry.slice(separator + 1).trim())]);
    } catch {
      throw new ApitrailConfigError(
        name,
        `entry ${index + 1} is not valid percent-encoding of UTF-8 (write ',' as %2C, '%' as %25)`,
      );
    }
  });
  return entries;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES as the specification writes it; a value also keeps a `;` (the baggage
 * parser cut it there, as baggage metadata; the SDK's own detector keeps it).
 */
function parseResourceAttributes(value: string | undefined): Record<string, string> {
  return Object.fromEntries(keyValueEntries('OTEL_RESOURCE_ATTRIBUTES', value));
}

/**
 * OTEL_EXPORTER_OTLP_*HEADERS as the OTLP exporters read them (W3C baggage: a `;` starts metadata,
 * which is left out), after every entry was checked to be readable.
 */
function otlpHeaders(env: Environment, name: string): Record<string, string> {
  keyValueEntries(name, env[name]);
  return parseKeyPairsIntoRecord(env[name]);
}

function resourceAttributes(env: Environment): Attributes {
  const serviceName = readString(env, 'OTEL_SERVICE_NAME');
  return {
    ...parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES),
    ...(serviceName === undefined ? {} : { [ATTR_SERVICE_NAME]: serviceName }),
  };
}

function checkEndpoint(env: Environment, name: string): void {
  const value = readString(env, name);
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // An endpoint can carry credentials (`https://user:token@…`, `?api_key=…`): never echoed.
    throw new ApitrailConfigError(name, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApitrailConfigError(name, `expected an http:// or https:// URL, got ${url.protocol}`);
  }
}

/** Every `OTEL_*` and `APITRAIL_*` variable the register reads, validated; throws ApitrailConfigError naming the first bad variable. */
export function readAutoConfig(env: Environment): AutoConfig {
  for (const name of [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  ]) {
    checkEndpoint(env, name);
  }
  const resource = resourceAttributes(env);
  const serviceName = resource[ATTR_SERVICE_NAME];
  return {
    disabled: readBoolean(env, 'OTEL_SDK_DISABLED', false),
    traceExporters: exporterList<TraceExporterName>(env, 'OTEL_TRACES_EXPORTER', TRACE_EXPORTERS),
    logExporters: exporterList<LogExporterName>(env, 'OTEL_LOGS_EXPORTER', LOG_EXPORTERS),
    tracesOtlp: otlpExporterSettings(env, 'TRACES'),
    logsOtlp: otlpExporterSettings(env, 'LOGS'),
    resourceAttributes: resource,
    localLogDestination: readString(env, 'APITRAIL_NDJSON_FILE', 'stdout'),
    localLogFormat: readEnum(env, 'APITRAIL_LOG_FORMAT', ['ndjson', 'human_readable'], 'ndjson'),
    shutdownTimeoutMs: readNumber(env, 'APITRAIL_SHUTDOWN_TIMEOUT_MS', 5000, { min: 0, max: 600_000, integer: true }),
    correlationHeaders: readList(env, 'APITRAIL_CORRELATION_HEADERS', ['x-request-id', 'x-correlation-id']),
    metricsFromEnvironment: readString(env, 'OTEL_METRICS_EXPORTER') !== undefined,
    // The SDK's own defaults: 1 s for log records, 5 s for spans.
    logBatch: batchSettings(env, 'OTEL_BLRP', 1000),
    spanBatch: batchSettings(env, 'OTEL_BSP', 5000),
    dropReportIntervalMs: readNumber(env, 'APITRAIL_DROP_REPORT_INTERVAL_MS', 10000, {
      min: 1,
      max: MAX_TIMER_MS,
      integer: true,
    }),
    spool: readSpoolConfig(env, typeof serviceName === 'string' ? serviceName : 'unknown_service'),
  };
}
