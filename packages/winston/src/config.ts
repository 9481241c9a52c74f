import { readBoolean, readEnum, type Environment } from '@apitrail/core/internal';
import type { Redactor } from '@apitrail/redaction';
import { KNOWN_LEVELS } from './levels.js';
import { redactorFromEnvironment } from './redaction.js';

/** The values `APITRAIL_LOG_FORMAT` accepts. */
export const LOG_FORMATS = ['ndjson', 'human_readable'] as const;
/** A line format: NDJSON or human-readable. */
export type LogFormatName = (typeof LOG_FORMATS)[number];

/** What `@apitrail/winston` reads from the environment (`APITRAIL_LOG_FORMAT`, `APITRAIL_LOG_LEVEL`). */
export interface WinstonConfig {
  /** `APITRAIL_LOG_FORMAT`: how `apitrailFormat()` renders lines. */
  readonly format: LogFormatName;
  /** `APITRAIL_LOG_LEVEL`: the logger level `apitrailLoggerOptions()` sets. */
  readonly level: string;
}

/**
 * The winston settings, read the way Prowler reads `DJANGO_LOGGING_FORMATTER` and
 * `DJANGO_LOGGING_LEVEL`. Throws ApitrailConfigError naming the variable on a value it cannot use.
 */
export function readWinstonConfig(env: Environment = process.env): WinstonConfig {
  return {
    format: readEnum(env, 'APITRAIL_LOG_FORMAT', LOG_FORMATS, 'ndjson'),
    level: readEnum(env, 'APITRAIL_LOG_LEVEL', KNOWN_LEVELS, 'info'),
  };
}

export interface LocalRedactionOptions {
  /**
   * What redacts the lines the app's own transports (Console, File, ...) print, or `false` to leave
   * them as the app's formats make them. Default: the `APITRAIL_REDACT_*` rule set, unless
   * `APITRAIL_REDACT_LOCAL_LOGS=false`. The exported copy is redacted by the SDK's processor either way.
   */
  readonly localRedaction?: Redactor | false;
}

/** The redactor of the app's own transports; throws ApitrailConfigError naming a bad variable. */
export function localRedactor(
  option: Redactor | false | undefined,
  env: Environment = process.env,
): Redactor | undefined {
  if (option !== undefined) return option === false ? undefined : option;
  return readBoolean(env, 'APITRAIL_REDACT_LOCAL_LOGS', true) ? redactorFromEnvironment(env) : undefined;
}
