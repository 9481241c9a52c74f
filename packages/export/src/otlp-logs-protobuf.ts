import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * OTLP/protobuf encoding of an ExportLogsServiceRequest, byte for byte what
 * `ProtobufLogsSerializer` of `@opentelemetry/otlp-transformer` writes for the same records, at a
 * fraction of its cost on audit records (about twenty attributes each, mostly ASCII strings).
 * The SDK's serializer walks the whole request twice (a size-estimation pass sizing the buffer, then
 * the write pass) and goes through a method call per tag, varint and string; here:
 *
 * - one pass: strings are written once, their UTF-8 length taken as their UTF-16 length while every
 *   code unit is ASCII (checked as it is copied), from `Buffer.byteLength` otherwise;
 * - a key/value whose value is a string gets its three nested lengths computed before it is
 *   written, so nothing moves; other values and the log record itself reserve their length prefix
 *   and move the content only when the length needs a different number of bytes;
 * - attribute keys are encoded (tag, length, UTF-8) once and kept in a bounded cache;
 * - the resource and scope messages are written once per batch, and the ResourceLogs/ScopeLogs
 *   length prefixes (known only at the end) are put in while copying into the result;
 * - trace and span ids go from hex straight into the buffer.
 *
 * The SDK serializer's semantics are kept exactly, quirks included (what `hexToBinary` makes of
 * a non-hex character, which values count as present, 10-byte negative varints). Anything this
 * encoder does not reproduce (an odd-length trace or span id) or anything that throws makes it
 * return undefined, and the caller uses the SDK serializer for that batch.
 */
export function encodeLogsExportRequest(records: readonly ReadableLogRecord[]): Uint8Array | undefined {
  try {
    return encode(records);
  } catch {
    return undefined;
  } finally {
    // A batch with a very large record must not pin a very large scratch buffer.
    if (scratch.length > MAX_RETAINED_SCRATCH) setScratch(Buffer.allocUnsafe(INITIAL_SCRATCH));
  }
}

const INITIAL_SCRATCH = 256 * 1024;
const MAX_RETAINED_SCRATCH = 16 * 1024 * 1024;
/** Distinct attribute keys kept encoded; a process with more (keys built from data) encodes the rest each time. */
const MAX_CACHED_KEYS = 2048;

// The writer is module state (one encoding runs at a time: it is synchronous): no per-call objects.
let scratch: Buffer = Buffer.allocUnsafe(INITIAL_SCRATCH);
let view: DataView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
let pos = 0;
const keyCache = new Map<string, Uint8Array>();

function setScratch(buffer: Buffer): void {
  scratch = buffer;
  view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
}

function ensure(bytes: number): void {
  const needed = pos + bytes;
  if (needed <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < needed) size *= 2;
  const grown = Buffer.allocUnsafe(size);
  scratch.copy(grown, 0, 0, pos);
  setScratch(grown);
}

/** Bytes of the varint of a length (a non-negative 32-bit integer). */
function lengthSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5;
}

