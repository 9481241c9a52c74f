/**
 * Percent-decoding that remembers where each decoded character came from, so that a secret found
 * in the decoded text is masked in the original: everything around it stays byte-identical
 * (percent-encoding, `+`, order). One pass per level, character by character, into typed arrays:
 * hostile text made of thousands of short runs (`a=%3D` repeated) must cost no more per character
 * than clean text (a match object, a decodeURIComponent call and two string pieces per run cost
 * half a millisecond on 32 KB).
 */

/** Levels of percent-encoding undone: a query value inside a URL inside a query is encoded twice. */
const MAX_DECODING_LEVELS = 3;

/** Bytes decoded as one run; a longer run of escapes is decoded as several. */
const MAX_RUN_BYTES = 1024;

const PERCENT = 37;

/** Shorter text between escapes is copied character by character: a native call costs more. */
const MIN_BULK_COPY = 32;

/** The value of each ASCII hex digit, -1 for every other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

const hexDigit = (code: number): number => (code < 128 ? HEX_VALUE[code]! : -1);

/** The byte that the `%XX` at `at` spells, or -1 if there is none (also past the end of `text`). */
function escapedByte(text: string, at: number): number {
  if (at + 2 >= text.length || text.charCodeAt(at) !== PERCENT) return -1;
  const high = hexDigit(text.charCodeAt(at + 1));
  const low = hexDigit(text.charCodeAt(at + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/** How many continuation bytes follow `lead` in well-formed UTF-8; -1 if it cannot lead. */
function continuationsAfter(lead: number): number {
  if (lead < 0x80) return 0;
  if (lead >= 0xc2 && lead <= 0xdf) return 1;
  if (lead >= 0xe0 && lead <= 0xef) return 2;
  return lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
}

/** The bytes of the run of escapes being decoded: each `%XX` is parsed once, then validated and decoded. */
const runBytes = new Uint8Array(MAX_RUN_BYTES);

/**
 * Whether the first `count` bytes of {@link runBytes} are well-formed UTF-8 (no stray continuation
 * byte, truncated sequence, overlong form, surrogate or code point past U+10FFFF): the runs
 * decodeURIComponent decodes rather than throws on. A run that is not stays as it is.
 */
function isUtf8(count: number): boolean {
  for (let index = 0; index < count;) {
    const lead = runBytes[index++]!;
    const continuations = continuationsAfter(lead);
    if (continuations < 0) return false;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    let low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    let high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let continuation = 0; continuation < continuations; continuation++, index++) {
      const byte = index < count ? runBytes[index]! : -1;
      if (byte < low || byte > high) return false;
      low = 0x80;
      high = 0xbf;
    }
  }
  return true;
}

export interface DecodedText {
  /** A flat string: the scanners read it character by character, which a tree of concatenations slows four-fold. */
  readonly decoded: string;
  /** For each UTF-16 unit of `decoded`, its index in the original text; one more entry: its length. */
  readonly origin: Int32Array;
}

/** Whether `text` has an escape to decode: text without one (`%=%=` after a level) costs no buffers. */
const ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * The decoded UTF-16 units of one level, as UTF-16LE bytes (whatever the machine's byte order), which
 * one native call turns into a flat string. Reused: only the string made from it outlives a level.
 */
let unitBytes = Buffer.allocUnsafe(8192);

function decodeLevel(text: string): DecodedText | undefined {
  if (!ESCAPE.test(text)) return undefined;
  // Decoding never lengthens text: three characters per byte become at most one UTF-16 unit.
  if (unitBytes.length < 2 * text.length) unitBytes = Buffer.allocUnsafe(2 * text.length);
  const units = unitBytes;
  const origin = new Int32Array(text.length + 1);
  let length = 0;
  let changed = false;
  // Characters copied one by one since the last `%`: the first MIN_BULK_COPY are copied as they are
  // read, the rest up to the next `%` found and copied by native calls (text with an escape every few
  // characters would otherwise pay a native call per escape).
  let plain = 0;
  for (let at = 0; at < text.length;) {
    const code = text.charCodeAt(at);
    if (code !== PERCENT && plain < MIN_BULK_COPY) {
      units[2 * length] = code & 0xff;
      units[2 * length + 1] = code >> 8;
      origin[length++] = at++;
      plain++;
      continue;
    }
    plain = 0;
    // Text up to the next `%` is copied as it is; so is a `%` that starts no escape, and a run of
    // escapes that is not UTF-8.
    let copyEnd = code === PERCENT ? at : text.indexOf('%', at);
    let count = 0;
    if (copyEnd === at) {
      while (count < MAX_RUN_BYTES) {
        const byte = escapedByte(text, at + 3 * count);
        if (byte < 0) break;
        runBytes[count++] = byte;
      }
      copyEnd = count > 0 && isUtf8(count) ? at : at + Math.max(3 * count, 1);
    } else if (copyEnd < 0) {
      copyEnd = text.length;
    }
    if (copyEnd - at >= MIN_BULK_COPY) {
      units.write(text.slice(at, copyEnd), 2 * length, 'utf16le');
      while (at < copyEnd) origin[length++] = at++;
      continue;
    }
    if (copyEnd > at) {
      for (; at < copyEnd; at++) {
        const unit = text.charCodeAt(at);
        units[2 * length] = unit & 0xff;
        units[2 * length + 1] = unit >> 8;
        origin[length++] = at;
      }
      continue;
    }
    changed = true;
    for (let index = 0; index < count;) {
      const start = at;
      const lead = runBytes[index++]!;
      const continuations = continuationsAfter(lead);
      let codePoint = continuations === 0 ? lead : lead & (0x3f >> continuations);
      at += 3;
      for (let continuation = 0; continuation < continuations; continuation++, at += 3) {
        codePoint = (codePoint << 6) | (runBytes[index++]! & 0x3f);
      }
      // Both halves of a surrogate pair come from the same escape sequence.
      const pair = codePoint >= 0x10000;
      const first = pair ? 0xd800 + ((codePoint - 0x10000) >> 10) : codePoint;
      units[2 * length] = first & 0xff;
      units[2 * length + 1] = first >> 8;
      origin[length++] = start;
      if (pair) {
        const second = 0xdc00 + ((codePoint - 0x10000) & 0x3ff);
        units[2 * length] = second & 0xff;
        units[2 * length + 1] = second >> 8;
        origin[length++] = start;
      }
    }
  }
  if (!changed) return undefined;
  origin[length] = text.length;
  return { decoded: units.toString('utf16le', 0, 2 * length), origin: origin.subarray(0, length + 1) };
}

/**
 * `text` percent-decoded once, twice and three times (runs that are not UTF-8 stay), each level with
 * its origins in `text`; empty if nothing decodes. Every level is its own reading: a secret holding
 * `%0A` itself, percent-encoded once, reads whole one level down and cut at a newline two levels
 * down.
 */
export function percentDecodedLevels(text: string): DecodedText[] {
  const levels: DecodedText[] = [];
  for (let level = 0; level < MAX_DECODING_LEVELS; level++) {
    const previous = levels.at(-1);
    const current = previous?.decoded ?? text;
    if (!current.includes('%')) break;
    const next = decodeLevel(current);
    if (next === undefined) break;
    if (previous !== undefined) {
      for (let index = 0; index < next.origin.length; index++)
        next.origin[index] = previous.origin[next.origin[index]!]!;
    }
    levels.push(next);
  }
  return levels;
}
