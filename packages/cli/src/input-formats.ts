import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, createZstdDecompress, zstdDecompress } from 'node:zlib';

// An input's content as text lines, whatever its container: NDJSON as is, gzip or zstd streams
// decompressed on the fly, or the gateway's compressed archive (collector-config/gateway.yaml,
// `compression: zstd`), where the file exporter writes each export as a 4-byte big-endian length
// followed by one zstd frame: each such entry is one line. Neither `zstd -dc` nor a zstd stream
// decoder reads that framing, hence this reader. Memory stays bounded by the longest line or entry.

/** An archive entry that could not be decoded; the reader carries on with the next one if it can. */
export class CorruptEntry {
  constructor(readonly reason: string) {}
}

/** One line of an input (NDJSON, gzip, zstd or the gateway's archive), or an archive entry that could not be decoded. */
export type InputLine = string | CorruptEntry;

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames (RFC 8878 3.1.2) have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_FRAME_MAGIC = 0x184d2a50;
const BLOCK_HEADER_BYTES = 3;
const ZSTD_MAX_BLOCK_BYTES = 128 * 1024;
const GZIP_MAGIC = 0x1f8b;
const LENGTH_PREFIX_BYTES = 4;
/** Enough bytes to tell the formats apart: a length prefix and a zstd magic number. */
const SNIFF_BYTES = LENGTH_PREFIX_BYTES + 4;
/**
 * The largest archive entry accepted, compressed or decompressed. One entry is one OTLP export,
 * which the gateway's receivers cap at 20 MiB of protobuf (4 MiB over gRPC); its JSON is a few
 * times that. A larger length prefix is corruption, and a frame inflating beyond this is a bomb.
 */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const inflateZstd = promisify(zstdDecompress);

/**
 * Reads of 1 MiB rather than the default 64 KiB: a sixteenth of the system calls and stream turns
 * per byte for verify and analyze, and still one bounded buffer.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Opens `file` (`-` is stdin) as a stream of byte chunks. */
export function openInput(file: string): AsyncIterable<Buffer> {
  return file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
}

