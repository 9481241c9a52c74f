// Export: sustained audit records per second into the real OpenTelemetry Collector over OTLP/HTTP
// (protobuf, the register's default), with nothing dropped. The producer emits a batch, then waits
// for the batch processor to flush it, so the rate is what the pipeline sustains rather than what a
// queue absorbs; every record must arrive in the collector's output file.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { collectorBinary } from '../../scripts/lib/collector-dist.mjs';
import { startCollector } from '../../test/helpers/collector.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { quick, report } from './harness.ts';
import { auditEmitter } from './records.ts';
import { round, unavailable, type Figure } from '../lib/stats.ts';

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
      exporter: new OTLPLogExporter({ url: `${collector.otlpHttpEndpoint}/v1/logs` }),
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

const binary = await collectorBinary();
report({
  export:
    binary === undefined ? unavailable('the collector is not built (npm run collector:build)') : await measure(binary),
});
