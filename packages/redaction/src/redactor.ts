import type { AnyValue, Attributes, AttributeValue } from '@opentelemetry/api';
import { createCensor, isCensored, REDACTED, type RedactionMode } from './censor.js';
import { createKeyMemo, rememberClean, type KeyMemo } from './key-memo.js';
import { createKeyMatcher } from './key-matcher.js';
import { DEFAULT_RULES, type RedactionRules } from './rules.js';
import { createTextRedactor } from './text-redactor.js';

type ValueMap = Record<string, AnyValue>;

export interface RedactorOptions {
  rules?: RedactionRules;
  /** Default `redact` (`[REDACTED]`). */
  mode?: RedactionMode;
  /** HMAC-SHA256 key, required by the `hash` mode. */
  hashKey?: string;
  /** Also censor e-mail addresses and anonymise IP addresses (IPv4 /24, IPv6 /48). */
  pii?: boolean;
  /** Longest string scanned (UTF-16 units); a longer one is replaced whole. Default 32768. */
  maxLength?: number;
  /** Deepest nesting walked in maps and arrays; anything deeper is replaced whole. Default 16. */
  maxDepth?: number;
  /** Most values walked in one structured value; a map or array that would exceed it is replaced whole. Default 1000. */
  maxNodes?: number;
}

export const DEFAULT_MAX_LENGTH = 32768;
export const DEFAULT_MAX_DEPTH = 16;
export const DEFAULT_MAX_NODES = 1000;

/** Which keys were redacted whole (`redacted`) or had secrets masked inside them (`masked`). */
export interface RedactionTally {
  readonly redactedKeys: Set<string>;
  readonly maskedKeys: Set<string>;
  redacted: number;
  masked: number;
}

export function newTally(): RedactionTally {
  return { redactedKeys: new Set(), maskedKeys: new Set(), redacted: 0, masked: 0 };
}

/** Redacts text, attribute maps and structured values with one compiled rule set. */
export interface Redactor {
  readonly mode: RedactionMode;
  /** `text` with every secret replaced; the same string when there was none. */
  redactText(text: string): string;
  /**
   * `attributes` when nothing is secret, otherwise a copy with secrets replaced (or, in `drop`
   * mode, removed). Only changed entries are rebuilt.
   */
  redactAttributes(attributes: Attributes, tally?: RedactionTally): Attributes;
  /** A log body or any other structured value, walked within the depth and size bounds. */
  redactValue(value: AnyValue, tally?: RedactionTally): AnyValue;
}

/** Card numbers logged as numbers: only long integers can be one (no other secret is a number). */
const mayBeCardNumber = (value: number): boolean => Number.isInteger(value) && Math.abs(value) >= 1e12;

interface Walk {
  readonly tally: RedactionTally | undefined;
  readonly rootKey: string;
  nodes: number;
}

