// Export: sustained audit records per second into the real OpenTelemetry Collector over OTLP/HTTP
// (protobuf, the register's default), with nothing dropped. The producer emits a batch, then waits
// for the batch processor to flush it, so the rate is what the pipeline sustains rather than what a
// queue absorbs; every record must arrive in the collector's output file.
import { readFile } from 'node:fs/promises';
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

async function arrived(outputDir: string): Promise<number> {
  try {
    return (await readFile(join(outputDir, 'logs.jsonl'), 'utf8')).match(/"observedTimeUnixNano"/g)?.length ?? 0;
  } catch {
    return 0;
  }
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
    const received = await waitFor(
      'every record in the collector output',
      async () => {
        const count = await arrived(collector.outputDir);
        return count >= emitted ? count : undefined;
      },
      60_000,
    ).catch(() => arrived(collector.outputDir));
    const allArrived = Number(process.hrtime.bigint() - start) / 1e9;
    await processor.shutdown();
    return {
      emitted: { value: emitted, unit: 'records' },
      received: { value: received, unit: 'records' },
      dropped: { value: emitted - received, unit: 'records' },
      sustained: {
        value: Math.round(emitted / allArrived),
        unit: 'records/s',
        note: 'emitted / time until the last record was in the collector file (file flush interval 100 ms included)',
      },
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
