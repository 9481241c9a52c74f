/**
 * Percent-decoding that remembers where each decoded character came from, so that a secret found
 * in the decoded text is masked in the original: everything around it stays byte-identical
 * (percent-encoding, `+`, order).
 */
const PERCENT_ENCODED = /(?:%[0-9A-Fa-f]{2}){1,1024}/g;

/** Levels of percent-encoding undone: a query value inside a URL inside a query is encoded twice. */
const MAX_DECODING_LEVELS = 3;

const NON_ASCII_BYTE = /%[89A-Fa-f]/;

/**
 * A run of `%XX` decoded, or unchanged when its bytes are not UTF-8. Malformed runs are found by a
 * round trip, not by catching decodeURIComponent's URIError: a throw costs microseconds, so text
 * made of runs like `%aa` (a `%25` decoded once) cost milliseconds per string.
 */
function decodedOrUnchanged(encoded: string): string {
  // ASCII bytes always decode.
  if (!NON_ASCII_BYTE.test(encoded)) return decodeURIComponent(encoded);
  const bytes = Buffer.from(encoded.replaceAll('%', ''), 'hex');
  // Decoding turns malformed sequences into U+FFFD, which does not encode back to the same bytes.
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : encoded;
}

export interface DecodedText {
  readonly decoded: string;
  /** For each UTF-16 unit of `decoded`, its index in the original text; one more entry: its length. */
  readonly origin: readonly number[];
}

function decodeLevel(text: string): DecodedText | undefined {
  let decoded = '';
  const origin: number[] = [];
  let copied = 0;
  for (const match of text.matchAll(PERCENT_ENCODED)) {
    const run = match[0];
    const decodedRun = decodedOrUnchanged(run);
    if (decodedRun === run) continue;
    for (let index = copied; index < match.index; index++) origin.push(index);
    decoded += text.slice(copied, match.index) + decodedRun;
    let byteOffset = 0;
    for (const character of decodedRun) {
      const codePoint = character.codePointAt(0)!;
      for (let unit = 0; unit < character.length; unit++) origin.push(match.index + 3 * byteOffset);
      byteOffset += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    }
    copied = match.index + run.length;
  }
  if (copied === 0) return undefined;
  for (let index = copied; index <= text.length; index++) origin.push(index);
  return { decoded: decoded + text.slice(copied), origin };
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
    result = { decoded: next.decoded, origin: outer === undefined ? next.origin : next.origin.map((at) => outer[at]!) };
  }
  return result;
}
