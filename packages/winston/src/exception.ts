import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE } from '@apitrail/core/internal';
import type { Bounder } from './bounded.js';
import { SPLAT, type LogInfo } from './record-keys.js';

export interface ExceptionMapping {
  /** `exception.type`, `exception.message`, `exception.stacktrace`, where known. */
  readonly attributes: Record<string, string>;
  /** Metadata keys the exception came from, not repeated as plain attributes. */
  readonly consumedKeys: readonly string[];
}

const ERROR_META_KEYS = ['err', 'error'] as const;

function isErrorLike(value: unknown): value is { name?: unknown; message?: unknown; stack?: unknown } {
  return (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && typeof (value as { stack?: unknown }).stack === 'string')
  );
}

function stackType(stack: string): string | undefined {
  return /^([A-Za-z_$][\w$.]{0,99}):/.exec(stack)?.[1];
}

function mapping(
  bounder: Bounder,
  source: { name?: unknown; message?: unknown; stack?: unknown },
  consumedKeys: readonly string[],
): ExceptionMapping {
  const attributes: Record<string, string> = {};
  const stack = typeof source.stack === 'string' ? source.stack : undefined;
  const type = typeof source.name === 'string' ? source.name : stack === undefined ? undefined : stackType(stack);
  if (type !== undefined) attributes[ATTR_EXCEPTION_TYPE] = bounder.text(type);
  if (typeof source.message === 'string') attributes[ATTR_EXCEPTION_MESSAGE] = bounder.text(source.message);
  if (stack !== undefined) attributes[ATTR_EXCEPTION_STACKTRACE] = bounder.text(stack);
  return { attributes, consumedKeys };
}

/**
 * The exception a winston record carries, in the places apps put one: an `err`/`error` metadata
 * field, an Error passed as metadata (winston copies its `message` and `stack` onto the record),
 * or an Error among the extra arguments. Property reads may throw; the caller guards them.
 */
export function exceptionOf(info: LogInfo, bounder: Bounder): ExceptionMapping | undefined {
  for (const key of ERROR_META_KEYS) {
    const value = info[key];
    if (isErrorLike(value)) return mapping(bounder, value, [key]);
  }
  if (typeof info.stack === 'string') {
    return mapping(bounder, { name: info.name, message: info.message, stack: info.stack }, ['stack', 'name']);
  }
  const splat = info[SPLAT];
  const fromSplat = Array.isArray(splat) ? splat.find(isErrorLike) : undefined;
  return fromSplat === undefined ? undefined : mapping(bounder, fromSplat, []);
}
