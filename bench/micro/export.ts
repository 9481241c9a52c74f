// Export: sustained audit records per second into the real OpenTelemetry Collector over OTLP/HTTP
// (protobuf, the register's default, with its exporter), with nothing dropped. The producer emits a batch, then waits
// for the batch processor to flush it, so the rate is what the pipeline sustains rather than what a
// queue absorbs; every record must arrive in the collector's output file.
// Also, without the collector: the OTLP/protobuf serialisation of a 512-record batch of audit
// records, the SDK's serializer and apitrail's encoder (same bytes) side by side.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpLogExporter } from '@apitrail/auto/internal';
import { AUDIT_LOGGER_NAME, EVENT_API_REQUEST } from '@apitrail/core/internal';
import { encodeLogsExportRequest } from '@apitrail/export/internal';
import { collectorBinary } from '../../scripts/lib/collector-dist.mjs';
import { startCollector } from '../../test/helpers/collector.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { quick, report } from './harness.ts';
import { AUDIT_BODY, auditAttributes, auditEmitter, processorOf } from './records.ts';
import { round, summarize, unavailable, type Figure } from '../lib/stats.ts';

const DURATION_MS = quick ? 3000 : 10_000;
const BATCH = 2048;

const RECORD_MARKER = Buffer.from('"observedTimeUnixNano"');

/**
 * Counts the log records in the collector's output file as it grows, reading only what is new each
 * time: the file of a full run is larger than the longest string V8 can hold.
 */
function recordCounter(file: string): () => Promise<number> {
  let offset = 0;
  let count = 0;
  let carry = Buffer.alloc(0);
  return async () => {
    let handle;
    try {
      handle = await open(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead === 0) return count;
        offset += bytesRead;
        const text = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        for (let at = text.indexOf(RECORD_MARKER); at !== -1; at = text.indexOf(RECORD_MARKER, at + 1)) count += 1;
        carry = text.subarray(Math.max(0, text.length - RECORD_MARKER.length + 1));
      }
    } finally {
      await handle.close();
    }
  };
}

async function measure(binary: string): Promise<Record<string, Figure>> {
  const collector = await startCollector(binary, 'local-file.yaml');
  try {
    const processor = new BatchLogRecordProcessor({
      exporter: new OtlpLogExporter({ url: `${collector.otlpHttpEndpoint}/v1/logs` }, 'http/protobuf', () => undefined),
      maxQueueSize: BATCH * 2,
      maxExportBatchSize: 512,
    });
    const emit = auditEmitter(processor);
    let emitted = 0;
    const start = process.hrtime.bigint();
    const end = Date.now() + DURATION_MS;
    while (Date.now() < end) {
      for (let i = 0; i < BATCH; i += 1) emit();
      emitted += BATCH;
      await processor.forceFlush();
    }
    const flushed = Number(process.hrtime.bigint() - start) / 1e9;
    const count = recordCounter(join(collector.outputDir, 'logs.jsonl'));
    const received = await waitFor(
      'every record in the collector output',
      async () => {
        const arrived = await count();
        return arrived >= emitted ? arrived : undefined;
      },
      60_000,
    ).catch(count);
    const allArrived = Number(process.hrtime.bigint() - start) / 1e9;
    await processor.shutdown();
    return {
      emitted: { value: emitted, unit: 'records' },
      received: { value: received, unit: 'records' },
      dropped: { value: emitted - received, unit: 'records' },
      sustained:
        received === emitted
          ? {
              value: Math.round(emitted / allArrived),
              unit: 'records/s',
              note: 'emitted / time until the last record was in the collector file (file flush interval 100 ms included)',
            }
          : unavailable(
              `${emitted - received} of ${emitted} records were not in the collector output 60 s after the last flush`,
            ),
      accepted: {
        value: Math.round(emitted / flushed),
        unit: 'records/s',
        note: 'emitted / time until the exporter got 200 for all',
      },
      duration: { value: round(allArrived, 2), unit: 's' },
    };
  } finally {
    await collector.stop();
  }
}

const ENCODED_BATCH = 512;

/** A batch as the OTLP exporter receives it: audit records emitted inside a sampled span, one resource. */
function auditBatch(): ReadableLogRecord[] {
  const batch: ReadableLogRecord[] = [];
  const logger = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-api', 'service.version': '1.4.2', 'host.name': 'web-1' }),
    processors: [processorOf((record) => batch.push(record))],
  }).getLogger(AUDIT_LOGGER_NAME);
  for (let i = 0; i < ENCODED_BATCH; i += 1) {
    const spanContext = {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    logger.emit({
      eventName: EVENT_API_REQUEST,
      severityText: 'INFO',
      severityNumber: 9,
      body: AUDIT_BODY,
      attributes: auditAttributes(),
      context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
    });
  }
  return batch;
}

/**
 * µs per record of serialising the batch, each sample timing both serialisers one after the other
 * (alternating which goes first), so a noisy neighbour weighs on both sides.
 */
function encodingFigures(): Record<string, Figure> {
  const batch = auditBatch();
  const sdk = (): Uint8Array => ProtobufLogsSerializer.serializeRequest(batch)!;
  const apitrail = (): Uint8Array => encodeLogsExportRequest(batch)!;
  if (!Buffer.from(sdk()).equals(Buffer.from(apitrail()))) throw new Error('the encodings differ');
  const iterations = quick ? 20 : 60;
  const time = (work: () => Uint8Array): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) work();
    return Number(process.hrtime.bigint() - start) / 1000 / iterations / ENCODED_BATCH;
  };
  const warmupEnd = Date.now() + (quick ? 300 : 2000);
  while (Date.now() < warmupEnd) {
    time(sdk);
    time(apitrail);
  }
  const sdkSamples: number[] = [];
  const apitrailSamples: number[] = [];
  for (let r = 0; r < (quick ? 7 : 21); r += 1) {
    if (r % 2 === 0) sdkSamples.push(time(sdk));
    apitrailSamples.push(time(apitrail));
    if (r % 2 === 1) sdkSamples.push(time(sdk));
  }
  const sdkFigure = summarize(sdkSamples, 'µs/record');
  const apitrailFigure = summarize(apitrailSamples, 'µs/record');
  return {
    sdk_serializer: sdkFigure,
    apitrail_encoder: apitrailFigure,
    ratio: { value: round(apitrailFigure.value / sdkFigure.value, 3), unit: 'ratio', note: 'apitrail / SDK' },
    bytes_per_record: { value: Math.round(apitrail().length / ENCODED_BATCH), unit: 'bytes' },
  };
}

const encoding = encodingFigures();
const binary = await collectorBinary();
report({
  export_encoding: encoding,
  export:
    binary === undefined ? unavailable('the collector is not built (npm run collector:build)') : await measure(binary),
});
