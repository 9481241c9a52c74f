// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/spool' (src/index.ts).
export { readSpoolConfig, defaultSpoolDirectory, type SpoolConfig } from './config.js';
export { Spool, STALE_AFTER_MS, type SpoolOptions } from './spool.js';
export { SynchronousExporterSink } from './exporter-sink.js';
export { DurableBatchLogRecordProcessor, type DurableBatchOptions } from './durable-batch-processor.js';
export { RecordIdLogRecordProcessor } from './record-id.js';
export { spoolCounts, observeSpoolCounts, countRejected, type SpoolCounts } from './counters.js';
export { drainSpoolsSync, persistSpoolsSync, listenAtExit } from './exit-drain.js';
export type { RecordSink } from './sink.js';
export { spoolStatus, spooledRecords, type SpoolStatus, type SegmentInfo } from './inspect.js';
export { spoolsElsewhere, defaultSpoolBase, type SpoolElsewhere } from './elsewhere.js';
