import {
  ConsoleLogRecordExporter,
  BatchLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { StreamLogRecordExporter } from '@apitrail/export';
import type { AutoConfig, OtlpExporterSettings } from './config.js';
import { DropReporter } from './drop-reporter.js';
import { guardLogRecordExporter, guardSpanExporter } from './guarded-exporter.js';

type OtlpExporterOptions = NonNullable<ConstructorParameters<typeof OtlpProtoTraceExporter>[0]>;

/** The exporters' options from the components' environment: without them they would read process.env. */
function otlpExporterOptions(settings: OtlpExporterSettings): OtlpExporterOptions {
  return {
    url: settings.url,
    headers: { ...settings.headers },
    timeoutMillis: settings.timeoutMillis,
    // The SDK's CompressionAlgorithm enum has these very string values; its package is not a dependency.
    compression: settings.compression as OtlpExporterOptions['compression'],
  };
}

function spanExporter(config: AutoConfig, name: AutoConfig['traceExporters'][number]): SpanExporter {
  switch (name) {
    case 'console':
      return new ConsoleSpanExporter();
    case 'otlp': {
      const options = otlpExporterOptions(config.tracesOtlp);
      return config.tracesOtlp.protocol === 'http/json'
        ? new OtlpJsonTraceExporter(options)
        : new OtlpProtoTraceExporter(options);
    }
  }
}

function logRecordExporter(config: AutoConfig, name: AutoConfig['logExporters'][number]): LogRecordExporter {
  switch (name) {
    case 'console':
      return new ConsoleLogRecordExporter();
    case 'ndjson':
      return new StreamLogRecordExporter({ destination: config.localLogDestination, format: config.localLogFormat });
    case 'otlp': {
      const options = otlpExporterOptions(config.logsOtlp);
      return config.logsOtlp.protocol === 'http/json'
        ? new OtlpJsonLogExporter(options)
        : new OtlpProtoLogExporter(options);
    }
  }
}

/** One batch span processor per exporter named in OTEL_TRACES_EXPORTER, with OTEL_BSP_* and drop reporting. */
export function exportingSpanProcessors(
  config: AutoConfig,
  wrapExporter: (exporter: SpanExporter) => SpanExporter = (exporter) => exporter,
): SpanProcessor[] {
  return config.traceExporters.map((name) => {
    const drops = new DropReporter(`spans/${name}`, config.dropReportIntervalMs);
    return new BatchSpanProcessor({
      ...config.spanBatch,
      exporter: guardSpanExporter(wrapExporter(spanExporter(config, name)), drops),
      selfObsMeterProvider: drops.meterProvider(),
    });
  });
}

/** One batch log record processor per exporter named in OTEL_LOGS_EXPORTER, with OTEL_BLRP_* and drop reporting. */
export function exportingLogRecordProcessors(config: AutoConfig): LogRecordProcessor[] {
  return config.logExporters.map((name) => {
    const drops = new DropReporter(`logs/${name}`, config.dropReportIntervalMs);
    return new BatchLogRecordProcessor({
      ...config.logBatch,
      exporter: guardLogRecordExporter(logRecordExporter(config, name), drops),
      selfObsMeterProvider: drops.meterProvider(),
    });
  });
}
