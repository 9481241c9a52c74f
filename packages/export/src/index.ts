// The public API of @apitrail/export: what users call or configure (listed in its README).
export {
  StreamLogRecordExporter,
  type StreamLogRecordExporterOptions,
  type LocalLogFormat,
} from './stream-log-exporter.js';
export { toNdjsonObject, type NdjsonObject } from './ndjson-record.js';
