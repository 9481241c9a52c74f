import { format } from 'node:util';
import { diag, DiagLogLevel, logs, type DiagLogger, type DiagLoggerOptions } from '@opentelemetry/api';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { AuditRecordPipeline, useAuditRecordPipeline } from '@apitrail/http/internal';
import { observeSpoolCounts } from '@apitrail/spool';
import { ApitrailConfigError, markProcessEnding, readBoolean, type Environment } from '@apitrail/core/internal';
import { reportSpoolsElsewhere } from './spools-elsewhere.js';
import type { Quarantine } from '@apitrail/respond';
import { readAutoConfig, type AutoConfig } from './config.js';
import { buildComponents, type ComponentOptions } from './components.js';
import { condenseExportDiagnostics } from './export-failures.js';
import { EmittedRecordCounter, flushOnExit } from './shutdown.js';

/** What `startApitrail()` returns: the configuration in effect, `flush()`, `shutdown()` and the quarantine list. */
export interface ApitrailHandle {
  readonly config: AutoConfig;
  /** Exports everything queued so far; apitrail keeps running. */
  flush(): Promise<void>;
  /** Flushes and stops everything apitrail started. Safe to call more than once. */
  shutdown(): Promise<void>;
  /** The quarantine list with `APITRAIL_RESPONSE=block` (`add`, `lift`, `list`), else undefined. */
  readonly quarantine?: Quarantine;
}

/** Options of `startApitrail()`: those of `apitrailComponents()`, and whether to flush on exit signals. */
export interface StartOptions extends ComponentOptions {
  /** Flush on SIGTERM, SIGINT and beforeExit (default true). */
  flushOnExit?: boolean;
}

/**
 * OTel's diagnostics, all on stderr, redacted. The SDK's DiagConsoleLogger writes its info, debug
 * and verbose messages with console.info and console.log, to stdout: the app's own output, which a
 * CLI or a service writing NDJSON to stdout must keep to itself (an export retry during an outage is
 * an info message). And a diagnostic can quote what apitrail keeps from the telemetry: the resource
 * at debug level (OTEL_RESOURCE_ATTRIBUTES, the command line), an error holding a URL.
 */
function diagnosticsOnStderr(redactText: (text: string) => string): DiagLogger {
  const write = (...args: unknown[]): void => {
    let text: string;
    try {
      text = redactText(format(...args));
    } catch {
      text = 'apitrail: a diagnostic message is withheld (it could not be redacted)';
    }
    console.error(text);
  };
  return { error: write, warn: write, info: write, debug: write, verbose: write };
}

/**
 * The SDK's warning when a log record is emitted after its LoggerProvider was shut down, whole and
 * exact. apitrail shuts it down when the process ends (at `beforeExit`, after a signal's flush),
 * and an app that logs through the winston bridge from its own `exit` listener ("exiting") then got
 * this line on its stderr for every log line, about records the docs say go nowhere.
 */
const CLOSED_PIPELINE_WARNING = 'A shutdown LoggerProvider cannot provide a Logger';

const DUPLICATE_REGISTRATION = /^Error: @opentelemetry\/api: Attempted duplicate registration of API: (\w+)/;
const ONE_SDK =
  "Keep one SDK: pass apitrailComponents() to the app's NodeSDK instead of loading the register (docs/usage.md)";
const WHAT_THE_APP_LOST: Readonly<Record<string, readonly [string, string]>> = {
  context: ['context manager', "apitrail's is used"],
  propagation: [
    'propagator',
    "apitrail's, as OTEL_PROPAGATORS sets it (default tracecontext,baggage), is used; set OTEL_PROPAGATORS for another",
  ],
  trace: [
    'TracerProvider',
    `so the spans of the app's instrumentations go to apitrail's exporters (OTEL_TRACES_EXPORTER), not to the app's. ${ONE_SDK}`,
  ],
  logs: [
    'LoggerProvider',
    `so log records emitted through the global API go to apitrail's exporters (OTEL_LOGS_EXPORTER), not to the app's. ${ONE_SDK}`,
  ],
  metrics: ['MeterProvider', `so metrics go to apitrail's MeterProvider, not to the app's. ${ONE_SDK}`],
};

/**
 * Set while apitrail's own SDK starts: a duplicate registration then is apitrail's, refused because
 * the app registered that global before the register (a propagator or context manager: apitrail
 * does not start at all over a TracerProvider or LoggerProvider registered first).
 */
let registeringApitrail = false;

