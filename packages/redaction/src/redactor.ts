import type { AnyValue, Attributes, AttributeValue } from '@opentelemetry/api';
import { createCensor, isCensored, isWhollyCensored, REDACTED, type Censor, type RedactionMode } from './censor.js';
import { createKeyMemo, rememberClean, type KeyMemo } from './key-memo.js';
import { createKeyMatcher } from './key-matcher.js';
import { keyValuePattern, keyValueValue, secretValueEnd, sensitivePairTrigger, unquoted } from './key-value.js';
import { anonymizeIp, IP_CANDIDATE_SOURCE, mayHoldIpAddress } from './pii.js';
import { DEFAULT_RULES, EMAIL_PATTERN, type RedactionRules, type ValuePattern } from './rules.js';
import { percentDecoded } from './percent.js';
import { addRange, normalizeRanges } from './ranges.js';
import { createCredentialScanner } from './scanner.js';

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

interface CompiledPattern {
  readonly trigger: RegExp;
  readonly regex: RegExp;
  /** Group 1 is kept and group 2 is the secret; otherwise the whole match is. */
  readonly grouped: boolean;
  readonly confirm: ((secret: string) => boolean) | undefined;
}

/** No secret format is shorter (a URL userinfo `a://:b@`); shorter strings only get the key=value check. */
const MIN_FORMAT_LENGTH = 7;

function compile(pattern: ValuePattern): CompiledPattern {
  return {
    trigger: new RegExp(pattern.trigger, pattern.caseInsensitive ? 'i' : ''),
    regex: new RegExp(pattern.source, pattern.caseInsensitive ? 'gi' : 'g'),
    grouped: new RegExp(`${pattern.source}|`).exec('')!.length > 2,
    confirm: pattern.confirm,
  };
}

/** Card numbers logged as numbers: only long integers can be one (no other secret is a number). */
const mayBeCardNumber = (value: number): boolean => Number.isInteger(value) && Math.abs(value) >= 1e12;

const hasKeyValueSeparator = (text: string): boolean => text.includes('=') || text.includes(':');

function triggerUnion(patterns: readonly ValuePattern[]): (text: string) => boolean {
  const union = (caseInsensitive: boolean): RegExp | undefined => {
    const triggers = patterns.filter((pattern) => !!pattern.caseInsensitive === caseInsensitive);
    if (triggers.length === 0) return undefined;
    return new RegExp(triggers.map(({ trigger }) => `(?:${trigger})`).join('|'), caseInsensitive ? 'i' : '');
  };
  const sensitive = union(false);
  const insensitive = union(true);
  return (text) => (sensitive?.test(text) ?? false) || (insensitive?.test(text) ?? false);
}

/** `text` with each `[start, end)` of `ranges` censored; `text` itself when there are none. */
function masked(text: string, ranges: readonly number[], censor: Censor): string {
  if (ranges.length === 0) return text;
  let output = '';
  let copied = 0;
  for (let index = 0; index < ranges.length; index += 2) {
    const start = ranges[index]!;
    const end = ranges[index + 1]!;
    const secret = text.slice(start, end);
    if (isWhollyCensored(secret)) continue;
    output += text.slice(copied, start) + censor(secret);
    copied = end;
  }
  return copied === 0 ? text : output + text.slice(copied);
}

interface Walk {
  readonly tally: RedactionTally | undefined;
  readonly rootKey: string;
  nodes: number;
}

