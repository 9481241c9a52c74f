import { diag } from '@opentelemetry/api';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  guard,
  neutralizeControlCharacters,
  unknownApitrailVariables,
  type Environment,
} from '@apitrail/core/internal';
import {
  KeyRegistryFile,
  createRequestContextFactory,
  readIdentityConfig,
  warnAboutEphemeralFingerprintKey,
  type ApiKeyResolver,
} from '@apitrail/identity/internal';
import {
  RequestContextLogRecordProcessor,
  RequestScopeInstrumentation,
  RequestTracker,
  apitrailHttpInstrumentationConfig,
} from '@apitrail/http';
import { ApitrailWinstonInstrumentation, localRedactor } from '@apitrail/winston/internal';
import { detectionProcessors, readDetectConfig } from '@apitrail/detect';
import { enrichmentProcessors, readEnrichConfig } from '@apitrail/enrich';
import {
  Quarantine,
  QuarantineLogRecordProcessor,
  alertWebhookProcessors,
  quarantineGate,
  readResponseConfig,
  readWebhookConfig,
} from '@apitrail/respond';
import { readIntegrityConfig, withIntegrity } from '@apitrail/integrity';
import { createRedaction, readRedactionConfig, type Redaction } from '@apitrail/redaction';
import { readAutoConfig, type AutoConfig } from './config.js';
import { RecordIdLogRecordProcessor } from '@apitrail/spool/internal';
import { exportingLogRecordProcessors, exportingSpanProcessors, isSpooled, writesSynchronously } from './exporters.js';
import { rootSampling } from './root-sampling.js';

/** Options of `apitrailComponents()` and `startApitrail()`: the environment, the app's own instrumentation-http settings, its API key lookup. */
export interface ComponentOptions {
  /** Defaults to `process.env`. */
  env?: Environment;
  /** The app's own instrumentation-http settings; apitrail's hooks run before its hooks. */
  httpInstrumentation?: HttpInstrumentationConfig;
  /** The app's own API key lookup (sync or async); its answers are cached under a keyed hash. */
  resolveApiKey?: ApiKeyResolver;
}

/**
 * Everything the register starts, as parts for apps that bootstrap the OpenTelemetry SDK
 * themselves: pass `instrumentations`, `spanProcessors` and `logRecordProcessors` to their
 * NodeSDK (starting it enables the request scope instrumentation), then call
 * `installRequestScope()` once.
 */
export interface ApitrailComponents {
  readonly config: AutoConfig;
  readonly instrumentations: Instrumentation[];
  readonly spanProcessors: SpanProcessor[];
  readonly logRecordProcessors: LogRecordProcessor[];
  /** The quarantine list with `APITRAIL_RESPONSE=block` (`add`, `lift`, `list`), else undefined. */
  readonly quarantine: Quarantine | undefined;
  /**
   * Enables the request scope instrumentation (if the SDK has not already) and watches the API key
   * registry file; returns a function that stops both.
   */
  installRequestScope(): () => void;
}

/**
 * The processor chains, in the order records flow: enrich → (redact → detect → record id →
 * integrity) → spool → export. With no trace exporter the span processor drops every span (the
 * register then makes no server spans; outgoing calls' spans are still made, for propagation).
 */
export function apitrailProcessors(
  config: AutoConfig,
  env: Environment = process.env,
  redaction: Redaction = createRedaction(readRedactionConfig(env)),
  quarantine?: Quarantine,
): {
  spanProcessors: SpanProcessor[];
  logRecordProcessors: LogRecordProcessor[];
} {
  // The redacting exporter is the backstop for anything the processor could not see.
  const exporting = exportingSpanProcessors(config, redaction.wrapSpanExporter);
  return {
    spanProcessors: exporting.length > 0 ? [redaction.spanProcessor, ...exporting] : [new NoopSpanProcessor()],
    logRecordProcessors: [
      new RequestContextLogRecordProcessor(),
      ...enrichmentProcessors(readEnrichConfig(env)),
      redaction.logRecordProcessor,
      ...detectionProcessors(readDetectConfig(env)),
      // Sees the detector's alerts as they re-enter the chain, redacted.
      ...alertWebhookProcessors(readWebhookConfig(env)),
      // Block mode: the keys of the configured rules' alerts are quarantined.
      ...(quarantine === undefined ? [] : [new QuarantineLogRecordProcessor(quarantine, readResponseConfig(env))]),
      // A spooled record can be exported twice (after an outage or a restart): its id, signed with
      // it, lets the SIEM keep one.
      ...(config.logExporters.some((name) => isSpooled(config, name)) ? [new RecordIdLogRecordProcessor()] : []),
      // Integrity wraps the exporters: nothing can mutate a record after it is signed. Into exporters
      // that all write synchronously at exit (NDJSON, console), its log closes after the app's last records.
      ...withIntegrity(readIntegrityConfig(env), exportingLogRecordProcessors(config), {
        closesAtExit: config.logExporters.every(writesSynchronously),
      }),
    ],
  };
}

