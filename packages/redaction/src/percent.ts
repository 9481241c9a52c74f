/**
 * Percent-decoding that remembers where each decoded character came from, so that a secret found
 * in the decoded text is masked in the original: everything around it stays byte-identical
 * (percent-encoding, `+`, order).
 */
const PERCENT_ENCODED = /(?:%[0-9A-Fa-f]{2}){1,1024}/g;

/** Levels of percent-encoding undone: a query value inside a URL inside a query is encoded twice. */
const MAX_DECODING_LEVELS = 3;

const hexValue = (code: number): number => (code <= 57 ? code - 48 : (code | 32) - 87);

/**
 * Whether the `%XX` run `encoded` spells well-formed UTF-8 (no stray continuation byte, truncated
 * sequence, overlong form, surrogate or code point past U+10FFFF): exactly the runs
 * decodeURIComponent decodes rather than throws on. Read in place: a throw costs microseconds, and
 * a Buffer per run cost as much on text made of short runs like `%aa` (a `%25` decoded once).
 */
function isUtf8(encoded: string): boolean {
  const byteAt = (index: number): number =>
    index * 3 < encoded.length
      ? (hexValue(encoded.charCodeAt(index * 3 + 1)) << 4) | hexValue(encoded.charCodeAt(index * 3 + 2))
      : -1;
  const bytes = encoded.length / 3;
  for (let index = 0; index < bytes;) {
    const lead = byteAt(index++);
    if (lead < 0x80) continue;
    const continuations =
      lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (continuations < 0) return false;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let continuation = 0; continuation < continuations; continuation++) {
      const byte = byteAt(index++);
      if (byte < (continuation === 0 ? low : 0x80) || byte > (continuation === 0 ? high : 0xbf)) return false;
    }
  }
  return true;
}

export interface DecodedText {
  /** A flat string: the scanners read it character by character, which a concatenation tree slows four-fold. */
  readonly decoded: string;
  /** For each UTF-16 unit of `decoded`, its index in the original text; one more entry: its length. */
  readonly origin: Int32Array;
}

function decodeLevel(text: string): DecodedText | undefined {
  const parts: string[] = [];
  // Decoding never lengthens text: three characters per byte become at most one UTF-16 unit.
  const origin = new Int32Array(text.length + 1);
  let length = 0;
  let copied = 0;
  for (const match of text.matchAll(PERCENT_ENCODED)) {
    const run = match[0];
    if (!isUtf8(run)) continue;
    const decodedRun = decodeURIComponent(run);
    for (let index = copied; index < match.index; index++) origin[length++] = index;
    parts.push(text.slice(copied, match.index), decodedRun);
    let byteOffset = 0;
    for (let unit = 0; unit < decodedRun.length; unit++) {
      const code = decodedRun.charCodeAt(unit);
      origin[length++] = match.index + 3 * byteOffset;
      // A surrogate pair is one 4-byte sequence: the high half takes the offset, the low half adds the bytes.
      if (code >= 0xd800 && code <= 0xdbff)
        ((origin[length++] = match.index + 3 * byteOffset), unit++, (byteOffset += 4));
      else byteOffset += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    }
    copied = match.index + run.length;
  }
  if (copied === 0) return undefined;
  for (let index = copied; index <= text.length; index++) origin[length++] = index;
  parts.push(text.slice(copied));
  return { decoded: parts.join(''), origin: origin.subarray(0, length) };
}

/** `text` percent-decoded (up to three levels; runs that are not UTF-8 stay), or undefined if unchanged. */
export function percentDecoded(text: string): DecodedText | undefined {
  let result: DecodedText | undefined;
  for (let level = 0; level < MAX_DECODING_LEVELS; level++) {
    const current = result?.decoded ?? text;
    if (!current.includes('%')) break;
    const next = decodeLevel(current);
    if (next === undefined) break;
    const outer = result?.origin;
    if (outer !== undefined)
      for (let index = 0; index < next.origin.length; index++) next.origin[index] = outer[next.origin[index]!]!;
    result = next;
  }
  return result;
}
