import type { AnyValue, Attributes, HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * How a log record is kept in a spool segment: one JSON object per line, so a half-written last
 * line (SIGKILL, power loss) costs that line only. Each batch starts with a resource line; the
 * records after it share that resource. Bytes (`Uint8Array`, which JSON has no form for) are kept
 * as `{ "$bytes": "<base64>" }`.
 */
interface ResourceLine {
  readonly resource: Attributes;
}

interface RecordLine {
  readonly t: HrTime;
  readonly o: HrTime;
  readonly n?: SeverityNumber;
  readonly s?: string;
  readonly b?: unknown;
  readonly e?: string;
  readonly a: unknown;
  readonly d?: number;
  readonly c?: SpanContext;
  readonly i: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
}

const BYTES_KEY = '$bytes';

function withBytes(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { [BYTES_KEY]: Buffer.from(value).toString('base64') } : value;
}

function restoreBytes(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const encoded = (value as Record<string, unknown>)[BYTES_KEY];
    if (typeof encoded === 'string' && Object.keys(value).length === 1)
      return new Uint8Array(Buffer.from(encoded, 'base64'));
  }
  return value;
}

function hasBytes(attributes: Attributes): boolean {
  for (const key in attributes) if (attributes[key] instanceof Uint8Array) return true;
  return false;
}

/**
 * The resource line that precedes a batch of records of `resource`. While a detector's attributes
 * are still pending (the exit drain cannot wait for them), only those already known are kept.
 */
export function encodeResource(resource: Resource): string {
  let attributes: Attributes;
  if (resource.asyncAttributesPending === true) {
    attributes = {};
    for (const [key, value] of resource.getRawAttributes()) {
      if (value !== undefined && !(value instanceof Promise)) attributes[key] = value;
    }
  } else {
    attributes = resource.attributes;
  }
  return JSON.stringify({ resource: attributes } satisfies ResourceLine, withBytes);
}

/** One record's line (without the newline). Throws on a value JSON cannot hold (a cycle, a BigInt). */
export function encodeRecord(record: ReadableLogRecord): string {
  const { body, attributes, spanContext, instrumentationScope: scope } = record;
  const line: RecordLine = {
    // First: a record line starts with `{"t":`, which is how the exit summary counts a segment's
    // records without decoding them (spool.ts, countRecordLines).
    t: record.hrTime,
    o: record.hrTimeObserved,
    ...(record.severityNumber === undefined ? {} : { n: record.severityNumber }),
    ...(record.severityText === undefined ? {} : { s: record.severityText }),
    ...(body === undefined ? {} : { b: body }),
    ...(record.eventName === undefined ? {} : { e: record.eventName }),
    a: attributes,
    ...(record.droppedAttributesCount === 0 ? {} : { d: record.droppedAttributesCount }),
    ...(spanContext === undefined
      ? {}
      : { c: { traceId: spanContext.traceId, spanId: spanContext.spanId, traceFlags: spanContext.traceFlags } }),
    i: {
      name: scope.name,
      ...(scope.version === undefined ? {} : { version: scope.version }),
      ...(scope.schemaUrl === undefined ? {} : { schemaUrl: scope.schemaUrl }),
    },
  };
  const bytes = (body !== null && typeof body === 'object') || hasBytes(attributes);
  return bytes ? JSON.stringify(line, withBytes) : JSON.stringify(line);
}

/** What a line of a segment holds: a record, the resource of the records after it, or damage. */
type DecodedLine =
  | { readonly kind: 'record'; readonly record: ReadableLogRecord }
  | { readonly kind: 'resource'; readonly resource: Resource }
  | { readonly kind: 'damaged' };

const DAMAGED: DecodedLine = { kind: 'damaged' };

function isHrTime(value: unknown): value is HrTime {
  return Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'number');
}

/**
 * Reads one line back. Anything that is not a line this codec wrote (a torn write, a foreign or
 * edited file) is `damaged`, never an exception: a spool must survive what the disk gives back.
 */
function decodeLine(text: string, resource: Resource, scopes: Map<string, RecordLine['i']>): DecodedLine {
  let value: unknown;
  try {
    value = JSON.parse(text, restoreBytes);
  } catch {
    return DAMAGED;
  }
  if (value === null || typeof value !== 'object') return DAMAGED;
  const line = value as Partial<RecordLine> & Partial<ResourceLine>;
  if (line.resource !== undefined && typeof line.resource === 'object' && line.resource !== null) {
    return { kind: 'resource', resource: resourceFromAttributes(line.resource) };
  }
  if (!isHrTime(line.t) || !isHrTime(line.o) || typeof line.i?.name !== 'string') return DAMAGED;
  // Exporters group records by the identity of their scope object, as the SDK hands them out.
  const scopeKey = `${line.i.name}\u0000${line.i.version ?? ''}\u0000${line.i.schemaUrl ?? ''}`;
  let scope = scopes.get(scopeKey);
  if (scope === undefined) scopes.set(scopeKey, (scope = line.i));
  if (line.a === null || typeof line.a !== 'object' || Array.isArray(line.a)) return DAMAGED;
  const record: ReadableLogRecord = {
    hrTime: line.t,
    hrTimeObserved: line.o,
    ...(line.c === undefined ? {} : { spanContext: line.c }),
    ...(line.s === undefined ? {} : { severityText: line.s }),
    ...(line.n === undefined ? {} : { severityNumber: line.n }),
    ...(line.b === undefined ? {} : { body: line.b as AnyValue }),
    ...(line.e === undefined ? {} : { eventName: line.e }),
    resource,
    instrumentationScope: scope,
    attributes: line.a as Attributes,
    droppedAttributesCount: typeof line.d === 'number' ? line.d : 0,
  };
  return { kind: 'record', record };
}

export interface DecodedSegment {
  readonly records: ReadableLogRecord[];
  /** Lines that are not what this codec writes, a torn last line included. */
  readonly damagedLines: number;
}

/** The records of a segment's text; records before any resource line get `fallbackResource`. */
export function decodeSegment(text: string, fallbackResource: Resource): DecodedSegment {
  const records: ReadableLogRecord[] = [];
  const scopes = new Map<string, RecordLine['i']>();
  let resource = fallbackResource;
  let damagedLines = 0;
  const lines = text.split('\n');
  // Complete lines end with a newline: the text after the last one is a torn write, if anything.
  if (lines.at(-1) === '') lines.pop();
  for (const text of lines) {
    const decoded = decodeLine(text, resource, scopes);
    if (decoded.kind === 'record') records.push(decoded.record);
    else if (decoded.kind === 'resource') resource = decoded.resource;
    else damagedLines += 1;
  }
  return { records, damagedLines };
}
