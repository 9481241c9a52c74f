import type { Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { FIELD_MAPPINGS } from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';

// Records as two SIEM shapes hold them, rebuilt into the fields apitrail emitted, so that
// `apitrail verify` and `analyze` read them like the NDJSON and OTLP-JSON files:
// - an Elasticsearch/OpenSearch document written by collector-config/siem-elasticsearch.yaml
//   (the exporter's ECS mapping mode: `@timestamp`, `message`, `log.level`, nested objects, the
//   FIELD_MAPPINGS ECS names);
// - a Splunk HEC event written by collector-config/siem-splunk.yaml (`time`, `event`, `fields`).
// Both mix the resource's attributes into the record's: fields under the resource namespaces below
// are read as resource, never as record attributes (a record attribute in one of them cannot be
// told apart, and is not read back).

/** Namespaces of resource attributes (OTel semantic conventions) and of what the exporters add. */
const RESOURCE_PREFIXES = [
  'agent.',
  'cloud.',
  'container.',
  'data_stream.',
  'deployment.',
  'faas.',
  'host.',
  'k8s.',
  'os.',
  'process.',
  'resource.',
  'service.',
  'telemetry.',
  'com.splunk.',
];

function isResourceField(name: string): boolean {
  return RESOURCE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

const ATTRIBUTE_BY_ECS: ReadonlyMap<string, string> = new Map(FIELD_MAPPINGS.map((m) => [m.ecs, m.attribute]));
const NANOSECOND_FIELDS: readonly string[] = FIELD_MAPPINGS.filter((m) => m.unit === 'seconds').map((m) => m.ndjson);
const NANOSECOND_ECS_FIELDS: ReadonlySet<string> = new Set(
  FIELD_MAPPINGS.filter((m) => m.unit === 'seconds').map((m) => m.ecs),
);

/** Where siem-elasticsearch.yaml keeps a record's own `event.action` when the EventName takes that field. */
export const ECS_EVENT_ACTION_KEPT = 'apitrail.event.action';

function hrTimeOfMs(ms: number): HrTime {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `{ a: { b: 1 } }` → `{ 'a.b': 1 }`; arrays and other values are leaves. */
function flatten(
  object: Record<string, unknown>,
  prefix = '',
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (isObject(value)) flatten(value, name, into);
    else into[name] = value;
  }
  return into;
}

/** The double whose truncated nanoseconds (`trunc(seconds × 1e9)`, what the canonical entry signs) are `nanoseconds`. */
export function secondsOfNanoseconds(nanoseconds: number): number {
  const view = new DataView(new ArrayBuffer(8));
  const step = (value: number, up: boolean): number => {
    view.setFloat64(0, value);
    const bits = view.getBigInt64(0);
    view.setBigInt64(0, value >= 0 === up ? bits + 1n : bits - 1n);
    return view.getFloat64(0);
  };
  let seconds = nanoseconds / 1e9;
  for (let tries = 0; tries < 4 && Math.trunc(seconds * 1e9) < nanoseconds; tries++) seconds = step(seconds, true);
  for (let tries = 0; tries < 4 && Math.trunc(seconds * 1e9) > nanoseconds; tries++) seconds = step(seconds, false);
  return seconds;
}

interface RebuiltRecord {
  readonly record: ReadableLogRecord;
  /** Attributes given in integer nanoseconds (ECS `event.duration`), by OTel name. */
  readonly nanoseconds: ReadonlyMap<string, number>;
}

function readable(
  timeMs: number,
  body: unknown,
  eventName: string | undefined,
  severityText: string | undefined,
  severityNumber: number | undefined,
  attributes: Record<string, unknown>,
  traceId: unknown,
  spanId: unknown,
): ReadableLogRecord {
  const time = hrTimeOfMs(timeMs);
  return {
    hrTime: time,
    hrTimeObserved: time,
    severityText,
    severityNumber,
    body: body as string,
    eventName,
    attributes: attributes as Attributes,
    instrumentationScope: { name: '' },
    droppedAttributesCount: 0,
    ...(typeof traceId === 'string' && traceId !== ''
      ? { spanContext: { traceId, spanId: typeof spanId === 'string' ? spanId : '', traceFlags: 0 } }
      : {}),
  } as unknown as ReadableLogRecord;
}

/** Milliseconds of an RFC 3339 time with any number of fraction digits (ECS `@timestamp` has nanoseconds). */
function parseEcsTimestamp(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(value);
  if (match === null) return Date.parse(value);
  const millis = (match[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${match[1]}.${millis}${match[3]}`);
}

export function isEcsDocument(object: Record<string, unknown>): boolean {
  return typeof object['@timestamp'] === 'string';
}

export function isHecEvent(object: Record<string, unknown>): boolean {
  return typeof object.time === 'number' && 'event' in object && isObject(object.fields);
}

function fromEcs(document: Record<string, unknown>): RebuiltRecord {
  const fields = flatten(document);
  const attributes: Record<string, unknown> = {};
  const nanoseconds = new Map<string, number>();
  const eventName = typeof fields['event.action'] === 'string' ? fields['event.action'] : undefined;
  for (const [name, value] of Object.entries(fields)) {
    if (isResourceField(name) || ECS_EXPORTER_FIELDS.has(name)) continue;
    if (name === ECS_EVENT_ACTION_KEPT) {
      attributes['event.action'] = value;
      continue;
    }
    const attribute = ATTRIBUTE_BY_ECS.get(name) ?? name;
    if (NANOSECOND_ECS_FIELDS.has(name) && typeof value === 'number') {
      nanoseconds.set(attribute, value);
      attributes[attribute] = value / 1e9;
    } else attributes[attribute] = value;
  }
  const record = readable(
    parseEcsTimestamp(fields['@timestamp']),
    fields.message,
    eventName,
    typeof fields['log.level'] === 'string' ? fields['log.level'] : undefined,
    typeof fields['event.severity'] === 'number' ? fields['event.severity'] : undefined,
    attributes,
    fields['trace.id'],
    fields['span.id'],
  );
  return { record, nanoseconds };
}

/** ECS fields the exporter and siem-elasticsearch.yaml derive from the record itself, not attributes. */
const ECS_EXPORTER_FIELDS: ReadonlySet<string> = new Set([
  '@timestamp',
  'message',
  'log.level',
  'log.logger',
  'event.severity',
  'event.action',
  'trace.id',
  'span.id',
]);

/** HEC `fields` the Splunk exporter and siem-splunk.yaml derive from the record itself. */
const HEC_RECORD_FIELDS: ReadonlySet<string> = new Set([
  'otel.log.severity.number',
  'otel.log.severity.text',
  'event.name',
  'trace_id',
  'span_id',
]);

function fromHec(event: Record<string, unknown>): RebuiltRecord {
  const fields = event.fields as Record<string, unknown>;
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!isResourceField(name) && !HEC_RECORD_FIELDS.has(name)) attributes[name] = value;
  }
  const eventName = typeof fields['event.name'] === 'string' ? fields['event.name'] : undefined;
  const record = readable(
    Math.round((event.time as number) * 1000),
    event.event,
    eventName,
    typeof fields['otel.log.severity.text'] === 'string' ? fields['otel.log.severity.text'] : undefined,
    typeof fields['otel.log.severity.number'] === 'number' ? fields['otel.log.severity.number'] : undefined,
    attributes,
    fields.trace_id,
    fields.span_id,
  );
  return { record, nanoseconds: new Map() };
}

/** The NDJSON object of a record read back from an ECS document or a HEC event, and its attributes. */
export function siemRecord(object: Record<string, unknown>): {
  fields: Record<string, unknown>;
  attributes: Readonly<Record<string, unknown>>;
  timeMs: number;
  eventName: string | undefined;
} {
  const { record, nanoseconds } = isEcsDocument(object) ? fromEcs(object) : fromHec(object);
  const fields = toNdjsonObject(record);
  // The signed value is the integer nanoseconds ECS holds: give the double that truncates to it exactly.
  for (const [attribute, value] of nanoseconds) {
    const name = FIELD_MAPPINGS.find((mapping) => mapping.attribute === attribute)?.ndjson;
    if (name !== undefined && NANOSECOND_FIELDS.includes(name)) fields[name] = secondsOfNanoseconds(value);
  }
  return {
    fields,
    attributes: record.attributes,
    timeMs: record.hrTime[0] * 1000 + record.hrTime[1] / 1e6,
    eventName: record.eventName,
  };
}
