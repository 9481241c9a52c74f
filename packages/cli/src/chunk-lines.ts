// The lines of a chunk of text `apitrail verify` reads (text-chunks.ts reads the chunks). Kept apart
// from the readers of records so that verify's worker threads, which split chunks, load no more.
import { isUtf8 } from 'node:buffer';
import { NOT_UTF8 } from './gateway-archive.js';
import type { InputLine } from './input-formats.js';

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

export const LINE_FEED = 0x0a;
export const CARRIAGE_RETURN = 0x0d;
/** Where a line ends, as `apitrail analyze` reads it (input-formats.ts): CRLF, LF or a lone CR. */
export const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The lines of a chunk's text, as analyze splits them (no empty line after a final line break);
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
 * line breaks (as analyze splits the text); each line that is not valid UTF-8 is NOT_UTF8.
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
export function lineBreaks(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(LINE_FEED); at >= 0; at = bytes.indexOf(LINE_FEED, at + 1)) count++;
  for (let at = bytes.indexOf(CARRIAGE_RETURN); at >= 0; at = bytes.indexOf(CARRIAGE_RETURN, at + 1)) {
    if (bytes[at + 1] !== LINE_FEED) count++;
  }
  return count;
}
