import type { Logform } from 'winston';
import type { Redactor } from '@apitrail/redaction';
import { guard } from '@apitrail/core/internal';
import { formatHumanReadableFields, ndjsonLine } from '@apitrail/export/internal';
import type { Bounds } from './bounded.js';
import { readWinstonConfig, type WinstonConfig } from './config.js';
import { fallbackLineObject, lineObject, type LineOptions } from './line.js';
import { contextualised, redactorFromEnvironment } from './redaction.js';
import { HUMAN_READABLE_LINE, MESSAGE, type HumanReadableLine, type LogInfo } from './record-keys.js';

function format(step: (info: LogInfo) => void): Logform.Format {
  return {
    transform: (info) => {
      step(info as unknown as LogInfo);
      return info;
    },
  };
}

/** Options of `apitrailContext()`: the redactor and the line bounds. */
export interface ContextFormatOptions {
  /** Default: the rule set `APITRAIL_REDACT_*` configures (read when the format is created). */
  readonly redactor?: Redactor;
  readonly bounds?: Bounds;
}

/**
 * Passes on a redacted copy of the record (message, metadata as bounded plain JSON, the extra
 * arguments `format.splat()` reads) with `trace_id`, `span_id`, `trace_flags`, `request_id`,
 * `api_key_id`, `api_key_name` and `tenant_id` from the active context. Put it first in
 * `format.combine(...)`, so later formats see the redacted record.
 */
export function apitrailContext(options: ContextFormatOptions = {}): Logform.Format {
  const redactor = options.redactor ?? redactorFromEnvironment();
  return {
    transform: (info) =>
      contextualised(info as unknown as LogInfo, redactor, options.bounds) as unknown as Logform.TransformableInfo,
  };
}

function lineOrFallback(info: LogInfo, options: LineOptions): Record<string, unknown> {
  return guard('winston line format', () => lineObject(info, options), fallbackLineObject(info, options));
}

/**
 * One JSON object per line with Prowler's field names: timestamp, level, message, logger, fields.
 * Written as the NDJSON exporter writes records, not by JSON.stringify alone, which leaves DEL, C1
 * controls and U+2028/2029 raw: metadata is often a client's data, and readline-style readers
 * (`apitrail analyze` among them) end a line at U+2028.
 */
export function ndjsonFormat(options: LineOptions = {}): Logform.Format {
  return format((info) => {
    info[MESSAGE] = ndjsonLine(lineOrFallback(info, options));
  });
}

/** Options of the human-readable format: those of every line, and colour. */
export interface HumanReadableOptions extends LineOptions {
  /**
   * Colour the level of every line, whatever the transport; default: no colour. A format cannot see
   * where a line goes: wrap a Console or Stream transport in `colourOnTerminal()` to colour the
   * lines it writes to a terminal only.
   */
  readonly colour?: boolean;
}

/** The development format of `@apitrail/export`: aligned, control characters neutralised. */
export function humanReadableFormat(options: HumanReadableOptions = {}): Logform.Format {
  const colour = options.colour === true;
  return format((info) => {
    const fields = lineOrFallback(info, options);
    const line = formatHumanReadableFields(fields, colour);
    info[MESSAGE] = line;
    if (!colour) info[HUMAN_READABLE_LINE] = { fields, line } satisfies HumanReadableLine;
  });
}

/** Context, redaction, then the line format `APITRAIL_LOG_FORMAT` names. */
export function apitrailFormat(
  config: WinstonConfig = readWinstonConfig(),
  options: HumanReadableOptions & ContextFormatOptions = {},
): Logform.Format {
  const steps = [
    apitrailContext(options),
    config.format === 'ndjson' ? ndjsonFormat(options) : humanReadableFormat(options),
  ];
  return {
    transform: (info) =>
      steps.reduce<Logform.TransformableInfo | boolean>(
        (record, step) => (typeof record === 'boolean' ? record : step.transform(record)),
        info,
      ),
  };
}

/**
 * `winston.createLogger({ ...apitrailLoggerOptions(), transports })`: the level, format and
 * redaction rules the environment asks for (`APITRAIL_LOG_LEVEL`, `APITRAIL_LOG_FORMAT`,
 * `APITRAIL_REDACT_*`). Throws ApitrailConfigError naming the variable on a bad value.
 */
export function apitrailLoggerOptions(env: NodeJS.ProcessEnv = process.env): { level: string; format: Logform.Format } {
  const config = readWinstonConfig(env);
  return { level: config.level, format: apitrailFormat(config, { redactor: redactorFromEnvironment(env) }) };
}