/**
 * Instrumentations apitrail needs, configured with its hooks, disabled until the SDK registers them
 * (NodeSDK's start enables them): building the parts patches nothing.
 */
export function apitrailInstrumentations(
  tracker: RequestTracker,
  options: ComponentOptions,
  apiKeyQueryParam?: string,
  serverSpans = true,
): Instrumentation[] {
  const http = apitrailHttpInstrumentationConfig(tracker, options.httpInstrumentation, apiKeyQueryParam);
  if (!serverSpans) http.disableIncomingRequestInstrumentation = true;
  return [
    new HttpInstrumentation(http),
    new RequestScopeInstrumentation({
      tracker,
      enabled: false,
      continueTraceContext: http.disableIncomingRequestInstrumentation === true,
      // The SDK reads its sampler from process.env, whatever env the components were given.
      sampleNewTrace: rootSampling(process.env),
    }),
    // From the components' environment, which need not be process.env (apitrailComponents({ env })).
    // Enabled when the SDK starts, as the request scope is: enabled, it patches a winston already
    // loaded at once, and building the components (apitrailComponents()) must change nothing yet.
    new ApitrailWinstonInstrumentation({
      enabled: false,
      localRedaction: localRedactor(undefined, options.env ?? process.env) ?? false,
    }),
  ];
}

/** Reads the configuration (throwing ApitrailConfigError on bad input) and builds every part. */
export function apitrailComponents(options: ComponentOptions = {}): ApitrailComponents {
  return buildComponents(readAutoConfig(options.env ?? process.env), options);
}

/** A typo in a variable name must not silently leave a guarantee at its default. */
function warnAboutUnknownVariables(env: Environment): void {
  for (const { name, closest } of unknownApitrailVariables(env)) {
    diag.warn(`apitrail: unknown variable ${neutralizeControlCharacters(name)} is ignored; did you mean ${closest}?`);
  }
}

/**
 * Every part, from a configuration read. `serverSpans: false` (the register with no trace exporter)
 * makes no server spans: they would be dropped, and making them is most of what an audit-only
 * process spends in OpenTelemetry; requests continue their incoming trace context instead (see
 * `RequestScopeInstrumentationConfig.continueTraceContext`). Outgoing calls are still instrumented.
 */
/** What the register builds: the components, and its redactor's text half for what it writes on stderr. */
export interface BuiltComponents extends ApitrailComponents {
  readonly redactText: (text: string) => string;
}

export function buildComponents(config: AutoConfig, options: ComponentOptions, serverSpans = true): BuiltComponents {
  const env = options.env ?? process.env;
  const identity = readIdentityConfig(env);
  // One redactor for the processors and for the correlation-id check: a credential sent as
  // X-Request-ID is refused by the same rules that would mask it in the records.
  const redaction = createRedaction(readRedactionConfig(env));
  // Deferred: the SDK installs its diagnostic logger after the components are built.
  process.nextTick(() => {
    warnAboutEphemeralFingerprintKey(identity);
    warnAboutUnknownVariables(env);
  });
  const response = readResponseConfig(env);
  const quarantine = response.mode === 'block' ? new Quarantine(response.file) : undefined;
  const tracker = new RequestTracker({
    ...(quarantine === undefined ? {} : { gate: quarantineGate(quarantine, response.status) }),
    createRequestContext: createRequestContextFactory({
      correlationHeaders: config.correlationHeaders,
      config: identity,
      // Fails closed: an id the rules could not check is replaced like a credential, and the
      // request is still audited.
      isCredential: (value) =>
        guard('correlation id credential check', () => redaction.redactor.redactText(value) !== value, true),
      ...(options.resolveApiKey === undefined ? {} : { resolveApiKey: options.resolveApiKey }),
    }),
    auditScope: identity.auditScope,
    ...(identity.apiKeyQueryParam === undefined ? {} : { apiKeyQueryParam: identity.apiKeyQueryParam }),
  });
  const instrumentations = apitrailInstrumentations(tracker, options, identity.apiKeyQueryParam, serverSpans);
  const requestScope = instrumentations.find(
    (instrumentation) => instrumentation instanceof RequestScopeInstrumentation,
  );
  return {
    config,
    instrumentations,
    ...apitrailProcessors(config, env, redaction, quarantine),
    quarantine,
    redactText: (text) => redaction.redactor.redactText(text),
    installRequestScope: () => {
      requestScope?.enable();
      // The registry file is read again when it changes: revoking a key takes effect without a restart.
      const stopWatching = identity.keyRegistry instanceof KeyRegistryFile ? identity.keyRegistry.watch() : () => {};
      // So is the quarantine file: `apitrail quarantine add|lift` acts on a running process.
      const stopWatchingQuarantine = quarantine?.watch() ?? (() => undefined);
      return () => {
        requestScope?.disable();
        stopWatching();
        stopWatchingQuarantine();
      };
    },
  };
}