/** Reads `source` in exact byte counts, copying only when a read spans chunks. */
class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private position = 0;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Up to `count` bytes; fewer only at the end of the input. */
  async read(count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let missing = count;
    while (missing > 0) {
      if (this.position === this.chunk.length) {
        const next = await this.chunks.next();
        if (next.done === true) break;
        this.chunk = next.value;
        this.position = 0;
        continue;
      }
      const part = this.chunk.subarray(this.position, this.position + missing);
      this.position += part.length;
      missing -= part.length;
      parts.push(part);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Reads `count` bytes and fails with `what` if the input ends first. */
  async exactly(count: number, what: string): Promise<Buffer> {
    const bytes = await this.read(count);
    if (bytes.length < count) throw new Error(`the input ends inside ${what}`);
    return bytes;
  }

  /** Discards `count` bytes without holding them. */
  async skip(count: number, what: string): Promise<void> {
    for (let left = count; left > 0;) {
      const part = await this.read(Math.min(left, ZSTD_MAX_BLOCK_BYTES));
      if (part.length === 0) throw new Error(`the input ends inside ${what}`);
      left -= part.length;
    }
  }

  /** What is left: the unread part of the current chunk, then the rest of the source. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.position < this.chunk.length) yield this.chunk.subarray(this.position);
    for (let next = await this.chunks.next(); next.done !== true; next = await this.chunks.next()) yield next.value;
  }
}

async function* textLines(source: Readable): AsyncGenerator<string> {
  yield* createInterface({ input: source, crlfDelay: Infinity });
}

/** A frame header's length after the magic number, from its descriptor byte (RFC 8878 3.1.1.1). */
function frameHeaderBytes(descriptor: number): number {
  const singleSegment = (descriptor & 0x20) !== 0;
  const windowDescriptorBytes = singleSegment ? 0 : 1;
  const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!;
  return 1 + windowDescriptorBytes + dictionaryIdBytes + contentSizeBytes;
}

function checksumBytes(descriptor: number): number {
  return (descriptor & 0x04) !== 0 ? 4 : 0;
}

/** A block's content length from its 3-byte header (RFC 8878 3.1.1.2); throws on the reserved type. */
function blockContentBytes(header: number): number {
  const blockType = (header >> 1) & 3;
  if (blockType === 3) throw new Error('corrupt zstd frame (reserved block type)');
  return blockType === 1 ? 1 : header >>> 3;
}

function isLastBlock(header: number): boolean {
  return (header & 1) !== 0;
}

/**
 * Why `frame` is not exactly one complete zstd frame, or undefined if it is. Decoders do not all
 * say so themselves: Node 22's returns what it could decode from a cut frame without an error.
 */
function zstdFrameProblem(frame: Buffer): string | undefined {
  if (frame.length < 5 || frame.readUInt32LE(0) !== ZSTD_MAGIC) return 'not a zstd frame';
  const descriptor = frame[4]!;
  let offset = 4 + frameHeaderBytes(descriptor);
  for (let lastBlock = false; !lastBlock;) {
    if (offset + BLOCK_HEADER_BYTES > frame.length) return `zstd frame cut short after ${frame.length} bytes`;
    const header = frame.readUIntLE(offset, BLOCK_HEADER_BYTES);
    try {
      offset += BLOCK_HEADER_BYTES + blockContentBytes(header);
    } catch (error) {
      return (error as Error).message;
    }
    lastBlock = isLastBlock(header);
  }
  const end = offset + checksumBytes(descriptor);
  if (end > frame.length) return `zstd frame cut short after ${frame.length} bytes`;
  if (end < frame.length) return `${frame.length - end} stray bytes after the zstd frame`;
  return undefined;
}

function isSkippableFrame(magic: number): boolean {
  return magic >>> 4 === SKIPPABLE_FRAME_MAGIC >>> 4;
}

/** A zstd stream starts with a frame or, as pzstd writes it, a skippable frame. */
function isZstdFrameStart(magic: number): boolean {
  return magic === ZSTD_MAGIC || isSkippableFrame(magic);
}

/** One zstd frame's bytes, read from `reader` piece by piece (a block holds at most 128 KiB). */
async function* zstdFrameBytes(reader: ByteReader, magic: Buffer): AsyncGenerator<Buffer> {
  const descriptor = await reader.exactly(1, 'a zstd frame header');
  yield Buffer.concat([
    magic,
    descriptor,
    await reader.exactly(frameHeaderBytes(descriptor[0]!) - 1, 'a zstd frame header'),
  ]);
  for (let lastBlock = false; !lastBlock;) {
    const blockHeader = await reader.exactly(BLOCK_HEADER_BYTES, 'a zstd block header');
    const header = blockHeader.readUIntLE(0, BLOCK_HEADER_BYTES);
    yield blockHeader;
    yield await reader.exactly(blockContentBytes(header), 'a zstd block');
    lastBlock = isLastBlock(header);
  }
  const checksum = checksumBytes(descriptor[0]!);
  if (checksum > 0) yield await reader.exactly(checksum, 'a zstd checksum');
}

/**
 * A zstd stream's decompressed bytes. Each frame gets its own decoder, fed exactly that frame's
 * bytes: Node's zstd stream decoder ends quietly after the first of several concatenated frames
 * (as `zstd` and `cat a.zst b.zst` write them), and Node 22's ends quietly on a cut one.
 */
async function* zstdStream(reader: ByteReader): AsyncGenerator<Buffer> {
  for (let magic = await reader.read(4); magic.length > 0; magic = await reader.read(4)) {
    if (magic.length < 4) throw new Error('the input ends inside a zstd magic number');
    if (isSkippableFrame(magic.readUInt32LE(0))) {
      const size = await reader.exactly(4, 'a skippable frame header');
      await reader.skip(size.readUInt32LE(0), 'a skippable frame');
      continue;
    }
    if (magic.readUInt32LE(0) !== ZSTD_MAGIC) throw new Error('bytes that are not a zstd frame after a frame');
    const decoder = createZstdDecompress();
    pipeline(Readable.from(zstdFrameBytes(reader, magic)), decoder, () => {
      // A failure surfaces through the iteration over the decoder, which pipeline destroys with it.
    });
    yield* decoder;
  }
}

async function decodeEntry(frame: Buffer): Promise<InputLine> {
  const problem = zstdFrameProblem(frame);
  if (problem !== undefined) return new CorruptEntry(problem);
  try {
    const document = await inflateZstd(frame, { maxOutputLength: MAX_ENTRY_BYTES });
    return document.toString('utf8').trimEnd();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return new CorruptEntry(`the zstd frame inflates to more than an entry can hold (${MAX_ENTRY_BYTES} bytes)`);
    }
    return new CorruptEntry(`corrupt zstd frame (${(error as Error).message})`);
  }
}

/** The gateway archive's entries. After a length prefix that cannot be trusted, nothing can be. */
async function* archiveEntries(reader: ByteReader): AsyncGenerator<InputLine> {
  for (let entryStart = 0; ;) {
    const prefix = await reader.read(LENGTH_PREFIX_BYTES);
    if (prefix.length === 0) return;
    if (prefix.length < LENGTH_PREFIX_BYTES) {
      yield new CorruptEntry(`truncated archive: the file ends inside a length prefix at byte ${entryStart}`);
      return;
    }
    const length = prefix.readUInt32BE(0);
    if (length > MAX_ENTRY_BYTES) {
      yield new CorruptEntry(
        `corrupt archive: the length prefix at byte ${entryStart} announces ${length} bytes, more than an entry can hold (${MAX_ENTRY_BYTES})`,
      );
      return;
    }
    const frame = await reader.read(length);
    if (frame.length < length) {
      yield new CorruptEntry(
        `truncated archive: the entry at byte ${entryStart} has ${frame.length} of the ${length} bytes its prefix announces`,
      );
      return;
    }
    yield await decodeEntry(frame);
    entryStart += LENGTH_PREFIX_BYTES + length;
  }
}

/** `decoded`'s text lines; a decoding failure is rethrown as `corrupt <format> stream (...)`. */
async function* decodedLines(decoded: AsyncIterable<Buffer>, format: string): AsyncGenerator<string> {
  try {
    yield* textLines(Readable.from(decoded, { objectMode: false }));
  } catch (error) {
    throw new Error(`corrupt ${format} stream (${(error as Error).message})`, { cause: error });
  }
}

async function* gunzipped(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  pipeline(Readable.from(source), gunzip, () => {
    // A failure surfaces through the iteration over gunzip, which pipeline destroys with it.
  });
  yield* gunzip;
}

/**
 * The lines of `source`, told apart by their first bytes: the gateway archive (one line per entry,
 * so `file:N` is its Nth entry, as scripts/archive-cat.mjs prints them), gzip, zstd, else text. A
 * corrupt archive entry is yielded as a CorruptEntry; a corrupt gzip or zstd stream throws.
 */
export async function* inputLines(source: AsyncIterable<Buffer>): AsyncGenerator<InputLine> {
  const reader = new ByteReader(source);
  const head = await reader.read(SNIFF_BYTES);
  const whole = new ByteReader(prepended(head, reader));
  if (head.length === SNIFF_BYTES && head.readUInt32LE(LENGTH_PREFIX_BYTES) === ZSTD_MAGIC) {
    yield* archiveEntries(whole);
  } else if (head.length >= 4 && isZstdFrameStart(head.readUInt32LE(0))) {
    yield* decodedLines(zstdStream(whole), 'zstd');
  } else if (head.length >= 2 && head.readUInt16BE(0) === GZIP_MAGIC) {
    yield* decodedLines(gunzipped(whole.rest()), 'gzip');
  } else {
    yield* textLines(Readable.from(whole.rest(), { objectMode: false }));
  }
}

async function* prepended(head: Buffer, reader: ByteReader): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* reader.rest();
}
