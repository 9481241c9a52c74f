// NDJSON formatting: records/s through toNdjsonObject + JSON.stringify, the work the ndjson exporter
// does per record (the write itself is the stream's business).
import { toNdjsonObject } from '@apitrail/export';
import { nsPerOp, perSecond, report } from './harness.ts';
import { sdkLogRecord } from './records.ts';

const record = sdkLogRecord();
const perRecord = nsPerOp(() => JSON.stringify(toNdjsonObject(record)));

report({ ndjson: { audit_record: perRecord, throughput: perSecond(perRecord, 'records/s') } });
