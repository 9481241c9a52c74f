// The zstd frame format (RFC 8878) as far as apitrail reads it: where a frame ends, whether a
// buffer is exactly one complete frame, and a stream of concatenated frames decoded frame by frame.
import { Readable, pipeline } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import type { ByteReader } from './byte-reader.js';

export const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames (RFC 8878 3.1.2) have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_FRAME_MAGIC = 0x184d2a50;
const BLOCK_HEADER_BYTES = 3;

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
export function zstdFrameProblem(frame: Buffer): string | undefined {
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
export function isZstdFrameStart(magic: number): boolean {
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
export async function* zstdStream(reader: ByteReader): AsyncGenerator<Buffer> {
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