/** A length varint at `at` in `target`; returns the position after it. */
function putLength(target: Uint8Array, at: number, length: number): number {
  let v = length >>> 0;
  while (v > 0x7f) {
    target[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  target[at++] = v;
  return at;
}

/** The SDK writer's varint, for any number it may be given (negative: 10 bytes of two's complement). */
function writeVarint(value: number): void {
  ensure(10);
  if (value >= 0 && value <= 0xffffffff) {
    pos = putLength(scratch, pos, value);
    return;
  }
  let low: number;
  let high: number;
  if (value >= 0) {
    low = value >>> 0;
    high = (value / 4294967296) >>> 0;
  } else {
    const abs = Math.abs(value);
    low = ~(abs >>> 0) >>> 0;
    high = ~((abs / 4294967296) >>> 0) >>> 0;
    low = (low + 1) >>> 0;
    if (low === 0) high = (high + 1) >>> 0;
  }
  while (high > 0 || low > 0x7f) {
    scratch[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  scratch[pos++] = low & 0x7f;
}

function writeByte(byte: number): void {
  ensure(1);
  scratch[pos++] = byte;
}

function writeFixed32(value: number): void {
  ensure(4);
  scratch.writeUInt32LE(value >>> 0, pos);
  pos += 4;
}

/** HrTime as fixed64 nanoseconds, computed as the SDK does (exact beyond 2^53 ns). */
function writeHrTime(time: HrTime): void {
  const seconds = time[0];
  const nanos = time[1];
  const fromLow16 = (seconds & 0xffff) * 1e9;
  const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
  const low32WithCarry = (fromLow16 >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
  const high =
    (Math.floor(fromLow16 / 4294967296) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low32WithCarry / 4294967296)) >>> 0;
  ensure(8);
  scratch.writeUInt32LE(low32WithCarry >>> 0, pos);
  scratch.writeUInt32LE(high, pos + 4);
  pos += 8;
}

/**
 * Copies `value` to `at` code unit by code unit (faster than the native UTF-8 writer for
 * attribute-sized strings) while every unit is ASCII, so its UTF-8 length is its length; false at
 * the first other unit, and the caller writes it again with its real UTF-8 length.
 */
function copiedAsAscii(value: string, at: number): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) return false;
    scratch[at + i] = code;
  }
  return true;
}

/** UTF-8 as TextEncoder makes it (a lone surrogate becomes U+FFFD), as the SDK's writer does. */
function writeUtf8(value: string): void {
  pos += scratch.write(value, pos, 'utf8');
}

/** A string's length and UTF-8 bytes, written once. */
function writeString(value: string): void {
  const units = value.length;
  ensure(5 + 3 * units);
  const start = pos + lengthSize(units);
  if (copiedAsAscii(value, start)) {
    putLength(scratch, pos, units);
    pos = start + units;
    return;
  }
  pos = putLength(scratch, pos, Buffer.byteLength(value, 'utf8'));
  writeUtf8(value);
}

/** Reserves `reserved` bytes for a length prefix; `finishLength` fills it in. */
function reserveLength(reserved: number): number {
  ensure(reserved);
  const at = pos;
  pos += reserved;
  return at;
}

/** The length of what follows the prefix at `at`, moving the content if its varint is not `reserved` bytes. */
function finishLength(at: number, reserved: number): void {
  const length = pos - at - reserved;
  const size = lengthSize(length);
  if (size !== reserved) {
    ensure(size - reserved);
    scratch.copyWithin(at + size, at + reserved, pos);
    pos += size - reserved;
  }
  putLength(scratch, at, length);
}

const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;

/** An AnyValue message's content, for every value the SDK serializer accepts (others: empty). */
function writeAnyValue(value: unknown): void {
  const type = typeof value;
  if (type === 'string') {
    writeByte(0x0a);
    writeString(value as string);
  } else if (type === 'boolean') {
    ensure(2);
    scratch[pos++] = 0x10;
    scratch[pos++] = value ? 1 : 0;
  } else if (type === 'number') {
    const number = value as number;
    if (Number.isInteger(number) && number >= MIN_64_BIT_INT && number < MAX_64_BIT_INT) {
      writeByte(0x18);
      writeVarint(number);
    } else {
      ensure(9);
      scratch[pos++] = 0x21;
      view.setFloat64(pos, number, true);
      pos += 8;
    }
  } else if (value instanceof Uint8Array) {
    ensure(6 + value.length);
    scratch[pos++] = 0x3a;
    pos = putLength(scratch, pos, value.length);
    scratch.set(value, pos);
    pos += value.length;
  } else if (Array.isArray(value)) {
    writeByte(0x2a);
    const array = reserveLength(1);
    for (const item of value) {
      writeByte(0x0a);
      const itemAt = reserveLength(1);
      writeAnyValue(item);
      finishLength(itemAt, 1);
    }
    finishLength(array, 1);
  } else if (type === 'object' && value !== null) {
    writeByte(0x32);
    const list = reserveLength(1);
    const object = value as Record<string, unknown>;
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      writeByte(0x0a);
      const entry = reserveLength(1);
      writeByte(0x0a);
      writeString(key);
      writeByte(0x12);
      const inner = reserveLength(1);
      writeAnyValue(object[key]);
      finishLength(inner, 1);
      finishLength(entry, 1);
    }
    finishLength(list, 1);
  }
}

