import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { toNdjsonObject } from '@apitrail/export';
import type { SourceRecord } from './records.js';

/** The OTLP-JSON shapes the collector's file exporter writes (one ExportLogsServiceRequest per line). */
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
export interface OtlpLogRecord {
  timeUnixNano?: string | number;
  observedTimeUnixNano?: string | number;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  eventName?: string;
  traceId?: string;
  spanId?: string;
  flags?: number;
}
export interface OtlpLogsPayload {
  resourceLogs?: {
    scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: OtlpLogRecord[] }[];
  }[];
}

/**
 * An OTLP AnyValue as the value the SDK held before export: int64 (a JSON string) and double
 * both become numbers, bytes become bytes. That is what makes the NDJSON object of a record read
 * back from OTLP-JSON equal to the one the integrity processor signed.
 */
export function decodeAnyValue(value: OtlpAnyValue | undefined): AnyValue {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return new Uint8Array(Buffer.from(value.bytesValue, 'base64'));
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeAnyValue);
  if (value.kvlistValue !== undefined) return decodeKeyValues(value.kvlistValue.values);
  return undefined;
}

/** A key the SDK can never export (assigning it sets a prototype), so a file holding one was edited. */
const FORBIDDEN_KEY = '__proto__';

function decodeKeyValues(list: OtlpKeyValue[] | undefined): Record<string, AnyValue> {
  const object: Record<string, AnyValue> = {};
  for (const { key, value } of list ?? []) {
    if (key === FORBIDDEN_KEY) throw new SyntaxError(`attribute key ${FORBIDDEN_KEY} (never written by an SDK)`);
    object[key] = decodeAnyValue(value);
  }
  return object;
}

function hrTime(nanos: string | number | undefined): HrTime {
  const total = BigInt(nanos ?? 0);
  return [Number(total / 1_000_000_000n), Number(total % 1_000_000_000n)];
}

/** The fields `toNdjsonObject` reads, rebuilt from one OTLP-JSON log record. */
export function readableFromOtlp(record: OtlpLogRecord, scopeName: string): ReadableLogRecord {
  const time = hrTime(record.timeUnixNano || record.observedTimeUnixNano);
  const traceId = record.traceId || undefined;
  return {
    hrTime: time,
    hrTimeObserved: hrTime(record.observedTimeUnixNano),
    severityNumber: record.severityNumber,
    severityText: record.severityText || undefined,
    body: decodeAnyValue(record.body),
    eventName: record.eventName || undefined,
    attributes: decodeKeyValues(record.attributes) as Attributes,
    instrumentationScope: { name: scopeName },
    droppedAttributesCount: 0,
    ...(traceId === undefined
      ? {}
      : { spanContext: { traceId, spanId: record.spanId ?? '', traceFlags: (record.flags ?? 0) & 0xff } }),
  } as ReadableLogRecord;
}

/**
 * The records of one OTLP-JSON logs payload read from `file:lineNumber`, one at a time (a record
 * that cannot be read throws after the ones before it were yielded). Each scope's records are one
 * ordering unit.
 */
export function* otlpSourceRecords(
  file: string,
  lineNumber: number,
  payload: OtlpLogsPayload,
): Generator<SourceRecord> {
  let index = 0;
  for (const [resourceIndex, resourceLogs] of (payload.resourceLogs ?? []).entries()) {
    for (const [scopeIndex, scopeLogs] of (resourceLogs.scopeLogs ?? []).entries()) {
      const unit = `${file}:${lineNumber}#${resourceIndex}.${scopeIndex}`;
      for (const otlpRecord of scopeLogs.logRecords ?? []) {
        index++;
        const readable = readableFromOtlp(otlpRecord, scopeLogs.scope?.name ?? '');
        yield {
          location: `${file}:${lineNumber}#${index}`,
          unit,
          timeMs: readable.hrTime[0] * 1000 + readable.hrTime[1] / 1e6,
          eventName: readable.eventName,
          attributes: readable.attributes,
          fields: toNdjsonObject(readable),
        };
      }
    }
  }
}
