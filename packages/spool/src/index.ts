// The public API of @apitrail/spool: what users call or configure (listed in its README).
export {
  readSpoolConfig,
  defaultSpoolDirectory,
  Spool,
  DurableBatchLogRecordProcessor,
  spoolCounts,
  observeSpoolCounts,
  drainSpoolsSync,
  spoolStatus,
  spooledRecords,
  type SpoolConfig,
  type SpoolOptions,
  type DurableBatchOptions,
  type RecordSink,
  type SpoolCounts,
  type SpoolStatus,
  type SegmentInfo,
} from './internal.js';
