import { readEnum, type Environment } from '@apitrail/core';
import { KNOWN_LEVELS } from './levels.js';

export const LOG_FORMATS = ['ndjson', 'human_readable'] as const;
export type LogFormatName = (typeof LOG_FORMATS)[number];

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
