import { APP_LOGGER_NAME, NDJSON_FIELDS } from '@apitrail/core/internal';
import { Bounder, type Bounds, type Plain } from './bounded.js';
import { injectedFields } from './context-fields.js';
import { LEVEL, TRUNCATED, type LogInfo } from './record-keys.js';
import { TRUNCATED_FIELD, appLoggerName, withoutForgedFields } from './reserved.js';

/** winston's own keys and the headline fields, which the line writes once, in front. */
const HEAD_KEYS: ReadonlySet<string> = new Set([
  NDJSON_FIELDS.timestamp,
  NDJSON_FIELDS.level,
  NDJSON_FIELDS.message,
  NDJSON_FIELDS.logger,
]);

/** Options of every line format: the default logger name and the bounds. */
export interface LineOptions {
  /** `logger` of lines whose metadata names none (default `app`). */
  readonly logger?: string;
  readonly bounds?: Bounds;
}

/** The level as logged, never the colourised text `format.colorize()` leaves in `info.level`. */
export function levelName(info: LogInfo): string {
  const level = info[LEVEL] ?? info.level;
  return typeof level === 'string' ? level : 'info';
}

export function loggerName(info: LogInfo, fallback: string = APP_LOGGER_NAME): string {
  return typeof info.logger === 'string' ? appLoggerName(info.logger) : fallback;
}

/** A message of any type as text: apps log numbers, objects and thrown non-Errors as messages. */
export function messageText(message: unknown, bounder: Bounder): string {
  if (typeof message === 'string') return bounder.text(message);
  const value = bounder.value(message);
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** ISO 8601 UTC with `Z`, as ASVS 16.2.2 wants, whatever format `format.timestamp()` used. */
function isoTimestamp(timestamp: unknown): string {
  const date =
    typeof timestamp === 'string' || typeof timestamp === 'number' || timestamp instanceof Date
      ? new Date(timestamp)
      : new Date();
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}

/**
 * One winston record as the object of an NDJSON line with Prowler's field order: `timestamp`,
 * `level`, `message`, `logger`, then the metadata (context fields included, forged audit fields
 * moved under `app.`), bounded; `truncated` when anything was cut.
 */
export function lineObject(info: LogInfo, options: LineOptions = {}): Record<string, Plain> {
  const bounder = new Bounder(options.bounds);
  const object: Record<string, Plain> = {
    [NDJSON_FIELDS.timestamp]: isoTimestamp(info.timestamp),
    [NDJSON_FIELDS.level]: bounder.text(levelName(info).toUpperCase()),
    [NDJSON_FIELDS.message]: messageText(info.message, bounder),
    [NDJSON_FIELDS.logger]: bounder.text(loggerName(info, options.logger)),
    ...withoutForgedFields(bounder.fields(info, HEAD_KEYS), injectedFields(info)),
  };
  if (bounder.truncated || info[TRUNCATED] === true) object[TRUNCATED_FIELD] = true;
  return object;
}

/** The message of a record apitrail could not read (or redact): none of the app's text. */
export const UNSERIALISABLE_MESSAGE = '[unserialisable log record]';

/** What a line says when even building it failed: still valid JSON, still marked. */
export function fallbackLineObject(info: LogInfo, options: LineOptions = {}): Record<string, Plain> {
  let level = 'INFO';
  try {
    level = levelName(info).toUpperCase();
  } catch {
    // keep INFO: the record's level itself was unreadable
  }
  return {
    [NDJSON_FIELDS.timestamp]: new Date().toISOString(),
    [NDJSON_FIELDS.level]: level.slice(0, 32),
    [NDJSON_FIELDS.message]: UNSERIALISABLE_MESSAGE,
    [NDJSON_FIELDS.logger]: options.logger ?? APP_LOGGER_NAME,
    [TRUNCATED_FIELD]: true,
  };
}
