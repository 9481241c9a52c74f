import { open, type FileHandle } from 'node:fs/promises';
import { LINE_FEED, lineBreaks, type TextChunk } from './chunk-lines.js';
import { SNIFF_BYTES, containerOf, inputContent, openInput } from './input-formats.js';
import { batchLines, countedBytes, inputSize, type LineBatch } from './records.js';

/**
 * A chunk ends at the last line break after this many bytes: a few thousand audit records, a few
 * milliseconds of work, memory bounded by a megabyte plus the longest line.
 */
const CHUNK_BYTES = 1024 * 1024;

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
