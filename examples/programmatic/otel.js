// The app's own OpenTelemetry bootstrap, for apps that already start a NodeSDK themselves. apitrail
// contributes parts (instrumentations with its hooks, processors, exporters as OTEL_* and
// APITRAIL_* say, the request scope); the app keeps its SDK, its resource and its shutdown.
// Load it before anything else: first line of the app, or `node --require ./otel.js app.js`.
'use strict';
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { apitrailComponents } = require('@apitrail/auto');
const { verifyKey } = require('../shared/api-keys.js');

// A malformed APITRAIL_* / OTEL_* value throws ApitrailConfigError here, naming the variable.
const apitrail = apitrailComponents({
  // The app's own key lookup tells apitrail who is calling; apitrail caches the answers under a
  // keyed hash of the key, never the key itself.
  resolveApiKey: (presented) => {
    const key = verifyKey(presented);
    return key === undefined ? undefined : { id: key.id, name: key.name, tenantId: key.tenant_id };
  },
});

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'example-programmatic',
  instrumentations: apitrail.instrumentations,
  spanProcessors: apitrail.spanProcessors,
  logRecordProcessors: apitrail.logRecordProcessors,
  // NodeSDK would otherwise export metrics over OTLP by default; like the register, only when
  // OTEL_METRICS_EXPORTER asks for them.
  ...(apitrail.config.metricsFromEnvironment ? {} : { metricReaders: [] }),
});
sdk.start();
const stopRequestScope = apitrail.installRequestScope();

// Shutdown is the app's: flush what apitrail recorded before the process goes.
process.once('SIGTERM', () => {
  stopRequestScope();
  sdk.shutdown().finally(() => process.exit(0));
});
