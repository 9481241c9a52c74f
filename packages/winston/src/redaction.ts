import { Bounder, type Bounds, type Plain } from './bounded.js';
import { injectedFields } from './context-fields.js';
import { TRUNCATED_FIELD, messageText } from './line.js';
import type { LogInfo } from './record-keys.js';

// Placeholder until @apitrail/redaction publishes its rule set API.
export function redactText(text: string): string {
  return text;
}

export function redactAttributes(attributes: Record<string, Plain>): Record<string, Plain> {
  return attributes;
}

/**
 * Replaces the record's message and metadata with bounded, redacted plain copies (the app's own
 * objects are never mutated). Metadata dropped by the bounds is removed, and the record marked.
 */
export function redactInfo(info: LogInfo, bounds?: Bounds): void {
  const bounder = new Bounder(bounds);
  const kept = new Set(['level', ...injectedFields(info)]);
  info.message = redactText(messageText(info.message, bounder));
  kept.add('message');
  const fields = redactAttributes(bounder.fields(info, kept));
  for (const key of Object.keys(info)) if (!kept.has(key) && !(key in fields)) Reflect.deleteProperty(info, key);
  Object.assign(info, fields);
  if (bounder.truncated) info[TRUNCATED_FIELD] = true;
}
