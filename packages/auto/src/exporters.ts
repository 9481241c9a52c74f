import { ConsoleLogRecordExporter, BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { StreamLogRecordExporter } from '@apitrail/export';
import type { AutoConfig } from './config.js';

/** One batch span processor per exporter named in OTEL_TRACES_EXPORTER. */
export function exportingSpanProcessors(config: AutoConfig): SpanProcessor[] {
  return config.traceExporters.map((name) => {
    switch (name) {
      case 'console':
        return new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() });
      case 'otlp':
        return new BatchSpanProcessor({
          exporter: config.tracesProtocol === 'http/json' ? new OtlpJsonTraceExporter() : new OtlpProtoTraceExporter(),
        });
    }
  });
}

/** One batch log record processor per exporter named in OTEL_LOGS_EXPORTER. */
export function exportingLogRecordProcessors(config: AutoConfig): LogRecordProcessor[] {
  return config.logExporters.map((name) => {
    switch (name) {
      case 'console':
        return new BatchLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() });
      case 'ndjson':
        return new BatchLogRecordProcessor({
          exporter: new StreamLogRecordExporter({
            destination: config.localLogDestination,
            format: config.localLogFormat,
          }),
        });
      case 'otlp':
        return new BatchLogRecordProcessor({
          exporter: config.logsProtocol === 'http/json' ? new OtlpJsonLogExporter() : new OtlpProtoLogExporter(),
        });
    }
  });
}
