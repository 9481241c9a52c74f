// Configuration B: plain OpenTelemetry, the baseline apitrail is compared with. NodeSDK with
// instrumentation-http only, one batch span processor, OTLP/HTTP protobuf (the register's default
// protocol) to the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT. No logs, no metrics.
'use strict';
const { startNodeSdk } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

startNodeSdk({
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  logRecordProcessors: [],
  metricReaders: [],
  instrumentations: [new HttpInstrumentation()],
});
