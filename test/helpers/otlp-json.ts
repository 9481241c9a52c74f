// Decodes the OTLP-JSON the collector's file exporter writes into flat, easily asserted records, and
// encodes OTLP/HTTP JSON requests for records and spans a test crafts by hand.
import { randomBytes } from 'node:crypto';

type OtlpAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
};
type OtlpKeyValue = { key: string; value?: OtlpAnyValue };

export function decodeValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeValue);
  if (value.kvlistValue) return decodeAttributes(value.kvlistValue.values);
  return undefined;
}

export function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) attributes[key] = decodeValue(value);
  return attributes;
}

export interface ExportedLogRecord {
  resource: Record<string, unknown>;
  scope: string;
  eventName?: string;
  severityText?: string;
  severityNumber?: number;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  timeUnixNano?: string;
}

export interface ExportedSpan {
  resource: Record<string, unknown>;
  scope: string;
  name: string;
  kind?: number;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}

interface ResourceLogs {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeLogs?: { scope?: { name?: string }; logRecords?: Record<string, unknown>[] }[];
}
interface ResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: { scope?: { name?: string }; spans?: Record<string, unknown>[] }[];
}

/** The JSON objects of an NDJSON / OTLP-JSON file, one per non-blank line. */
function* jsonLines<T>(text: string): Generator<T> {
  for (const line of text.split('\n')) if (line.trim() !== '') yield JSON.parse(line) as T;
}

export function decodeLogLines(text: string): ExportedLogRecord[] {
  const records: ExportedLogRecord[] = [];
  for (const payload of jsonLines<{ resourceLogs?: ResourceLogs[] }>(text)) {
    for (const resourceLogs of payload.resourceLogs ?? []) {
      const resource = decodeAttributes(resourceLogs.resource?.attributes);
      for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
        for (const record of scopeLogs.logRecords ?? []) {
          records.push({
            resource,
            scope: scopeLogs.scope?.name ?? '',
            eventName: record.eventName as string | undefined,
            severityText: record.severityText as string | undefined,
            severityNumber: record.severityNumber as number | undefined,
            body: decodeValue(record.body as OtlpAnyValue | undefined),
            attributes: decodeAttributes(record.attributes as OtlpKeyValue[] | undefined),
            traceId: (record.traceId as string | undefined) || undefined,
            spanId: (record.spanId as string | undefined) || undefined,
            timeUnixNano: record.timeUnixNano as string | undefined,
          });
        }
      }
    }
  }
  return records;
}

export function decodeSpanLines(text: string): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const payload of jsonLines<{ resourceSpans?: ResourceSpans[] }>(text)) {
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const resource = decodeAttributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            resource,
            scope: scopeSpans.scope?.name ?? '',
            name: span.name as string,
            kind: span.kind as number | undefined,
            traceId: span.traceId as string,
            spanId: span.spanId as string,
            parentSpanId: (span.parentSpanId as string | undefined) ?? '',
            attributes: decodeAttributes(span.attributes as OtlpKeyValue[] | undefined),
            events: ((span.events as { name: string; attributes?: OtlpKeyValue[] }[] | undefined) ?? []).map(
              (event) => ({
                name: event.name,
                attributes: decodeAttributes(event.attributes),
              }),
            ),
          });
        }
      }
    }
  }
  return spans;
}

export interface ExportedSumPoint {
  resource: Record<string, unknown>;
  metric: string;
  attributes: Record<string, unknown>;
  value: number;
}

interface ResourceMetrics {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeMetrics?: {
    metrics?: {
      name: string;
      sum?: { dataPoints?: { attributes?: OtlpKeyValue[]; asInt?: string; asDouble?: number }[] };
    }[];
  }[];
}

/** The data points of every Sum metric in OTLP-JSON metric lines (what the count connector emits). */
export function decodeSumPointLines(text: string): ExportedSumPoint[] {
  const points: ExportedSumPoint[] = [];
  for (const payload of jsonLines<{ resourceMetrics?: ResourceMetrics[] }>(text)) {
    for (const resourceMetrics of payload.resourceMetrics ?? []) {
      const resource = decodeAttributes(resourceMetrics.resource?.attributes);
      for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
        for (const metric of scopeMetrics.metrics ?? []) {
          for (const point of metric.sum?.dataPoints ?? []) {
            points.push({
              resource,
              metric: metric.name,
              attributes: decodeAttributes(point.attributes),
              value: point.asInt === undefined ? (point.asDouble ?? 0) : Number(point.asInt),
            });
          }
        }
      }
    }
  }
  return points;
}

type Scalar = string | number | boolean;

function encodeValue(value: Scalar): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

const encodeAttributes = (attributes: Record<string, Scalar>): OtlpKeyValue[] =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: encodeValue(value) }));

export interface CraftedLogRecord {
  eventName?: string;
  severityNumber?: number;
  severityText?: string;
  body?: string;
  attributes?: Record<string, Scalar>;
  timeUnixNano?: string;
}

/** The current time as OTLP JSON writes a timestamp: nanoseconds since the epoch, as a decimal string. */
const unixNanoNow = (): string => `${BigInt(Date.now()) * 1_000_000n}`;

/** An OTLP/HTTP JSON logs request, as an SDK would send it, for records a test crafts by hand. */
export function encodeLogsRequest(
  resource: Record<string, Scalar>,
  scope: { name: string; version?: string },
  records: readonly CraftedLogRecord[],
): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: encodeAttributes(resource) },
        scopeLogs: [
          {
            scope,
            logRecords: records.map((record) => ({
              timeUnixNano: record.timeUnixNano ?? unixNanoNow(),
              eventName: record.eventName,
              severityNumber: record.severityNumber,
              severityText: record.severityText,
              body: record.body === undefined ? undefined : { stringValue: record.body },
              attributes: encodeAttributes(record.attributes ?? {}),
            })),
          },
        ],
      },
    ],
  });
}

export interface CraftedSpan {
  name: string;
  attributes?: Record<string, Scalar>;
  events?: readonly { name: string; attributes?: Record<string, Scalar> }[];
}

/** An OTLP/HTTP JSON traces request: one trace of server spans a test crafts by hand. */
export function encodeSpansRequest(
  resource: Record<string, Scalar>,
  scope: { name: string; version?: string },
  spans: readonly CraftedSpan[],
): string {
  const traceId = randomBytes(16).toString('hex');
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: encodeAttributes(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((span) => ({
              traceId,
              spanId: randomBytes(8).toString('hex'),
              name: span.name,
              kind: SPAN_KIND_SERVER,
              startTimeUnixNano: unixNanoNow(),
              endTimeUnixNano: unixNanoNow(),
              attributes: encodeAttributes(span.attributes ?? {}),
              events: (span.events ?? []).map((event) => ({
                name: event.name,
                timeUnixNano: unixNanoNow(),
                attributes: encodeAttributes(event.attributes ?? {}),
              })),
            })),
          },
        ],
      },
    ],
  });
}

/** OTLP's `SPAN_KIND_SERVER`. */
const SPAN_KIND_SERVER = 2;
