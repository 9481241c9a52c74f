import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { NOT_UTF8 } from './gateway-archive.js';
import { SNIFF_BYTES, containerOf, inputContent, openInput, type InputLine } from './input-formats.js';
import { batchLines, countedBytes, inputSize, type LineBatch } from './records.js';

/**
 * Whole lines of one input's text as bytes, the first of them line `firstLine` of the input; the
 * input's last line may lack its line break. The bytes own their ArrayBuffer, so it can be
 * transferred to another thread without a copy.
 */
export interface TextChunk {
  readonly file: string;
  readonly firstLine: number;
  readonly bytes: Uint8Array;
}

/**
 * A chunk ends at the last line break after this many bytes: a few thousand audit records, a few
 * milliseconds of work, memory bounded by a megabyte plus the longest line.
 */
const CHUNK_BYTES = 1024 * 1024;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Where a line ends, as `readline` (and so `apitrail analyze`) reads it: CRLF, LF or a lone CR. */
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The lines of a chunk's text, as `readline` splits them (no empty line after a final line break);
 * a line that is not valid UTF-8 is NOT_UTF8 rather than its lenient decoding. Each line is decoded
 * on its own: a line of ASCII stays a one-byte string, which JSON.parse reads faster, even when
 * another line of the chunk is not ASCII.
 */
export function chunkLines(bytes: Uint8Array): InputLine[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A chunk holds whole lines, and no byte of a multi-byte character is a line break: one native
  // check of the whole chunk clears every line of it, and only a chunk that fails is split by bytes.
  if (!isUtf8(buffer)) return checkedLines(buffer);
  if (hasLoneCarriageReturn(buffer)) {
    const lines = buffer.toString('utf8').split(LINE_BREAK);
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }
  const lines: string[] = [];
  let start = 0;
  for (let end = buffer.indexOf(LINE_FEED); end >= 0; end = buffer.indexOf(LINE_FEED, start)) {
    lines.push(buffer.toString('utf8', start, buffer[end - 1] === CARRIAGE_RETURN && end > start ? end - 1 : end));
    start = end + 1;
  }
  if (start < buffer.length) lines.push(buffer.toString('utf8', start));
  return lines;
}

/**
 * The lines of a chunk that is not all valid UTF-8 (see `chunkLines`), split at the bytes of their
 * line breaks (as `readline` splits the text); each line that is not valid UTF-8 is NOT_UTF8.
 */
function checkedLines(buffer: Buffer): InputLine[] {
  const lines: InputLine[] = [];
  const add = (start: number, end: number): void => {
    const line = buffer.subarray(start, end);
    lines.push(isUtf8(line) ? line.toString('utf8') : NOT_UTF8);
  };
  let start = 0;
  for (let at = 0; at < buffer.length; at++) {
    const byte = buffer[at];
    if (byte !== LINE_FEED && byte !== CARRIAGE_RETURN) continue;
    add(start, at);
    if (byte === CARRIAGE_RETURN && buffer[at + 1] === LINE_FEED) at++;
    start = at + 1;
  }
  if (start < buffer.length) add(start, buffer.length);
  return lines;
}

function hasLoneCarriageReturn(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(CARRIAGE_RETURN); at >= 0; at = bytes.indexOf(CARRIAGE_RETURN, at + 1)) {
    if (bytes[at + 1] !== LINE_FEED) return true;
  }
  return false;
}

/** The line breaks in `bytes` (see `LINE_BREAK`), found with a byte search: no string is made. */
function lineBreaks(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(LINE_FEED); at >= 0; at = bytes.indexOf(LINE_FEED, at + 1)) count++;
  for (let at = bytes.indexOf(CARRIAGE_RETURN); at >= 0; at = bytes.indexOf(CARRIAGE_RETURN, at + 1)) {
    if (bytes[at + 1] !== LINE_FEED) count++;
  }
  return count;
}

/** Receives what `readTextChunks()` reads, in input order. */
export interface TextChunkSink {
  chunk(chunk: TextChunk): Promise<void>;
  /** Lines of an input that is not text: the gateway archive's entries. */
  batch(batch: LineBatch): Promise<void>;
  unreadable(file: string, reason: string): Promise<void>;
  progress?(bytes: number, total: number | undefined): void;
}

/**
 * The buffers a regular file's text is read into, each used again once its chunk is prepared
 * (`recycle`, also after it came back from a worker thread): a whole file is read through a few
 * megabytes, rather than a new megabyte per chunk, whose sum would drive the garbage collector.
 */
export class ChunkBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** A buffer of CHUNK_BYTES. */
  take(): Buffer {
    const buffer = this.free.pop();
    return buffer === undefined ? Buffer.allocUnsafeSlow(CHUNK_BYTES) : Buffer.from(buffer);
  }

  /** The bytes of a chunk no longer used (nor held anywhere else): its buffer may be taken again. */
  recycle(bytes: Uint8Array): void {
    const { buffer } = bytes;
    if (buffer instanceof ArrayBuffer && buffer.byteLength === CHUNK_BYTES && this.free.length < KEPT_BUFFERS) {
      this.free.push(buffer);
    }
  }
}

/** Free buffers kept at most: more come back only when chunks were waiting, and are then dropped. */
const KEPT_BUFFERS = 8;

/**
 * Streams `files` (`-` is stdin) to `sink` as chunks of whole lines, one input at a time, each in
 * a buffer of its own; the gateway archive as batches of entries. Nothing is decoded to text
 * here: the main thread only copies bytes and searches them for line breaks. A regular file of
 * plain text is read straight into `buffers`' buffers; any other input through a stream. An input
 * that cannot be read is reported after the lines read from it before the failure.
 */