/**
 * What an `Attempted duplicate registration of API` error means under apitrail, or undefined. The API
 * reports it with a stack trace naming neither apitrail nor what becomes of the telemetry.
 * OpenTelemetry keeps the first registration: during apitrail's start the app's, after it apitrail's.
 */
function duplicateRegistrationNote(args: readonly unknown[]): string | undefined {
  const type = typeof args[0] === 'string' ? DUPLICATE_REGISTRATION.exec(args[0])?.[1] : undefined;
  if (type === undefined) return undefined;
  const [what, consequence] = WHAT_THE_APP_LOST[type] ?? [type, ONE_SDK];
  if (registeringApitrail) {
    return (
      `apitrail: apitrail's ${what} was not registered: one was registered before the register, and ` +
      `OpenTelemetry keeps the first one; that one is used${type === 'propagation' ? ' (OTEL_PROPAGATORS is not applied)' : ''}`
    );
  }
  return (
    `apitrail: the app's ${what} was not registered: apitrail's register started OpenTelemetry first and ` +
    `OpenTelemetry keeps the first one, ${consequence}`
  );
}

function withDuplicateRegistrationNotes(logger: DiagLogger): DiagLogger {
  return {
    ...logger,
    error: (...args) => {
      logger.error(...(args as [string]));
      const note = duplicateRegistrationNote(args);
      if (note !== undefined) console.error(note);
    },
  };
}

/**
 * The logger for the level the SDK sets. Below debug (the default, info), the SDK's own lines
 * about export failures are left out: apitrail's exporters report those failures themselves, one
 * line per exporter and interval (export-failures.ts); and so is its warning for each record after
 * the end. At debug and verbose, asked for explicitly with OTEL_LOG_LEVEL, everything is printed.
 */
function diagnosticsFor(redactText: (text: string) => string, options?: DiagLoggerOptions | DiagLogLevel): DiagLogger {
  const level = (typeof options === 'number' ? options : options?.logLevel) ?? DiagLogLevel.INFO;
  const logger = withDuplicateRegistrationNotes(diagnosticsOnStderr(redactText));
  if (level >= DiagLogLevel.DEBUG) return logger;
  const condensed = condenseExportDiagnostics(logger);
  return {
    ...condensed,
    warn: (...args) => {
      if (args.length !== 1 || args[0] !== CLOSED_PIPELINE_WARNING) condensed.warn(...(args as [string]));
    },
  };
}

/**
 * Runs `start` (the SDK's start, synchronous) with the diagnostic logger it installs (a
 * DiagConsoleLogger, at the level OTEL_LOG_LEVEL or its configuration file sets) replaced by
 * the one `logger` makes for that level, from the first message on.
 */
function withDiagnostics<T>(logger: (options?: DiagLoggerOptions | DiagLogLevel) => DiagLogger, start: () => T): T {
  const { setLogger } = diag;
  const onStderr: typeof setLogger = (_logger, options) =>
    Reflect.apply(setLogger, diag, [logger(options), options]) as boolean;
  Reflect.set(diag, 'setLogger', onStderr);
  registeringApitrail = true;
  try {
    return start();
  } finally {
    registeringApitrail = false;
    Reflect.set(diag, 'setLogger', setLogger);
  }
}

/**
 * The global providers some other SDK has registered already (OpenTelemetry's API keeps the first
 * one registered and refuses the next). apitrail's server spans and audit records would go to them,
 * past apitrail's redaction and to none of apitrail's exporters, so apitrail does not start then.
 * A context manager or propagator registered first is kept and harms nothing: not looked at.
 */
function providersRegisteredElsewhere(): string[] {
  // Where @opentelemetry/api 1.x keeps its globals, whichever copy of the API registered them.
  const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  if (api === undefined) return [];
  return [
    ...(api.trace === undefined ? [] : ['TracerProvider']),
    ...(api.logs === undefined ? [] : ['LoggerProvider']),
  ];
}

/**
 * The configuration when OTEL_SDK_DISABLED=true, the kill switch: nothing else is checked, so an
 * operator can turn apitrail off to get an app up whose other variables apitrail refuses (an
 * OTEL_EXPORTER_OTLP_PROTOCOL=grpc the platform sets for every service). What cannot be read is
 * reported at its defaults; nothing runs on it.
 */
function disabledConfig(env: Environment): AutoConfig {
  try {
    return readAutoConfig(env);
  } catch (error) {
    if (!(error instanceof ApitrailConfigError)) throw error;
    return readAutoConfig({ OTEL_SDK_DISABLED: 'true' });
  }
}

