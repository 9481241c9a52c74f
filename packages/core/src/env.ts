import { ApitrailConfigError } from './config-error.js';

// Typed readers for environment variables. Each one throws {@link ApitrailConfigError} naming the
// variable when the value is malformed, and returns the default when it is unset or blank.

/** Where configuration is read from: `process.env`, or the object given to `startApitrail({ env })`. */
export type Environment = Readonly<Record<string, string | undefined>>;

function raw(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function readString(env: Environment, name: string, fallback: string): string;
export function readString(env: Environment, name: string): string | undefined;
export function readString(env: Environment, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}

export function readBoolean(env: Environment, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ApitrailConfigError(name, `expected true or false, got ${JSON.stringify(env[name])}`);
}

export function readNumber(
  env: Environment,
  name: string,
  fallback: number,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  const { min = -Infinity, max = Infinity, integer = false } = bounds;
  if (!Number.isFinite(number) || (integer && !Number.isInteger(number)) || number < min || number > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ApitrailConfigError(name, `expected ${kind} in [${min}, ${max}], got ${JSON.stringify(env[name])}`);
  }
  return number;
}

export function readEnum<T extends string>(env: Environment, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ApitrailConfigError(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(env[name])}`);
}

/** A comma-separated list; blanks between commas are dropped. */
export function readList(env: Environment, name: string, fallback: readonly string[] = []): string[] {
  const value = raw(env, name);
  if (value === undefined) return [...fallback];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A comma-separated list whose every item must be one of `allowed` (case-insensitive). */
export function readEnumList<T extends string>(
  env: Environment,
  name: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  const items = readList(env, name, fallback).map((item) => item.toLowerCase());
  const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) {
    throw new ApitrailConfigError(
      name,
      `unknown value ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected ${allowed.join(', ')}`,
    );
  }
  return items as T[];
}
