// Spool: what the write-ahead spool costs per record. On the request path: the batching stage's
// onEmit (an array push; the timer's hand-over amortised in) and the record id (`apitrail.record.id`,
// one setAttribute), each as emit with it minus emit without. Off the request path, in the timer:
// encoding a batch and appending it to a segment (page cache, no fsync), with an exporter that
// acknowledges at once so segments are removed as in a healthy run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { emptyResource } from '@opentelemetry/resources';
import { nsPerOp, quick, report, withPackage } from './harness.ts';
import { auditEmitter, processorOf, sdkLogRecord } from './records.ts';
import { summarize, type Measured } from '../lib/stats.ts';

const BATCH = 256;
const IDS_PER_EMIT = 64;

interface Sink {
  write(records: ReadableLogRecord[]): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  exitSync(): void;
  recordsWaiting(): number;
}
type ProcessorClass = new (options: { sink: Sink; flushIntervalMs: number; channel: string }) => {
  onEmit(record: ReadableLogRecord): void;
  forceFlush(): Promise<void>;
};
type SpoolClass = new (options: object) => Sink;
type RecordIdClass = new () => { onEmit(record: ReadableLogRecord): void };

/**
 * ns per call of `withWork` minus `without`, timed in alternation (one batch of each per sample) so
 * that load from other processes on a shared machine falls on both sides of the difference.
 */
function interleavedDifference(withWork: () => unknown, without: () => unknown, note: string): Measured {
  const iterations = 20_000;
  const time = (work: () => unknown): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) work();
    return Number(process.hrtime.bigint() - start) / iterations;
  };
  // Warm-up: both paths compiled before the first sample.
  for (let i = 0; i < 5; i += 1) {
    time(withWork);
    time(without);
  }
  const samples: number[] = [];
  for (let r = 0; r < (quick ? 9 : 31); r += 1) samples.push(time(withWork) - time(without));
  return { ...summarize(samples, 'ns/op', 1), note };
}

const acknowledging: LogRecordExporter = {
  export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

report({
  spool: await withPackage('@apitrail/spool/internal', (module) => {
    const Processor = module.DurableBatchLogRecordProcessor as ProcessorClass;
    const Spool = module.Spool as SpoolClass;
    const RecordId = module.RecordIdLogRecordProcessor as RecordIdClass;

    const discarding: Sink = {
      write: () => undefined,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
      exitSync: () => undefined,
      recordsWaiting: () => 0,
    };
    const batching = new Processor({ sink: discarding, flushIntervalMs: 200, channel: 'logs/bench' });
    const emitted = sdkLogRecord();
    let count = 0;
    // The timer never fires inside a synchronous loop: hand over as it would, once a batch.
    const onEmit = nsPerOp(() => {
      batching.onEmit(emitted);
      if (++count % BATCH === 0) void batching.forceFlush();
    });
    // One emit costs several microseconds and varies more than the id does: the id is set 64
    // times per emit (a new sequence number each time) and the difference divided by 64.
    const recordId = new RecordId();
    const ids = interleavedDifference(
      auditEmitter(
        processorOf((record) => {
          for (let i = 0; i < IDS_PER_EMIT; i += 1) recordId.onEmit(record);
        }),
      ),
      auditEmitter(processorOf(() => undefined)),
      'apitrail.record.id',
    );
    const id = {
      ...summarize(
        ids.samples!.map((ns) => ns / IDS_PER_EMIT),
        'ns/op',
        1,
      ),
      note: `apitrail.record.id: one setAttribute per record (emit setting it ${IDS_PER_EMIT} times minus emit alone, interleaved, / ${IDS_PER_EMIT})`,
    };

    const directory = mkdtempSync(join(tmpdir(), 'apitrail-bench-spool-'));
    try {
      const record = sdkLogRecord();
      const batch = Array.from({ length: BATCH }, () => record);
      /** ns per record handed to a spool over an exporter that acknowledges at once. */
      const perRecord = (writeBehindMs: number): Measured => {
        const spool = new Spool({
          directory,
          maxBytes: 1 << 30,
          exporter: acknowledging,
          maxExportBatchSize: 512,
          resource: emptyResource(),
          channel: 'logs/bench',
          writeBehindMs,
        });
        const perBatch = nsPerOp(() => spool.write(batch));
        spool.exitSync();
        return summarize(
          perBatch.samples!.map((ns) => ns / BATCH),
          'ns/op',
          1,
        );
      };
      const healthy = perRecord(100);
      const writeAhead = perRecord(0);
      return {
        request_path_per_record: {
          ...summarize(
            onEmit.samples!.map((ns, i) => ns + (id.samples![i] ?? id.value)),
            'ns/op',
            1,
          ),
          note: 'batching onEmit + record id: what the spool adds to the request path (target <= 1000 ns)',
        },
        batching_on_emit: { ...onEmit, note: 'the batching stage onEmit (an array push), hand-over amortised' },
        record_id: id,
        healthy_off_request_path_per_record: {
          ...healthy,
          note: `a healthy exporter: the batch (${BATCH} records) exported straight from memory, nothing written (write-behind); in the timer, not on the request path`,
        },
        write_ahead_off_request_path_per_record: {
          ...writeAhead,
          note: `an outage: encode + append to a segment in batches of ${BATCH}, segment removed after the ack; in the timer, not on the request path`,
        },
      };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }),
});
