import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ByteReader } from './byte-reader.js';
import { LINE_BREAK } from './chunk-lines.js';
import { CorruptEntry, LENGTH_PREFIX_BYTES, archiveEntries } from './gateway-archive.js';
import { ZSTD_MAGIC, isZstdFrameStart, zstdStream } from './zstd-frames.js';

// An input's content as text lines, whatever its container, told apart by its first bytes: NDJSON
// as is, gzip or zstd streams decompressed on the fly (zstd-frames.ts), or the gateway's compressed
// archive (gateway-archive.ts), one line per entry. Memory stays bounded by the longest line (at most
// 64 MiB: a longer one is skipped as malformed) or entry.

/**
 * One line of an input (NDJSON, gzip, zstd or the gateway's archive), or a line or archive entry
 * that could not be decoded.
 */
export type InputLine = string | CorruptEntry;

const GZIP_MAGIC = 0x1f8b;
/** Enough bytes to tell the formats apart: a length prefix and a zstd magic number. */
export const SNIFF_BYTES = LENGTH_PREFIX_BYTES + 4;

/**
 * Reads of 1 MiB rather than the default 64 KiB: a sixteenth of the system calls and stream turns
 * per byte for verify and analyze, and still one bounded buffer.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Opens `file` (`-` is stdin) as a stream of byte chunks. */
export function openInput(file: string): AsyncIterable<Buffer> {
  return file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
}

/**
 * Text split at CRLF, LF or a lone CR, as verify splits it (chunk-lines.ts), with no empty line
 * after a final line break. Not `readline`, which also ends a line at U+2028 and U+2029: JSON
 * allows both raw inside a string, writers other than apitrail's (the Collector's file exporter
 * among them) leave them raw, and a record cut there was skipped as two malformed lines, so a
 * sender could hide a record from analyze that verify counts.
 */
async function* textLines(source: AsyncIterable<Buffer>): AsyncGenerator<InputLine> {
  const decoder = new StringDecoder('utf8');
  const line = new PendingLine();
  let heldCarriageReturn = false;
  for await (const chunk of source) {
    let text: string = (heldCarriageReturn ? '\r' : '') + decoder.write(chunk);
    // A CR that ends the text may be the first half of a CRLF whose LF is in the next chunk.
    heldCarriageReturn = text.endsWith('\r');
    if (heldCarriageReturn) text = text.slice(0, -1);
    // Only the new text is searched for breaks: its first part continues the unfinished line, its
    // last part starts the next one.
    const parts = text.split(LINE_BREAK);
    for (let index = 0; index < parts.length - 1; index++) yield line.end(parts[index]!);
    line.append(parts.at(-1)!);
  }
  const parts = ((heldCarriageReturn ? '\r' : '') + decoder.end()).split(LINE_BREAK);
  for (let index = 0; index < parts.length - 1; index++) yield line.end(parts[index]!);
  line.append(parts.at(-1)!);
  if (!line.empty) yield line.end('');
}

/** Longest line read, in characters: far above any record, and a bound on what one line holds. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/**
 * The line being read, as the pieces each chunk added: joined once, at its end. Re-joining and
 * re-splitting the whole unfinished line at every chunk made a long line quadratic (a 600 MiB line,
 * 2.7 MB gzipped, ran for minutes), and a line above MAX_LINE_CHARS is dropped as it grows rather
 * than held: it is reported as one malformed line, and the lines after it are read.
 */
class PendingLine {
  private pieces: string[] = [];
  private chars = 0;
  private overlong = false;

  get empty(): boolean {
    return this.chars === 0 && !this.overlong;
  }

  append(piece: string): void {
    if (this.overlong || piece === '') return;
    this.chars += piece.length;
    if (this.chars <= MAX_LINE_CHARS) {
      this.pieces.push(piece);
      return;
    }
    this.overlong = true;
    this.pieces = [];
  }

  /** The line, ending with `piece`; a CorruptEntry when it was longer than MAX_LINE_CHARS. */
  end(piece: string): InputLine {
    this.append(piece);
    const line = this.overlong
      ? new CorruptEntry(`line longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB`)
      : this.pieces.join('');
    this.pieces = [];
    this.chars = 0;
    this.overlong = false;
    return line;
  }
}

/** `decoded`'s bytes; a decoding failure is rethrown as `corrupt <format> stream (...)`. */
async function* decodedBytes(decoded: AsyncIterable<Buffer>, format: string): AsyncGenerator<Buffer> {
  try {
    yield* decoded;
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
 * An input's content: the bytes of its text (plain, or a gzip or zstd stream decompressed on the
 * fly; a corrupt stream throws `corrupt <format> stream (...)`), or the gateway archive's entries,
 * one line each (`file:N` is its Nth entry, as scripts/archive-cat.mjs prints them; a corrupt
 * entry is a CorruptEntry). Told apart by the first bytes.
 */
export type InputContent = { readonly text: AsyncIterable<Buffer> } | { readonly entries: AsyncIterable<InputLine> };

export async function inputContent(source: AsyncIterable<Buffer>): Promise<InputContent> {
  const reader = new ByteReader(source);
  const head = await reader.read(SNIFF_BYTES);
  const whole = new ByteReader(prepended(head, reader));
  switch (containerOf(head)) {
    case 'archive':
      return { entries: archiveEntries(whole) };
    case 'zstd':
      return { text: decodedBytes(zstdStream(whole), 'zstd') };
    case 'gzip':
      return { text: decodedBytes(gunzipped(whole.rest()), 'gzip') };
    case 'text':
      return { text: whole.rest() };
  }
}

/** What holds an input's content, told by its first bytes (at least SNIFF_BYTES, unless it is shorter). */
export function containerOf(head: Buffer): 'archive' | 'zstd' | 'gzip' | 'text' {
  if (head.length >= SNIFF_BYTES && head.readUInt32LE(LENGTH_PREFIX_BYTES) === ZSTD_MAGIC) return 'archive';
  if (head.length >= 4 && isZstdFrameStart(head.readUInt32LE(0))) return 'zstd';
  if (head.length >= 2 && head.readUInt16BE(0) === GZIP_MAGIC) return 'gzip';
  return 'text';
}

/** The lines of `source` (see `inputContent`): text split at line breaks, or the archive's entries. */
export async function* inputLines(source: AsyncIterable<Buffer>): AsyncGenerator<InputLine> {
  const content = await inputContent(source);
  yield* 'entries' in content ? content.entries : textLines(content.text);
}

async function* prepended(head: Buffer, reader: ByteReader): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* reader.rest();
}
