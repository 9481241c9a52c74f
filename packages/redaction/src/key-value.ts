/**
 * The shape of a `key=value` / `key: value` / `"key": "value"` pair in free text and query
 * strings, shared by the SDK's matcher and the Collector's generated pattern.
 */
export const KEY_VALUE_SEPARATOR_SOURCE = '["\']?\\s{0,3}[=:]\\s{0,3}["\']?';
export const KEY_VALUE_VALUE_SOURCE = '[^\\s&"\',;<>]{1,1024}';

/** Groups: text before the key, the key, the separator, the value. */
export function keyValuePattern(): RegExp {
  return new RegExp(`(^|[^\\w.-])([\\w.-]{1,64})(${KEY_VALUE_SEPARATOR_SOURCE})(${KEY_VALUE_VALUE_SOURCE})`, 'g');
}
