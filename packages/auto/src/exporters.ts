import type { Writable } from 'node:stream';
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
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { StreamLogRecordExporter } from '@apitrail/export';
import {
  DurableBatchLogRecordProcessor,
  Spool,
  SynchronousExporterSink,
  countRejected,
  listenAtExit,
} from '@apitrail/spool/internal';
import { atLastExit, recordDropped } from '@apitrail/core/internal';
import type { AutoConfig, OtlpExporterSettings } from './config.js';
import { DropReporter } from './drop-reporter.js';
import { endpointForDisplay, ExportFailureReporter } from './export-failures.js';
import { guardLogRecordExporter, guardSpanExporter, type InFlightCount } from './guarded-exporter.js';
import { OtlpLogExporter } from './otlp-log-exporter.js';
import { unrefAgentFactory } from './unref-agent.js';
import { unrefExportTimeouts, unrefRetries } from './unheld-exports.js';

type OtlpExporterOptions = NonNullable<ConstructorParameters<typeof OtlpProtoTraceExporter>[0]>;

/** The exporters' options from the components' environment: without them they would read process.env. */
function otlpExporterOptions(settings: OtlpExporterSettings): OtlpExporterOptions {
  return {
    url: settings.url,
    headers: { ...settings.headers },
    timeoutMillis: settings.timeoutMillis,
    // The SDK's CompressionAlgorithm enum has these very string values; its package is not a dependency.
    compression: settings.compression as OtlpExporterOptions['compression'],
    httpAgentOptions: unrefAgentFactory,
  };
}

function spanExporter(config: AutoConfig, name: AutoConfig['traceExporters'][number]): SpanExporter {
  switch (name) {
    case 'console':
      return new ConsoleSpanExporter();
    case 'otlp': {
      const options = otlpExporterOptions(config.tracesOtlp);
      return unrefRetries(
        config.tracesOtlp.protocol === 'http/json'
          ? new OtlpJsonTraceExporter(options)
          : new OtlpProtoTraceExporter(options),
      );
    }
  }
}

/**
 * The exporter `name` stands for. `onRejected` takes the records an OTLP receiver refuses in an
 * export it accepts (a partial success): lost, so the caller counts them as dropped.
 */
export function logRecordExporter(
  config: AutoConfig,
  name: AutoConfig['logExporters'][number],
  onRejected: (records: number) => void,
): LogRecordExporter {
  switch (name) {
    case 'console':
      return new ConsoleLogRecordExporter();
    case 'ndjson':
      return new StreamLogRecordExporter({ destination: config.localLogDestination, format: config.localLogFormat });
    case 'otlp':
      return unrefRetries(
        new OtlpLogExporter(otlpExporterOptions(config.logsOtlp), config.logsOtlp.protocol, onRejected),
      );
  }
}

/** Where an exporter sends, for its failure reports: an OTLP URL without credentials, `the console`, the NDJSON destination. */
function exportTarget(name: 'otlp' | 'console' | 'ndjson', otlp: OtlpExporterSettings, config: AutoConfig): string {
  switch (name) {
    case 'otlp':
      return endpointForDisplay(otlp.url);
    case 'console':
      return 'the console';
    case 'ndjson':
      return config.localLogDestination;
  }
}

/**
 * What one of the SDK's batch processors still holds when the process ends (its queue, the export in
 * flight) is lost with the process: nothing asynchronous runs after the `exit` event, and its
 * exporter sends over the network. At the last `exit` listener (after the integrity log's close,
 * whose checkpoint joins the queue) it is counted as dropped under `channel`, so the exit summary
 * (log records) and `droppedCounts()` say so. A flush that finished first (the loop ran out, a
 * signal's bounded flush) leaves nothing to count. `queue`: the processor's own array of what waits.
 */
function countLeftAtExit<T extends object>(
  processor: T,
  queue: '_finishedLogRecords' | '_finishedSpans',
  exporter: InFlightCount,
  channel: string,
): T {
  listenAtExit();
  atLastExit(() => {
    const waiting: unknown = Reflect.get(processor, queue);
    recordDropped(channel, (Array.isArray(waiting) ? waiting.length : 0) + exporter.inFlight());
  }, 'count');
  return processor;
}

