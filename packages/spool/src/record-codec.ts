import type { AnyValue, Attributes, HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { knownAttributes } from './resources.js';

/**
 * How a log record is kept in a spool segment: one JSON object per line, so a half-written last
 * line (SIGKILL, power loss) costs that line only. Each batch starts with a resource line; the
 * records after it share that resource. Bytes (`Uint8Array`, which JSON has no form for) are kept
 * as `{ "$bytes": "<base64>" }`, at any depth; a map of the app's whose only key is `$bytes` or
 * `$map` is kept as `{ "$map": <the map> }`, so it is read back as that map, not as bytes.
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
const MAP_KEY = '$map';

function isMark(keys: readonly string[]): boolean {
  return keys.length === 1 && (keys[0] === BYTES_KEY || keys[0] === MAP_KEY);
}

/** A plain map (not an array, bytes, or an object JSON writes its own way, such as a Date). */
function isMap(value: object): value is Record<string, unknown> {
  return (
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/**
 * Whether a value holds bytes at any depth, or a map the reader would take for a mark: only then
 * is it rewritten by `toJsonValue` (most values are strings and numbers, written as they are).
 */
function needsMarks(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Uint8Array) return true;
  // Loops, not callbacks: one stack frame per level, so a value nests as deep as JSON.stringify takes it.
  if (Array.isArray(value)) {
    for (const item of value) if (needsMarks(item)) return true;
    return false;
  }
  if (!isMap(value)) return false;
  const keys = Object.keys(value);
  if (isMark(keys)) return true;
  for (const key of keys) if (needsMarks(value[key])) return true;
  return false;
}

/** `value` with bytes as `{ "$bytes": ... }` and a map that looks like a mark wrapped in `{ "$map": ... }`. */
function toJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) {
    return { [BYTES_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (!isMap(value)) return value;
  const keys = Object.keys(value);
  const map: Record<string, unknown> = {};
  for (const key of keys) map[key] = toJsonValue(value[key]);
  return isMark(keys) ? { [MAP_KEY]: map } : map;
}

/** Each value of a map, with its marks read (see `fromJsonValue`); the map itself is never a mark. */
function fromJsonEntries(map: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(map)) map[key] = fromJsonValue(map[key]);
  return map;
}

/** What `toJsonValue` wrote, read back (top down: a wrapped map's own key is not read as a mark). */
function fromJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJsonValue);
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.length === 1) {
    const inner = map[keys[0]!];
    if (keys[0] === BYTES_KEY && typeof inner === 'string') return new Uint8Array(Buffer.from(inner, 'base64'));
    if (keys[0] === MAP_KEY && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      return fromJsonEntries(inner as Record<string, unknown>);
    }
  }
  return fromJsonEntries(map);
}

/** The attributes as JSON holds them: rewritten only when a value needs it. */
function jsonAttributes(attributes: Attributes): Attributes {
  let needed = false;
  for (const key in attributes) {
    if (needsMarks(attributes[key])) {
      needed = true;
      break;
    }
  }
  if (!needed) return attributes;
  const written: Record<string, unknown> = {};
  for (const key in attributes) written[key] = toJsonValue(attributes[key]);
  return written as Attributes;
}

/**
 * The resource line that precedes a batch of records of `resource`. While a detector's attributes
 * are still pending (the exit drain cannot wait for them), only those already known are kept.
 */
