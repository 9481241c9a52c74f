// NDJSON formatting: records/s through the ndjson exporter's per-record work, toNdjsonObject then
// ndjsonLine (the write itself is the stream's business); and the projection alone, which is what
// a second reader of the same record (integrity's leaf hashing) saves by sharing ndjsonProjection.
// On the audit record as apitrail's register emits it (an AuditLogRecord); `projection_sdk_record`
// is the projection of the same record made by Logger.emit (inside an app's own SDK).
import { ndjsonLine, toNdjsonObject } from '@apitrail/export/internal';
import { nsPerOp, perSecond, report } from './harness.ts';
import { pipelineLogRecord, sdkLogRecord } from './records.ts';

const record = pipelineLogRecord();
const sdkRecord = sdkLogRecord();
const perRecord = nsPerOp(() => ndjsonLine(toNdjsonObject(record)));
const projection = nsPerOp(() => toNdjsonObject(record));
const projectionSdkRecord = nsPerOp(() => toNdjsonObject(sdkRecord));

report({
  ndjson: {
    audit_record: perRecord,
    throughput: perSecond(perRecord, 'records/s'),
    projection,
    projection_sdk_record: projectionSdkRecord,
  },
});
