import { metrics, type ObservableResult } from '@opentelemetry/api';
import { INSTRUMENTATION_VERSION, recordDropped } from '@apitrail/core/internal';

/**
 * What became of the records that reached a spool or a synchronous local sink, since the process
 * started. `spooled` counts records written to a spool segment (during an outage, or when an export
 * was slow; a healthy run writes none); `exported` those the exporter acknowledged; `replayed` the exported ones that came from a
 * segment an earlier process left; `dropped` those lost: at the spool's size cap, when the disk
 * refused them and the exporter could not take them either, a damaged line, a value no format
 * can hold, or refused by the receiver in an export it accepted (an OTLP partial success);
 * `refused` those the receiver refused for good (HTTP 400, 413, 422), set aside in the spool's
 * `refused/` directory, kept there for `apitrail spool replay --refused`.
 */
export interface SpoolCounts {
  spooled: number;
  exported: number;
  replayed: number;
  dropped: number;
  refused: number;
}

const counts: SpoolCounts = { spooled: 0, exported: 0, replayed: 0, dropped: 0, refused: 0 };

/** The counts since start, summed over every spool of the process. */
export function spoolCounts(): Readonly<SpoolCounts> {
  return counts;
}

export function countSpooled(records: number): void {
  counts.spooled += records;
}

export function countExported(records: number, replayed: boolean): void {
  counts.exported += records;
  if (replayed) counts.replayed += records;
}

/** Records the receiver refused for good, set aside in the spool's `refused/` directory: kept, not exported. */
export function countRefused(records: number): void {
  counts.refused += records;
}

/** Lost records: counted here and in core's `droppedCounts()` under `channel` (`logs/otlp`). */
export function countDropped(channel: string, records: number): void {
  if (records <= 0) return;
  counts.dropped += records;
  recordDropped(channel, records);
}

/**
 * Records a receiver refused in an export it accepted (an OTLP partial success, reported before the
 * export's success is counted): lost, and so counted as dropped, not as exported.
 */
export function countRejected(channel: string, records: number): void {
  if (records <= 0) return;
  counts.exported -= records;
  countDropped(channel, records);
}

let observing = false;

/**
 * Publishes the counts through the OTel metrics API, as `apitrail.spool.records` with
 * `apitrail.spool.outcome` = spooled | exported | replayed | dropped | refused. Call after the SDK set the
 * global MeterProvider (the metrics API has no proxy provider); a second call is a no-op.
 */
export function observeSpoolCounts(): void {
  if (observing) return;
  observing = true;
  const meter = metrics.getMeter('@apitrail/spool', INSTRUMENTATION_VERSION);
  meter
    .createObservableCounter('apitrail.spool.records', {
      description: 'Log records through the spool, by outcome',
      unit: '{record}',
    })
    .addCallback((result: ObservableResult) => {
      for (const outcome of ['spooled', 'exported', 'replayed', 'dropped', 'refused'] as const) {
        result.observe(counts[outcome], { 'apitrail.spool.outcome': outcome });
      }
    });
}