/** One batch span processor per exporter named in OTEL_TRACES_EXPORTER, with OTEL_BSP_*, drop and failure reporting. */
export function exportingSpanProcessors(
  config: AutoConfig,
  wrapExporter: (exporter: SpanExporter) => SpanExporter = (exporter) => exporter,
): SpanProcessor[] {
  return config.traceExporters.map((name) => {
    const drops = new DropReporter(`spans/${name}`, config.dropReportIntervalMs);
    const failures = new ExportFailureReporter(
      'span export',
      exportTarget(name, config.tracesOtlp, config),
      config.dropReportIntervalMs,
    );
    const exporter = guardSpanExporter(wrapExporter(spanExporter(config, name)), drops, failures);
    return countLeftAtExit(
      unrefExportTimeouts(
        new BatchSpanProcessor({ ...config.spanBatch, exporter, selfObsMeterProvider: drops.meterProvider() }),
      ),
      '_finishedSpans',
      exporter,
      drops.channel,
    );
  });
}

/** The standard stream an exporter writes into: stdout for the console one, stdout or stderr for NDJSON there. */
function localStream(name: AutoConfig['logExporters'][number], config: AutoConfig): Writable | undefined {
  if (name === 'console') return process.stdout;
  if (name !== 'ndjson') return undefined;
  if (config.localLogDestination === 'stdout') return process.stdout;
  if (config.localLogDestination === 'stderr') return process.stderr;
  return undefined;
}

/** Whether records bound for this exporter go through the spool (the OTLP one, unless APITRAIL_SPOOL_DIR=off). */
export function isSpooled(config: AutoConfig, name: AutoConfig['logExporters'][number]): boolean {
  return name === 'otlp' && config.spool.directory !== undefined;
}

/**
 * Whether this exporter has written a batch when its `export` returns: the NDJSON exporter (a file,
 * or stdout/stderr) and the SDK's console exporter (`console.dir`, stdout). Files, pipes and
 * terminals take such a write at once on Linux, so the exit drain can hand them the last batch in
 * the `exit` event, and no spool needs to sit in front of them.
 */
export function writesSynchronously(name: AutoConfig['logExporters'][number]): boolean {
  return name === 'ndjson' || name === 'console';
}

/**
 * One processor per exporter named in OTEL_LOGS_EXPORTER, with drop and failure reporting. OTLP goes through
 * the write-ahead spool; the NDJSON and console exporters write synchronously. All three are batched
 * every APITRAIL_SPOOL_FLUSH_INTERVAL_MS or every OTEL_BLRP_MAX_EXPORT_BATCH_SIZE records, whichever
 * comes first, and drained at exit (the SDK's batch processor would lose its queue at `process.exit()`,
 * uncounted). Only OTLP with the spool off keeps the SDK's batch processor with OTEL_BLRP_*.
 */
export function exportingLogRecordProcessors(config: AutoConfig): LogRecordProcessor[] {
  return config.logExporters.map((name) => {
    const channel = `logs/${name}`;
    const drops = new DropReporter(channel, config.dropReportIntervalMs);
    const spooled = isSpooled(config, name);
    // Through the spool, a refused record was counted as handed to the exporter: its counts correct that.
    const onRejected = spooled
      ? (records: number) => countRejected(channel, records)
      : (records: number) => drops.add(records);
    const failures = new ExportFailureReporter(
      'log export',
      exportTarget(name, config.logsOtlp, config),
      config.dropReportIntervalMs,
    );
    const exporter = guardLogRecordExporter(logRecordExporter(config, name, onRejected), drops, failures);
    const { flushIntervalMs, directory, maxBytes } = config.spool;
    if (spooled) {
      const spool = new Spool({
        directory: directory!,
        maxBytes,
        exporter,
        maxExportBatchSize: config.logBatch.maxExportBatchSize,
        resource: resourceFromAttributes(config.resourceAttributes),
        channel,
        // Half the interval to hand a batch over, half for its export to be acknowledged before it
        // is written out: a record is exported or on disk within the flush interval either way.
        writeBehindMs: Math.max(1, Math.floor(flushIntervalMs / 2)),
      });
      return new DurableBatchLogRecordProcessor({
        sink: spool,
        flushIntervalMs: Math.max(1, Math.floor(flushIntervalMs / 2)),
        maxBatchSize: config.logBatch.maxExportBatchSize,
        channel,
      });
    }
    if (writesSynchronously(name)) {
      return new DurableBatchLogRecordProcessor({
        // What stdout (or stderr) has not written when the process exits is counted as dropped.
        sink: new SynchronousExporterSink(exporter, channel, {
          stream: localStream(name, config),
          eachRecord: name === 'console',
          settlesResources: name === 'console',
        }),
        flushIntervalMs,
        maxBatchSize: config.logBatch.maxExportBatchSize,
        channel,
      });
    }
    return countLeftAtExit(
      new BatchLogRecordProcessor({ ...config.logBatch, exporter, selfObsMeterProvider: drops.meterProvider() }),
      '_finishedLogRecords',
      exporter,
      channel,
    );
  });
}
