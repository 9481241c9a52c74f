/**
 * The shape of a `key=value` / `key: value` / `"key": "value"` pair in free text and query
 * strings, shared by the SDK's matcher and the Collector's generated pattern. A quoted value runs
 * to its closing quote (JSON passwords have spaces); an unquoted one to the next delimiter.
 */
export const KEY_VALUE_SEPARATOR_SOURCE = '["\']?\\s{0,3}[=:]\\s{0,3}';
// An unquoted value never starts with `=`, so base64 padding (`…/pw==`) is not a `pw=` pair.
export const KEY_VALUE_VALUE_SOURCE =
  '(?:"[^"\\n]{1,1024}"|\'[^\'\\n]{1,1024}\'|[^\\s&"\',;<>=][^\\s&"\',;<>]{0,1023})';

/** Groups: text before the key, the key, the separator, the value (with its quotes, if any). */
export function keyValuePattern(): RegExp {
  return new RegExp(`(^|[^\\w.-])([\\w.-]{1,64})(${KEY_VALUE_SEPARATOR_SOURCE})(${KEY_VALUE_VALUE_SOURCE})`, 'g');
}

/** The value without its quotes, and the quote to put back around its replacement. */
export function unquoted(value: string): { inner: string; quote: string } {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  return { inner: quote === '' ? value : value.slice(1, -1), quote };
}