/**
 * Starts the OpenTelemetry SDK with apitrail's processors, hooks and exporters as the `OTEL_*`
 * and `APITRAIL_*` variables say. Throws ApitrailConfigError, naming the variable, on bad input.
 */
export function startApitrail(options: StartOptions = {}): ApitrailHandle {
  const env = options.env ?? process.env;
  const config = readBoolean(env, 'OTEL_SDK_DISABLED', false) ? disabledConfig(env) : readAutoConfig(env);
  const off: ApitrailHandle = { config, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  if (config.disabled) return off;
  const taken = providersRegisteredElsewhere();
  if (taken.length > 0) {
    process.stderr.write(
      `apitrail: not started: OpenTelemetry already has a global ${taken.join(' and ')} (an SDK started ` +
        "before apitrail's, such as the app's own tracing loaded first or an auto-instrumentation in NODE_OPTIONS); " +
        "apitrail's spans and audit records would go to that SDK's exporters without apitrail's redaction. " +
        'Give that SDK apitrailComponents() (docs/usage.md) or remove it\n',
    );
    return off;
  }

  // No trace exporter: nothing would export a server span. A file named by OTEL_CONFIG_FILE (which
  // the SDK reads from process.env) may name one.
  const serverSpans = config.traceExporters.length > 0 || (process.env.OTEL_CONFIG_FILE ?? '').trim() !== '';
  const components = buildComponents(config, options, serverSpans);
  const emitted = new EmittedRecordCounter();
  const logRecordProcessors = [...components.logRecordProcessors, emitted];
  const sdk = withDiagnostics(
    (options) => diagnosticsFor(components.redactText, options),
    () =>
      startNodeSdk({
        spanProcessors: components.spanProcessors,
        logRecordProcessors,
        instrumentations: components.instrumentations,
        // Above the SDK's detectors, which read OTEL_SERVICE_NAME from process.env, not `env`.
        resourceAttributes: components.config.resourceAttributes,
        ...(components.config.metricsFromEnvironment ? {} : { metricReaders: [] }),
      }),
  );
  // The LoggerProvider the SDK built around apitrail's processors: the audit record goes straight to
  // them (not when OTEL_CONFIG_FILE made the SDK build another provider).
  const pipeline = AuditRecordPipeline.of(logs.getLoggerProvider(), logRecordProcessors);
  const stopPipeline = pipeline === undefined ? () => undefined : useAuditRecordPipeline(pipeline);
  const stopRequestScope = components.installRequestScope();
  // Only now is the global MeterProvider the SDK's (the metrics API has no proxy provider).
  if (components.config.metricsFromEnvironment) observeSpoolCounts();
  reportSpoolsElsewhere(components.config, env);

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= sdk.shutdown().finally(() => {
      stopRequestScope();
      stopPipeline();
    }));
  // The process's end (the loop ran out, a signal): the LoggerProvider's processors are shut down
  // (exports closed; the integrity log closes there or at the last `exit` listener), but the
  // provider itself stays open, so what the app still logs until it goes (in its `exit` listener: "exiting", an audit line) goes
  // to the spool or the file synchronously instead of to the SDK's no-op logger.
  const endShutdown = (): Promise<void> => {
    markProcessEnding();
    const provider = pipeline?.provider;
    if (provider !== undefined && typeof (provider as { shutdown?: unknown }).shutdown === 'function') {
      Object.defineProperty(provider, 'shutdown', {
        configurable: true,
        value: () => Promise.all(logRecordProcessors.map((processor) => processor.shutdown())).then(() => undefined),
      });
    }
    return shutdown();
  };
  const processors = [...components.spanProcessors, ...components.logRecordProcessors];
  const flushAll = async (): Promise<void> => {
    await Promise.all(processors.map((processor) => processor.forceFlush()));
  };
  // One flush at a time: a batch processor's forceFlush does not wait for an export another flush
  // already started, so a second caller (the app's flushApitrail() while the signal handler's
  // drain runs) would return before the records it must see out were written.
  let flushing = Promise.resolve();
  const flush = (): Promise<void> => (flushing = flushing.then(flushAll, flushAll));
  const removeExitHooks =
    options.flushOnExit === false
      ? () => undefined
      : flushOnExit(
          { flush, shutdown: endShutdown, recordsEmitted: () => emitted.count },
          components.config.shutdownTimeoutMs,
        );
  return {
    config: components.config,
    ...(components.quarantine === undefined ? {} : { quarantine: components.quarantine }),
    flush,
    shutdown: () => {
      removeExitHooks();
      return shutdown();
    },
  };
}
