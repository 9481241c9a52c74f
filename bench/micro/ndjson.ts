// NDJSON formatting: records/s through the ndjson exporter's per-record work, toNdjsonObject then
// ndjsonLine (the write itself is the stream's business); and the projection alone, which is what
// a second reader of the same record (integrity's leaf hashing) saves by sharing ndjsonProjection.
import { ndjsonLine, toNdjsonObject } from '@apitrail/export/internal';
import { nsPerOp, perSecond, report } from './harness.ts';
import { sdkLogRecord } from './records.ts';

const record = sdkLogRecord();
const perRecord = nsPerOp(() => ndjsonLine(toNdjsonObject(record)));
const projection = nsPerOp(() => toNdjsonObject(record));

report({ ndjson: { audit_record: perRecord, throughput: perSecond(perRecord, 'records/s'), projection } });