/** Tag 1 (key), its length and its UTF-8 bytes. */
function encodedKey(key: string): Uint8Array {
  let encoded = keyCache.get(key);
  if (encoded !== undefined) return encoded;
  const utf8 = Buffer.from(key, 'utf8');
  encoded = new Uint8Array(1 + lengthSize(utf8.length) + utf8.length);
  encoded[0] = 0x0a;
  encoded.set(utf8, putLength(encoded, 1, utf8.length));
  if (keyCache.size < MAX_CACHED_KEYS) keyCache.set(key, encoded);
  return encoded;
}

function writeKey(key: Uint8Array): void {
  // Keys are short: a loop beats the native call of set().
  for (let i = 0; i < key.length; i++) scratch[pos + i] = key[i]!;
  pos += key.length;
}

/** A string-valued KeyValue's header, every length known up front from its value's UTF-8 length. */
function writeStringKeyValueHeader(tag: number, key: Uint8Array, byteLength: number): void {
  const anyValueLength = 1 + lengthSize(byteLength) + byteLength;
  const keyValueLength = key.length + 1 + lengthSize(anyValueLength) + anyValueLength;
  scratch[pos++] = tag;
  pos = putLength(scratch, pos, keyValueLength);
  writeKey(key);
  scratch[pos++] = 0x12;
  pos = putLength(scratch, pos, anyValueLength);
  scratch[pos++] = 0x0a;
  pos = putLength(scratch, pos, byteLength);
}

/** A string-valued KeyValue, its header written for an ASCII value first (see copiedAsAscii). */
function writeStringKeyValue(tag: number, key: Uint8Array, value: string): void {
  const units = value.length;
  ensure(18 + key.length + 3 * units);
  const start = pos;
  writeStringKeyValueHeader(tag, key, units);
  if (copiedAsAscii(value, pos)) {
    pos += units;
    return;
  }
  pos = start;
  writeStringKeyValueHeader(tag, key, Buffer.byteLength(value, 'utf8'));
  writeUtf8(value);
}

/** Repeated KeyValue field `tag` (its tag byte) from an attributes object, in the SDK's key order. */
function writeAttributes(tag: number, attributes: Readonly<Record<string, unknown>>): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    const encoded = encodedKey(key);
    if (typeof value === 'string') {
      writeStringKeyValue(tag, encoded, value);
      continue;
    }
    ensure(3 + encoded.length);
    scratch[pos++] = tag;
    const entry = reserveLength(1);
    writeKey(encoded);
    scratch[pos++] = 0x12;
    const inner = reserveLength(1);
    writeAnyValue(value);
    finishLength(inner, 1);
    finishLength(entry, 1);
  }
}

