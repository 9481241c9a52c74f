export { readSpoolConfig, defaultSpoolDirectory, type SpoolConfig } from './config.js';
export { Spool, type SpoolOptions } from './spool.js';
export { SynchronousExporterSink } from './exporter-sink.js';
export { DurableBatchLogRecordProcessor, type DurableBatchOptions } from './durable-batch-processor.js';
export { RecordIdLogRecordProcessor } from './record-id.js';
export { spoolCounts, observeSpoolCounts, type SpoolCounts } from './counters.js';
export { drainSpoolsSync, writeExitSummary } from './exit-drain.js';
export type { RecordSink } from './sink.js';
export { spoolStatus, spooledRecords, type SpoolStatus, type SegmentInfo } from './inspect.js';
