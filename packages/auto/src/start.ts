import { startNodeSdk } from '@opentelemetry/sdk-node';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Environment } from '@apitrail/core';
import { createRequestContextFactory } from '@apitrail/identity';
import {
  RequestContextLogRecordProcessor,
  RequestTracker,
  apitrailHttpInstrumentationConfig,
  installRequestScope,
} from '@apitrail/http';
import { readAutoConfig, type AutoConfig } from './config.js';
import { exportingLogRecordProcessors, exportingSpanProcessors } from './exporters.js';
import { flushOnExit } from './shutdown.js';

export interface ApitrailHandle {
  readonly config: AutoConfig;
  /** Flushes and stops everything apitrail started. Safe to call more than once. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to `process.env`. */
  env?: Environment;
  /** The app's own instrumentation-http settings; apitrail's hooks run before its hooks. */
  httpInstrumentation?: HttpInstrumentationConfig;
  /** Flush on SIGTERM, SIGINT and beforeExit (default true). */
  flushOnExit?: boolean;
}

/**
 * The processor chains, in the order records flow: enrich → (redact → integrity) → export. With
 * no trace exporter, spans are still created (and dropped) so that log records carry trace and
 * span ids and incoming trace context keeps propagating.
 */
export function apitrailProcessors(config: AutoConfig): {
  spanProcessors: SpanProcessor[];
  logRecordProcessors: LogRecordProcessor[];
} {
  const exporting = exportingSpanProcessors(config);
  return {
    spanProcessors: exporting.length > 0 ? exporting : [new NoopSpanProcessor()],
    logRecordProcessors: [new RequestContextLogRecordProcessor(), ...exportingLogRecordProcessors(config)],
  };
}

/**
 * Starts the OpenTelemetry SDK with apitrail's processors, hooks and exporters as the `OTEL_*`
 * and `APITRAIL_*` variables say. Throws ApitrailConfigError, naming the variable, on bad input.
 */
export function startApitrail(options: StartOptions = {}): ApitrailHandle {
  const config = readAutoConfig(options.env ?? process.env);
  if (config.disabled) return { config, shutdown: () => Promise.resolve() };

  const tracker = new RequestTracker({
    createRequestContext: createRequestContextFactory({ correlationHeaders: config.correlationHeaders }),
  });
  const { spanProcessors, logRecordProcessors } = apitrailProcessors(config);
  const sdk = startNodeSdk({
    spanProcessors,
    logRecordProcessors,
    instrumentations: [
      new HttpInstrumentation(apitrailHttpInstrumentationConfig(tracker, options.httpInstrumentation)),
    ],
    ...(config.metricsFromEnvironment ? {} : { metricReaders: [] }),
  });
  const detachRequestScope = installRequestScope(tracker);

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (stopping ??= sdk.shutdown().finally(detachRequestScope));
  const removeExitHooks =
    options.flushOnExit === false ? () => undefined : flushOnExit(shutdown, config.shutdownTimeoutMs);
  return {
    config,
    shutdown: () => {
      removeExitHooks();
      return shutdown();
    },
  };
}
