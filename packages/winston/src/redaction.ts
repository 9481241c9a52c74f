import { createRedactor, readRedactionConfig, type Redactor } from '@apitrail/redaction';
import type { Environment } from '@apitrail/core';
import { Bounder, type Bounds, type Plain } from './bounded.js';
import { injectedFields } from './context-fields.js';
import { messageText } from './line.js';
import { TRUNCATED, type LogInfo } from './record-keys.js';

/** The rule set `APITRAIL_REDACT_*` configures, the same one the SDK's redaction processor uses. */
export function redactorFromEnvironment(env: Environment = process.env): Redactor {
  return createRedactor(readRedactionConfig(env));
}

/**
 * Replaces the record's message and metadata with bounded, redacted plain copies (the app's own
 * objects are never mutated). Metadata dropped by the bounds is removed, and the record marked.
 * The context fields are apitrail's own and stay as they are.
 */
export function redactInfo(info: LogInfo, redactor: Redactor, bounds?: Bounds): void {
  const bounder = new Bounder(bounds);
  const kept = new Set(['level', 'message', ...injectedFields(info)]);
  info.message = redactor.redactText(messageText(info.message, bounder));
  const fields = redactor.redactValue(bounder.fields(info, kept)) as Record<string, Plain>;
  for (const key of Object.keys(info)) if (!kept.has(key) && !(key in fields)) Reflect.deleteProperty(info, key);
  Object.assign(info, fields);
  if (bounder.truncated) info[TRUNCATED] = true;
}
