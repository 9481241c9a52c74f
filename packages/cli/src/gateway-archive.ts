// The gateway's compressed archive (collector-config/gateway.yaml, `compression: zstd`): the file
// exporter writes each export as a 4-byte big-endian length followed by one zstd frame. Neither
// `zstd -dc` nor a zstd stream decoder reads that framing, hence this reader: each entry is one line.
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { zstdDecompress } from 'node:zlib';
import type { ByteReader } from './byte-reader.js';
import { zstdFrameProblem } from './zstd-frames.js';

/**
 * An archive entry (or a line, `NOT_UTF8`) that could not be decoded; the reader carries on with the
 * next one if it can.
 */
export class CorruptEntry {
  constructor(readonly reason: string) {}
}

/**
 * An entry, or a line of text `apitrail verify` reads (`chunkLines`), whose bytes are not valid
 * UTF-8. Decoded leniently, each invalid sequence would read as U+FFFD, the same text as the bytes
 * of a signed U+FFFD: an edit of the bytes would go unseen.
 */
export const NOT_UTF8 = new CorruptEntry('not valid UTF-8');

/** Each entry starts with its length: 4 bytes, big-endian. */
export const LENGTH_PREFIX_BYTES = 4;
/**
 * The largest archive entry accepted, compressed or decompressed. One entry is one OTLP export,
 * which the gateway's receivers cap at 20 MiB of protobuf (4 MiB over gRPC); its JSON is a few
 * times that. A larger length prefix is corruption, and a frame inflating beyond this is a bomb.
 */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const inflateZstd = promisify(zstdDecompress);

/** One entry's text, or why its frame cannot be trusted or inflated. */
async function decodeEntry(frame: Buffer): Promise<string | CorruptEntry> {
  const problem = zstdFrameProblem(frame);
  if (problem !== undefined) return new CorruptEntry(problem);
  try {
    const document = await inflateZstd(frame, { maxOutputLength: MAX_ENTRY_BYTES });
    return isUtf8(document) ? document.toString('utf8').trimEnd() : NOT_UTF8;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return new CorruptEntry(`the zstd frame inflates to more than an entry can hold (${MAX_ENTRY_BYTES} bytes)`);
    }
    return new CorruptEntry(`corrupt zstd frame (${(error as Error).message})`);
  }
}

/** The gateway archive's entries. After a length prefix that cannot be trusted, nothing can be. */
export async function* archiveEntries(reader: ByteReader): AsyncGenerator<string | CorruptEntry> {
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