/** The SDK's hexToBinary, straight into the buffer (even lengths only: see the caller). */
function writeHexId(tag: number, hex: string): void {
  const bytes = hex.length / 2;
  ensure(6 + bytes);
  scratch[pos++] = tag;
  pos = putLength(scratch, pos, bytes);
  for (let i = 0; i < hex.length; i += 2)
    scratch[pos++] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

/** Thrown for what the SDK serializer encodes in a way this encoder does not reproduce. */
class Unsupported extends Error {}

function writeLogRecord(record: ReadableLogRecord): void {
  writeByte(0x12);
  // Audit records are 128 bytes to 16 KiB long: a 2-byte length prefix, moved otherwise.
  const at = reserveLength(2);
  writeByte(0x09);
  writeHrTime(record.hrTime);
  if (record.severityNumber !== undefined && record.severityNumber !== 0) {
    writeByte(0x10);
    writeVarint(record.severityNumber);
  }
  if (record.severityText) {
    writeByte(0x1a);
    writeString(record.severityText);
  }
  if (record.body !== undefined) {
    writeByte(0x2a);
    const body = reserveLength(1);
    writeAnyValue(record.body);
    finishLength(body, 1);
  }
  if (record.attributes) writeAttributes(0x32, record.attributes);
  writeByte(0x38);
  writeVarint(record.droppedAttributesCount);
  const spanContext = record.spanContext;
  if (spanContext?.traceFlags) {
    writeByte(0x45);
    writeFixed32(spanContext.traceFlags);
  }
  if (spanContext?.traceId) {
    if (spanContext.traceId.length % 2 !== 0) throw new Unsupported();
    writeHexId(0x4a, spanContext.traceId);
  }
  if (spanContext?.spanId) {
    if (spanContext.spanId.length % 2 !== 0) throw new Unsupported();
    writeHexId(0x52, spanContext.spanId);
  }
  writeByte(0x59);
  writeHrTime(record.hrTimeObserved);
  if (record.eventName) {
    writeByte(0x62);
    writeString(record.eventName);
  }
  finishLength(at, 2);
}

type Resource = ReadableLogRecord['resource'];
/** The SDK serializer also writes a scope's attributes and dropped count, which the API type lacks. */
type Scope = ReadableLogRecord['instrumentationScope'] & {
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly droppedAttributesCount?: number;
};

function writeResource(resource: Resource): void {
  writeByte(0x0a);
  const at = reserveLength(1);
  if (resource.attributes) writeAttributes(0x0a, resource.attributes);
  ensure(2);
  scratch[pos++] = 0x10;
  scratch[pos++] = 0;
  finishLength(at, 1);
}

function writeScope(scope: Scope): void {
  writeByte(0x0a);
  const at = reserveLength(1);
  writeByte(0x0a);
  writeString(scope.name);
  if (scope.version) {
    writeByte(0x12);
    writeString(scope.version);
  }
  if (scope.attributes) writeAttributes(0x1a, scope.attributes);
  if (scope.droppedAttributesCount) {
    writeByte(0x20);
    writeVarint(scope.droppedAttributesCount);
  }
  finishLength(at, 1);
}

/** Where a ResourceLogs' content lies in the scratch buffer, and its ScopeLogs' within it. */
interface ResourceRegion {
  readonly start: number;
  readonly end: number;
  /** start, end of each ScopeLogs' content. */
  readonly scopes: number[];
}

function encode(records: readonly ReadableLogRecord[]): Uint8Array {
  // Grouped by resource and scope object identity, in first-seen order, as the SDK serializer does.
  const groups = new Map<Resource, Map<Scope, ReadableLogRecord[]>>();
  for (const record of records) {
    let scopes = groups.get(record.resource);
    if (scopes === undefined) groups.set(record.resource, (scopes = new Map()));
    const group = scopes.get(record.instrumentationScope);
    if (group === undefined) scopes.set(record.instrumentationScope, [record]);
    else group.push(record);
  }
  // Pass 1: every message but the ResourceLogs and ScopeLogs headers, whose lengths come last.
  pos = 0;
  const regions: ResourceRegion[] = [];
  for (const [resource, scopes] of groups) {
    const start = pos;
    writeResource(resource);
    const scopeBounds: number[] = [];
    for (const [scope, group] of scopes) {
      const scopeStart = pos;
      writeScope(scope);
      for (const record of group) writeLogRecord(record);
      if (scope.schemaUrl) {
        writeByte(0x1a);
        writeString(scope.schemaUrl);
      }
      scopeBounds.push(scopeStart, pos);
    }
    if (resource.schemaUrl) {
      writeByte(0x1a);
      writeString(resource.schemaUrl);
    }
    regions.push({ start, end: pos, scopes: scopeBounds });
  }
  // Pass 2: the result, with the headers put in while copying.
  const lengths: number[] = [];
  let total = 0;
  for (const region of regions) {
    let length = region.end - region.start;
    for (let i = 0; i < region.scopes.length; i += 2) {
      length += 1 + lengthSize(region.scopes[i + 1]! - region.scopes[i]!);
    }
    lengths.push(length);
    total += 1 + lengthSize(length) + length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  regions.forEach((region, index) => {
    out[at++] = 0x0a;
    at = putLength(out, at, lengths[index]!);
    let from = region.start;
    for (let i = 0; i < region.scopes.length; i += 2) {
      const scopeStart = region.scopes[i]!;
      const scopeEnd = region.scopes[i + 1]!;
      out.set(scratch.subarray(from, scopeStart), at);
      at += scopeStart - from;
      out[at++] = 0x12;
      at = putLength(out, at, scopeEnd - scopeStart);
      out.set(scratch.subarray(scopeStart, scopeEnd), at);
      at += scopeEnd - scopeStart;
      from = scopeEnd;
    }
    out.set(scratch.subarray(from, region.end), at);
    at += region.end - from;
  });
  return out;
}