/** A redactor for `options` (the default rule set, mode `redact` and the default bounds when omitted). */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const rules = options.rules ?? DEFAULT_RULES;
  const mode = options.mode ?? 'redact';
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const censor = createCensor(mode, options.hashKey);
  const isSecretKey = createKeyMatcher(rules.keys, rules.allow);
  const patterns = [...rules.patterns, ...(options.pii ? [EMAIL_PATTERN] : [])].map(compile);
  // One pass over a clean string decides that no pattern can match (a second one only if some
  // pattern is case-insensitive); each pattern's own trigger then picks the few worth running.
  const prefilter = triggerUnion([...rules.patterns, ...(options.pii ? [EMAIL_PATTERN] : [])]);
  const ipCandidates = new RegExp(IP_CANDIDATE_SOURCE, 'g');
  const keyValue = keyValuePattern();
  const pairValue = keyValueValue();
  const sensitivePair = sensitivePairTrigger(rules.keys);
  const keyMemo = createKeyMemo(isSecretKey);
  const scanner = createCredentialScanner(rules.formats ?? []);

  /** Adds the secret of every match of `pattern` in `text` to `ranges`. */
  function addPatternRanges({ regex, grouped, confirm }: CompiledPattern, text: string, ranges: number[]): void {
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      if (match[0] === '') {
        regex.lastIndex++;
        continue;
      }
      const kept = grouped ? (match[1] ?? '') : '';
      const secret = grouped ? (match[2] ?? '') : match[0];
      if (secret === '' || isCensored(secret) || (confirm !== undefined && !confirm(secret))) continue;
      const start = match.index + kept.length;
      addRange(ranges, start, start + secret.length);
    }
  }

  /**
   * Adds the values of sensitive keys to `ranges`: a quoted value inside its quotes, a value that
   * runs on past the pair's shape (see secretValueEnd) to its real end. The value of any other key
   * is scanned again from its start, for a pair inside it (`next=…&token=…` decoded,
   * `{"dsn":"password=…"}`).
   */
  function addKeyValueRanges(text: string, ranges: number[]): void {
    keyValue.lastIndex = 0;
    for (let match = keyValue.exec(text); match !== null; match = keyValue.exec(text)) {
      const [, before = '', key = '', separator = ''] = match;
      const valueStart = match.index + before.length + key.length + separator.length;
      if (!isSecretKey(key)) {
        // From the separator's last character, which can serve as the boundary before a key.
        keyValue.lastIndex = valueStart - 1;
        continue;
      }
      pairValue.lastIndex = valueStart;
      const value = pairValue.exec(text)?.[0] ?? '';
      const end = secretValueEnd(text, valueStart, value);
      const { open, inner } = unquoted(value);
      keyValue.lastIndex = end;
      // A value that is a replacement already (a second pass) stays.
      if (isWhollyCensored(inner) || isWhollyCensored(text.slice(valueStart, end))) continue;
      if (end === valueStart + value.length) {
        addRange(ranges, valueStart + open.length, valueStart + open.length + inner.length);
      } else {
        addRange(ranges, valueStart, end);
      }
    }
  }

  /**
   * Every detector (value patterns, the credential scanner, key=value pairs) finds its secrets in
   * the original text; their union is masked in one pass, so no detector sees another's replacement
   * and a secret found by two is masked once, whole.
   */
  function secretRanges(text: string, ranges: number[] = []): number[] {
    if (text.length >= MIN_FORMAT_LENGTH) {
      if (prefilter(text)) {
        for (const pattern of patterns) if (pattern.trigger.test(text)) addPatternRanges(pattern, text, ranges);
      }
      scanner.scan(text, ranges);
    }
    if (hasKeyValueSeparator(text) && sensitivePair.test(text)) addKeyValueRanges(text, ranges);
    return normalizeRanges(ranges);
  }

  function redactText(text: string): string {
    if (text.length > maxLength) return REDACTED;
    const ranges = secretRanges(text);
    // Paths, queries and URLs carry secrets percent-encoded (`Bearer%20…`, `https%3A%2F%2Fuser%3Apw%40`),
    // where no detector sees them whole: the decoded text is scanned too, and what is secret there is
    // masked where it came from.
    const decoded = text.includes('%') ? percentDecoded(text) : undefined;
    if (decoded !== undefined) {
      const decodedRanges = secretRanges(decoded.decoded);
      for (let index = 0; index < decodedRanges.length; index += 2) {
        addRange(ranges, decoded.origin[decodedRanges[index]!]!, decoded.origin[decodedRanges[index + 1]!]!);
      }
    }
    const result = masked(text, normalizeRanges(ranges), censor);
    return options.pii && mayHoldIpAddress(result) ? result.replace(ipCandidates, anonymizeIp) : result;
  }

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
      for (let index = 0; index < value.length; index++) {
        const item = value[index] as AnyValue;
        const redacted = walkValue(item, depth + 1, walk);
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
      if (value === undefined || typeof value === 'boolean') continue;
      const known = keyMemo(key);
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