export function encodeResource(resource: Resource): string {
  return JSON.stringify({ resource: jsonAttributes(knownAttributes(resource)) } satisfies ResourceLine);
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
    ...(body === undefined ? {} : { b: needsMarks(body) ? toJsonValue(body) : body }),
    ...(record.eventName === undefined ? {} : { e: record.eventName }),
    a: jsonAttributes(attributes),
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
  return JSON.stringify(line);
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
    value = JSON.parse(text);
  } catch {
    return DAMAGED;
  }
  if (value === null || typeof value !== 'object') return DAMAGED;
  const line = value as Partial<RecordLine> & Partial<ResourceLine>;
  // Marks are read only where they were written: in the body and in each attribute's value.
  const marked = text.includes(`"${BYTES_KEY}"`) || text.includes(`"${MAP_KEY}"`);
  if (line.resource !== undefined && typeof line.resource === 'object' && line.resource !== null) {
    const attributes = marked && !Array.isArray(line.resource) ? fromJsonEntries({ ...line.resource }) : line.resource;
    return { kind: 'resource', resource: resourceFromAttributes(attributes as Attributes) };
  }
  if (!isHrTime(line.t) || !isHrTime(line.o) || typeof line.i?.name !== 'string') return DAMAGED;
  // Exporters group records by the identity of their scope object, as the SDK hands them out.
  const scopeKey = `${line.i.name}\u0000${line.i.version ?? ''}\u0000${line.i.schemaUrl ?? ''}`;
  let scope = scopes.get(scopeKey);
  if (scope === undefined) scopes.set(scopeKey, (scope = line.i));
  if (line.a === null || typeof line.a !== 'object' || Array.isArray(line.a)) return DAMAGED;
  const attributes = marked ? fromJsonEntries(line.a as Record<string, unknown>) : line.a;
  const body = marked && line.b !== undefined ? fromJsonValue(line.b) : line.b;
  const record: ReadableLogRecord = {
    hrTime: line.t,
    hrTimeObserved: line.o,
    ...(line.c === undefined ? {} : { spanContext: line.c }),
    ...(line.s === undefined ? {} : { severityText: line.s }),
    ...(line.n === undefined ? {} : { severityNumber: line.n }),
    ...(body === undefined ? {} : { body: body as AnyValue }),
    ...(line.e === undefined ? {} : { eventName: line.e }),
    resource,
    instrumentationScope: scope,
    attributes: attributes as Attributes,
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
  for (const line of lines) {
    // A damaged line may hold whole lines run together (a newline lost to a bit flip) or one after a
    // run of zeros (a block the disk lost): each piece is read on its own, and each that does not
    // read is one record lost, counted. An undamaged line is one piece.
    const decoded = decodeLine(line, resource, scopes);
    for (const piece of decoded.kind === 'damaged' ? salvage(line, resource, scopes) : [decoded]) {
      if (piece.kind === 'record') records.push(piece.record);
      else if (piece.kind === 'resource') resource = piece.resource;
      else damagedLines += 1;
    }
  }
  return { records, damagedLines };
}

/** How the lines this codec writes start: a record's (its time first) and a resource line. */
const LINE_STARTS = ['{"t":[', '{"resource":{'];
const VALUE_BEFORE = ':,[';

/**
 * The pieces of a damaged line, read: split at runs of NUL (which JSON text never holds raw) and
 * where a line this codec writes starts after its beginning. Each piece that does not read is one
 * record lost; so is a run of NUL with nothing before it in the line and a readable line (or
 * nothing) after it: a block lost from a line's start took that line. A line that holds nothing
 * readable is one damaged line, as before.
 */
function salvage(line: string, resource: Resource, scopes: Map<string, RecordLine['i']>): DecodedLine[] {
  const parts: string[] = [];
  for (let at = 0; ;) {
    const nul = line.indexOf('\u0000', at);
    parts.push(line.slice(at, nul === -1 ? undefined : nul));
    if (nul === -1) break;
    for (at = nul; line.charCodeAt(at) === 0; at += 1);
  }
  const decoded: DecodedLine[] = [];
  parts.forEach((part, index) => {
    const read: DecodedLine[] = [];
    for (let from = 0; ;) {
      let next = -1;
      for (const start of LINE_STARTS) {
        let at = part.indexOf(start, from + 1);
        // After ':', ',' or '[' it is a value inside a line (an app's map with such a key), not a line.
        while (at !== -1 && VALUE_BEFORE.includes(part[at - 1]!)) at = part.indexOf(start, at + 1);
        if (at !== -1 && (next === -1 || at < next)) next = at;
      }
      const piece = part.slice(from, next === -1 ? undefined : next).trim();
      if (piece !== '') {
        const one = decodeLine(piece, resource, scopes);
        if (one.kind === 'resource') resource = one.resource;
        read.push(one);
      }
      if (next === -1) break;
      from = next;
    }
    const afterBareRun = index > 0 && parts[index - 1]!.trim() === '';
    if (afterBareRun && read[0]?.kind !== 'damaged') decoded.push(DAMAGED);
    decoded.push(...read);
  });
  return decoded.length === 0 ? [DAMAGED] : decoded;
}