/**
 * A redactor for `options` (the default rule set, mode `redact` and the default bounds when omitted).
 * This is the structure half: attribute maps, log bodies, arrays and byte arrays walked within the
 * depth and size bounds, values under secret keys replaced whole, and each key's verdict and last
 * clean value remembered; every string goes to the text half (text-redactor.ts).
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const rules = options.rules ?? DEFAULT_RULES;
  const mode = options.mode ?? 'redact';
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const censor = createCensor(mode, options.hashKey);
  const isSecretKey = createKeyMatcher(rules.keys, rules.allow);
  const redactText = createTextRedactor({ rules, censor, isSecretKey, pii: options.pii ?? false, maxLength });
  const keyMemo = createKeyMemo(isSecretKey, redactText);

  /** The whole value under a secret key, shape kept where it carries no text. */
  function censorWhole(value: AnyValue): AnyValue {
    if (typeof value === 'string') return isCensored(value) ? value : censor(value);
    if (typeof value === 'boolean' || value === null || value === undefined) return value;
    if (Array.isArray(value)) return value.map(censorWhole);
    if (typeof value === 'number') return censor(String(value));
    return REDACTED;
  }

  function note(tally: RedactionTally | undefined, rootKey: string, whole: boolean): void {
    if (tally === undefined) return;
    if (whole) {
      tally.redactedKeys.add(rootKey);
      tally.redacted++;
    } else {
      tally.maskedKeys.add(rootKey);
      tally.masked++;
    }
  }

  function redactString(text: string, tally: RedactionTally | undefined, rootKey: string): string {
    const redacted = redactText(text);
    if (redacted !== text) note(tally, rootKey, false);
    return redacted;
  }

  /** A string under a key whose last clean value it may be: then it costs a comparison. */
  function redactUnderKey(text: string, known: KeyMemo, tally: RedactionTally | undefined, rootKey: string): string {
    if (text === known.lastClean) return text;
    const redacted = redactString(text, tally, rootKey);
    if (redacted === text) rememberClean(known, text);
    return redacted;
  }

  /**
   * A key that itself holds a secret (a token used as a map key) goes out masked, and its value,
   * filed under a secret, goes whole with it; in drop mode, neither goes.
   */
  function maskKey(copy: Record<string, unknown>, key: string, maskedKey: string, value: AnyValue): void {
    Reflect.deleteProperty(copy, key);
    if (mode !== 'drop') copy[maskedKey] = censorWhole(value);
  }

  /** A command-line option (`-v`, `--port`); `-` alone (stdin) and negative numbers are not. */
  const isFlag = (text: string): boolean => text.charCodeAt(0) === 45 /* - */ && /^--?[A-Za-z]/.test(text);

  /** An option naming a secret with its value in the next argument (`--password`, `--db-token`), not `--token=…`. */
  const isSecretFlag = (text: string): boolean =>
    isFlag(text) && !text.includes('=') && text.length <= 66 && isSecretKey(text.replace(/^--?/, ''));

  /** Counts `size` more values against the budget; false when the value must go whole. */
  function withinBounds(size: number, depth: number, walk: Walk): boolean {
    walk.nodes += size;
    if (walk.nodes <= maxNodes && depth <= maxDepth) return true;
    note(walk.tally, walk.rootKey, true);
    return false;
  }

  function walkValue(value: AnyValue, depth: number, walk: Walk): AnyValue {
    if (!withinBounds(1, depth, walk)) return REDACTED;
    if (typeof value === 'string') return redactString(value, walk.tally, walk.rootKey);
    if (typeof value === 'number') {
      if (!mayBeCardNumber(value)) return value;
      const text = String(value);
      return redactText(text) === text ? value : walkValue(text, depth, walk);
    }
    if (value instanceof Uint8Array) {
      const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
      return redactText(text) === text ? value : walkValue(text, depth, walk);
    }
    if (Array.isArray(value)) {
      if (!withinBounds(value.length, depth, walk)) return REDACTED;
      let copy: AnyValue[] | undefined;
      let afterSecretFlag = false;
      for (let index = 0; index < value.length; index++) {
        const item = value[index] as AnyValue;
        // A command line's `--password <value>`, split in two elements (`process.command_args`).
        const redacted =
          afterSecretFlag && typeof item === 'string' && !isFlag(item)
            ? censorWhole(item)
            : walkValue(item, depth + 1, walk);
        afterSecretFlag = typeof item === 'string' && isSecretFlag(item);
        if (redacted !== item) (copy ??= [...value])[index] = redacted;
      }
      return copy ?? value;
    }
    if (value !== null && typeof value === 'object') return walkMap(value as ValueMap, depth + 1, walk);
    return value;
  }

  function walkMap(map: ValueMap, depth: number, walk: Walk): AnyValue {
    const keys = Object.keys(map);
    if (!withinBounds(keys.length, depth, walk)) return REDACTED;
    let copy: ValueMap | undefined;
    for (const key of keys) {
      const item = map[key];
      const known = keyMemo(key);
      if (known.maskedKey !== undefined) {
        maskKey((copy ??= { ...map }), key, known.maskedKey, item);
        note(walk.tally, walk.rootKey, true);
        continue;
      }
      let redacted: AnyValue;
      if (known.secret && item !== undefined && item !== null && typeof item !== 'boolean') {
        redacted = mode === 'drop' ? undefined : censorWhole(item);
        note(walk.tally, walk.rootKey, true);
      } else if (typeof item === 'string') {
        redacted = withinBounds(1, depth, walk) ? redactUnderKey(item, known, walk.tally, walk.rootKey) : REDACTED;
      } else {
        redacted = walkValue(item, depth, walk);
      }
      if (redacted === item) continue;
      copy ??= { ...map };
      if (redacted === undefined) Reflect.deleteProperty(copy, key);
      else copy[key] = redacted;
    }
    return copy ?? map;
  }

  function redactAttributes(attributes: Attributes, tally?: RedactionTally): Attributes {
    let copy: Attributes | undefined;
    // for-in, not Object.keys: V8 then loads each value through the object's enum cache, a third
    // of the loop's cost. An inherited key (a polluted prototype) is at worst redacted onto the copy.
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      const known = keyMemo(key);
      if (known.maskedKey !== undefined) {
        maskKey((copy ??= { ...attributes }), key, known.maskedKey, value);
        note(tally, known.maskedKey, true);
        continue;
      }
      if (typeof value === 'boolean') continue;
      let redacted: AnyValue;
      if (known.secret) {
        redacted = mode === 'drop' ? undefined : censorWhole(value);
        note(tally, key, true);
      } else if (typeof value === 'string') {
        redacted = redactUnderKey(value, known, tally, key);
        if (redacted !== value && mode === 'drop') redacted = undefined;
      } else {
        if (typeof value === 'number' && !mayBeCardNumber(value)) continue;
        redacted = walkValue(value, 0, { tally, rootKey: key, nodes: 0 });
        if (redacted !== value && mode === 'drop') redacted = undefined;
      }
      if (redacted === value) continue;
      copy ??= { ...attributes };
      if (redacted === undefined) Reflect.deleteProperty(copy, key);
      else copy[key] = redacted as AttributeValue;
    }
    return copy ?? attributes;
  }

  return {
    mode,
    redactText,
    redactAttributes,
    redactValue: (value, tally) => walkValue(value, 0, { tally, rootKey: 'body', nodes: 0 }),
  };
}
