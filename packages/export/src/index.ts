export {
  StreamLogRecordExporter,
  type StreamLogRecordExporterOptions,
  type LocalLogFormat,
} from './stream-log-exporter.js';
export {
  toNdjsonObject,
  ndjsonProjection,
  ndjsonLine,
  queryParamsObject,
  isoTimestamp,
  type NdjsonObject,
} from './ndjson-record.js';
export { formatHumanReadable, formatHumanReadableFields } from './human-readable.js';
