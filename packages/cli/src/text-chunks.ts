import { inputContent, openInput } from './input-formats.js';
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
 * The lines of a chunk's text, as `readline` splits them (no empty line after a final line break).
 * Each line is decoded on its own: a line of ASCII stays a one-byte string, which JSON.parse reads
 * faster, even when another line of the chunk is not ASCII.
 */
export function chunkLines(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
 * Streams `files` (`-` is stdin) to `sink` as chunks of whole lines, one input at a time, each in
 * a buffer of its own; the gateway archive as batches of entries. Nothing is decoded to text
 * here: the main thread only copies bytes and searches them for line breaks. An input that cannot
 * be read is reported after the lines read from it before the failure.
 */
export async function readTextChunks(files: readonly string[], sink: TextChunkSink): Promise<void> {
  for (const file of files) {
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
        continue;
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
      parts = [];
      size = 0;
      await sink.unreadable(file, (error as Error).message);
    }
  }
}
