import { truncate } from '@apitrail/core/internal';

/** Limits on what one log line may carry: a hostile or careless value cannot blow up the line. */
export interface Bounds {
  /** Nesting below this depth is replaced by a placeholder. */
  readonly maxDepth: number;
  /** Longer strings are cut (and say by how much). */
  readonly maxStringLength: number;
  /** Keys per object and items per array. */
  readonly maxEntries: number;
  /** Characters of string content in the whole line; once spent, remaining fields are dropped. */
  readonly maxTotalLength: number;
}

/** The bounds a line is kept within unless a format or transport is given others. */
export const DEFAULT_BOUNDS: Bounds = {
  maxDepth: 8,
  maxStringLength: 8192,
  maxEntries: 100,
  maxTotalLength: 65_536,
};

/** A JSON value: what every output of a log line can carry without further checks. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

function describeThrown(error: unknown): string {
  try {
    return `[Thrown: ${error instanceof Error ? error.name : typeof error}]`;
  } catch {
    return '[Thrown]';
  }
}

/**
 * Turns anything an app may pass as log metadata into bounded plain JSON: cycles, BigInt,
 * Buffers, Symbols, functions, getters that throw, Proxies, huge strings and deep nesting all
 * become a placeholder or a cut value, and `truncated` records that something was dropped. It
 * never throws and never calls back into app code except property getters and `toJSON`, whose
 * failures are caught per value.
 */
export class Bounder {
  truncated = false;
  private readonly bounds: Bounds;
  private remaining: number;
  private readonly ancestors = new Set<object>();

  constructor(bounds: Bounds = DEFAULT_BOUNDS) {
    this.bounds = bounds;
    this.remaining = bounds.maxTotalLength;
  }

  /** A string within the per-string and per-line budgets. */
  text(value: string): string {
    const limit = Math.max(0, Math.min(this.bounds.maxStringLength, this.remaining));
    this.remaining -= Math.min(value.length, limit);
    if (value.length <= limit) return value;
    this.truncated = true;
    return truncate(value, limit);
  }

  /** Any value as bounded JSON; `undefined` (and functions' absence of data) stays undefined. */
  value(input: unknown, depth = 0): Plain | undefined {
    try {
      return this.convert(input, depth);
    } catch (error) {
      return describeThrown(error);
    }
  }

  /** Own enumerable string-keyed fields of `source` except `skip`, bounded; the line's metadata. */
  fields(source: object, skip: ReadonlySet<string>, depth = 0): Record<string, Plain> {
    const out: Record<string, Plain> = {};
    let keys: string[];
    try {
      keys = Object.keys(source);
    } catch (error) {
      out['[keys]'] = describeThrown(error);
      return out;
    }
    let count = 0;
    for (const key of keys) {
      if (skip.has(key)) continue;
      if (count >= this.bounds.maxEntries || this.remaining <= 0) {
        this.truncated = true;
        break;
      }
      const value = this.value(readSafely(source, key), depth);
      if (value === undefined) continue;
      out[this.text(key)] = value;
      count += 1;
    }
    return out;
  }

  private convert(input: unknown, depth: number): Plain | undefined {
    switch (typeof input) {
      case 'string':
        return this.text(input);
      case 'number':
        return Number.isFinite(input) ? input : String(input);
      case 'boolean':
        return input;
      case 'bigint':
        return this.text(input.toString());
      case 'symbol':
        return this.text(input.toString());
      case 'function':
        return this.text(`[Function ${input.name || 'anonymous'}]`);
      case 'undefined':
        return undefined;
    }
    if (input === null) return null;
    return this.object(input as object, depth);
  }

  private object(input: object, depth: number): Plain {
    if (this.ancestors.has(input)) return '[Circular]';
    if (ArrayBuffer.isView(input) || input instanceof ArrayBuffer) {
      // Length only: raw bytes may be a secret that no text-based redaction rule would recognise.
      return `[${input.constructor.name}: ${input.byteLength} bytes]`;
    }
    if (input instanceof Date) return Number.isNaN(input.getTime()) ? 'Invalid Date' : input.toISOString();
    if (depth >= this.bounds.maxDepth) {
      this.truncated = true;
      return Array.isArray(input) ? '[Array]' : '[Object]';
    }
    this.ancestors.add(input);
    try {
      return this.container(input, depth + 1);
    } finally {
      this.ancestors.delete(input);
    }
  }

  private container(input: object, depth: number): Plain {
    if (Array.isArray(input)) return this.items(input, depth);
    if (input instanceof Set) return this.items([...input], depth);
    if (input instanceof Map) return this.fields(Object.fromEntries(input) as object, NO_KEYS, depth);
    if (input instanceof Error) return this.error(input, depth);
    const toJSON = (input as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.value(toJSON.call(input), depth) ?? null;
    return this.fields(input, NO_KEYS, depth);
  }

  private items(input: readonly unknown[], depth: number): Plain[] {
    const out: Plain[] = [];
    for (const item of input.slice(0, this.bounds.maxEntries)) out.push(this.value(item, depth) ?? null);
    if (input.length > this.bounds.maxEntries) this.truncated = true;
    return out;
  }

  /** name, message and stack are not enumerable on an Error, so they are read explicitly. */
  private error(input: Error, depth: number): Record<string, Plain> {
    const out: Record<string, Plain> = {};
    for (const key of ERROR_KEYS) {
      const value = this.value(readSafely(input, key), depth);
      if (value !== undefined) out[key] = value;
    }
    return { ...out, ...this.fields(input, new Set(ERROR_KEYS), depth) };
  }
}

const NO_KEYS: ReadonlySet<string> = new Set();
const ERROR_KEYS = ['name', 'message', 'stack', 'cause'] as const;

/** `source[key]`, or a placeholder naming what a getter or Proxy trap threw. */
export function readSafely(source: object, key: string): unknown {
  try {
    return (source as Record<string, unknown>)[key];
  } catch (error) {
    return describeThrown(error);
  }
}
