/**
 * Log-injection defence (CWE-117, ASVS 16.4.1): control characters in strings that reach a
 * line-oriented or human-readable output are replaced by visible escapes, so a client cannot forge
 * a log line or drive a terminal with ANSI sequences.
 */
// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeControl(character: string): string {
  return NAMED_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function neutralizeControlCharacters(value: string): string {
  // Most strings have none, and a search is about three times cheaper than a replace with a callback.
  return value.search(CONTROL_CHARACTERS) === -1 ? value : value.replace(CONTROL_CHARACTERS, escapeControl);
}

/** Truncates to `maxLength` UTF-16 units, marking the cut so readers know data was dropped. */
export function truncate(value: string, maxLength: number): string {
  return value.length <= maxLength ? value : `${value.slice(0, maxLength)}…[truncated ${value.length - maxLength}]`;
}