export async function readTextChunks(
  files: readonly string[],
  sink: TextChunkSink,
  buffers = new ChunkBuffers(),
): Promise<void> {
  for (const file of files) {
    if (file !== '-' && (await readPlainFile(file, sink, buffers))) continue;
    await readStream(file, sink);
  }
}

/**
 * Reads a regular file of plain text (see `containerOf`) into buffers of CHUNK_BYTES, each sent as
 * a chunk up to its last line break, the line it cut copied to the next: no copy of the rest. A
 * line longer than a buffer grows one. False, having sent nothing, for any other input, or one that
 * cannot be opened: the stream path reads it, or reports why not.
 */
async function readPlainFile(file: string, sink: TextChunkSink, buffers: ChunkBuffers): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file);
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return false;
    }
  } catch {
    return false;
  }
  const total = inputSize(file);
  let bytes = 0;
  let firstLine = 1;
  let buffer = buffers.take();
  let filled = 0;
  const send = async (chunk: Uint8Array): Promise<void> => {
    const lines = firstLine;
    firstLine += lineBreaks(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    await sink.chunk({ file, firstLine: lines, bytes: chunk });
    sink.progress?.(bytes, total);
  };
  /** Reads into `target` after its first `from` bytes; awaited later, so a failure meanwhile is not left unhandled. */
  const readInto = (target: Buffer, from: number): Promise<{ bytesRead: number }> => {
    const read = handle.read(target, from, target.length - from, null);
    read.catch(() => undefined);
    return read;
  };
  try {
    let pending = readInto(buffer, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (
        bytes === 0 &&
        bytesRead > 0 &&
        containerOf(buffer.subarray(0, Math.min(bytesRead, SNIFF_BYTES))) !== 'text'
      ) {
        buffers.recycle(buffer);
        return false;
      }
      bytes += bytesRead;
      filled += bytesRead;
      if (bytesRead === 0) {
        // The last line, without a line break.
        if (filled > 0) await send(buffer.subarray(0, filled));
        return true;
      }
      if (filled < buffer.length) {
        pending = readInto(buffer, filled);
        continue;
      }
      const end = buffer.lastIndexOf(LINE_FEED) + 1;
      if (end === 0) {
        // One line fills the buffer: a larger one, not kept once sent.
        const larger = Buffer.allocUnsafeSlow(buffer.length * 2);
        buffer.copy(larger);
        buffers.recycle(buffer);
        buffer = larger;
        pending = readInto(buffer, filled);
        continue;
      }
      // The line cut at the end goes first in the next buffer (one that holds it, past a long line),
      // which is read into while the chunk is handled.
      const next = filled - end < CHUNK_BYTES ? buffers.take() : Buffer.allocUnsafeSlow(2 * (filled - end));
      filled = buffer.copy(next, 0, end);
      const chunk = buffer.subarray(0, end);
      buffer = next;
      pending = readInto(buffer, filled);
      await send(chunk);
    }
  } catch (error) {
    // The lines read before the failure count; a line it cut does not (as with `readline`).
    const end = buffer.subarray(0, filled).lastIndexOf(LINE_FEED) + 1;
    if (end > 0) await send(buffer.subarray(0, end));
    await sink.unreadable(file, (error as Error).message);
    return true;
  } finally {
    await handle.close();
  }
}

/** Reads one input through a stream (see `readTextChunks`): each chunk copied to a buffer of its own. */
async function readStream(file: string, sink: TextChunkSink): Promise<void> {
  const total = file === '-' ? undefined : inputSize(file);
  let bytes = 0;
  let firstLine = 1;
  let parts: Buffer[] = [];
  let size = 0;
  const send = async (chunk: Buffer): Promise<void> => {
    const lines = firstLine;
    firstLine += lineBreaks(chunk);
    await sink.chunk({ file, firstLine: lines, bytes: chunk });
    sink.progress?.(bytes, total);
  };
  /** The whole lines of the parts read, as one chunk; the part of a line after them is kept. */
  const sendLines = async (): Promise<void> => {
    const joined = Buffer.allocUnsafeSlow(size);
    let offset = 0;
    for (const part of parts) offset += part.copy(joined, offset);
    const end = joined.lastIndexOf(LINE_FEED) + 1;
    size -= end;
    // Copied to a buffer of its own (a small Buffer.from shares Node's pool, which must not be transferred).
    parts = size > 0 ? [Buffer.allocUnsafeSlow(size)] : [];
    if (size > 0) joined.copy(parts[0]!, 0, end);
    if (end > 0) await send(joined.subarray(0, end));
  };
  try {
    const content = await inputContent(countedBytes(openInput(file), (count) => (bytes += count)));
    if ('entries' in content) {
      await batchLines(file, content.entries, async (batch) => {
        await sink.batch(batch);
        sink.progress?.(bytes, total);
      });
      return;
    }
    for await (const data of content.text) {
      parts.push(data);
      size += data.length;
      if (size >= CHUNK_BYTES && data.includes(LINE_FEED)) await sendLines();
    }
    if (size > 0) await sendLines();
    // The last line, without a line break.
    if (size > 0) await send(parts[0]!);
  } catch (error) {
    // The lines read before the failure count; a line it cut does not (as with `readline`).
    if (size > 0) await sendLines();
    await sink.unreadable(file, (error as Error).message);
  }
}
