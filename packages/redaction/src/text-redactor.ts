import { isCensored, isWhollyCensored, REDACTED, type Censor } from './censor.js';
import {
  addCurlCredentialRanges,
  addFlagValueRanges,
  addListedFlagValueRanges,
  addShortOptionRanges,
  mayHoldOption,
  sensitiveFlagTrigger,
} from './flag-value.js';
import {
  isComparison,
  keyValuePattern,
  keyValueValue,
  quotedValue,
  secretValueEnd,
  sensitivePairTrigger,
  sqlLiteralStart,
  unquoted,
} from './key-value.js';
import { percentDecodedLevels } from './percent.js';
import { anonymizeIp, IP_CANDIDATE_SOURCE, mayHoldIpAddress } from './pii.js';
import { addRange, normalizeRanges } from './ranges.js';
import { EMAIL_PATTERN, type RedactionRules, type ValuePattern } from './rules.js';
import { createCredentialScanner } from './scanner.js';

/**
 * The string half of the redactor: finds the secrets in one string (value patterns, the credential
 * scanner, key=value pairs, in the text as it is and percent-decoded) and masks them. Walking
 * attribute maps, log bodies and their keys is the structure half (redactor.ts).
 */
export interface TextRedactorOptions {
  readonly rules: RedactionRules;
  readonly censor: Censor;
  /** Whether the key of a pair (`key=value` in text) is secret; shared with the structure walk's key verdicts. */
  readonly isSecretKey: (key: string) => boolean;
  /** Also censor e-mail addresses and anonymise IP addresses. */
  readonly pii: boolean;
  /** Longest string scanned; a longer one is replaced whole. */
  readonly maxLength: number;
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

/** `text` with every secret replaced; the same string when there was none. */
export function createTextRedactor(options: TextRedactorOptions): (text: string) => string {
  const { rules, censor, isSecretKey, maxLength } = options;
  const patterns = [...rules.patterns, ...(options.pii ? [EMAIL_PATTERN] : [])].map(compile);
  // One pass over a clean string decides that no pattern can match (a second one only if some
  // pattern is case-insensitive); each pattern's own trigger then picks the few worth running.
  const prefilter = triggerUnion([...rules.patterns, ...(options.pii ? [EMAIL_PATTERN] : [])]);
  const ipCandidates = new RegExp(IP_CANDIDATE_SOURCE, 'g');
  const keyValue = keyValuePattern();
  const pairValue = keyValueValue();
  const sensitivePair = sensitivePairTrigger(rules.keys);
  const sensitiveFlag = sensitiveFlagTrigger(rules.keys);
  const sensitiveListedFlag = sensitiveFlagTrigger(rules.keys, `["'\\\\]`);
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
    // The last key's verdict: text of one pair repeated asks about the same key thousands of times.
    let lastKey = '';
    let lastSecret = false;
    for (let match = keyValue.exec(text); match !== null; match = keyValue.exec(text)) {
      const [, before = '', key = '', separator = ''] = match;
      const pairValueStart = match.index + before.length + key.length + separator.length;
      if (key !== lastKey) [lastKey, lastSecret] = [key, isSecretKey(key)];
      if (!lastSecret || isComparison(text, separator, pairValueStart)) {
        // From the separator's last character, which can serve as the boundary before a key.
        keyValue.lastIndex = pairValueStart - 1;
        continue;
      }
      const valueStart = sqlLiteralStart(text, pairValueStart);
      pairValue.lastIndex = valueStart;
      const value = quotedValue(text, valueStart, pairValue.exec(text)?.[0] ?? '');
      const end = secretValueEnd(text, valueStart, value);
      const { open, inner } = unquoted(value);
      keyValue.lastIndex = end;
      // A value that is a replacement already (a second pass) stays.
      if (isWhollyCensored(inner) || isWhollyCensored(text.slice(valueStart, end))) continue;
      // A `+` the separator took for a form-encoded space is the start of an unquoted value
      // (`password=+x…`: a space or a plus, either way the password's).
      let start = valueStart;
      while (open === '' && start > pairValueStart - separator.length && text.charCodeAt(start - 1) === 43 /* + */)
        start--;
      if (open !== '' && end === valueStart + value.length) {
        addRange(ranges, valueStart + open.length, valueStart + open.length + inner.length);
      } else {
        addRange(ranges, start, end);
      }
    }
  }

  /**
   * Every detector (value patterns, the credential scanner, key=value pairs, command-line options)
   * finds its secrets in the original text; their union is masked in one pass, so no detector sees
   * another's replacement and a secret found by two is masked once, whole.
   */
  function secretRanges(text: string, ranges: number[] = []): number[] {
    if (text.length >= MIN_FORMAT_LENGTH) {
      if (prefilter(text)) {
        for (const pattern of patterns) if (pattern.trigger.test(text)) addPatternRanges(pattern, text, ranges);
      }
      scanner.scan(text, ranges);
    }
    if (hasKeyValueSeparator(text) && sensitivePair.test(text)) addKeyValueRanges(text, ranges);
    // A command line's `--password <value>`, `mysql -p<value>` (flag-value.ts).
    if (mayHoldOption(text)) {
      if (sensitiveFlag.test(text)) addFlagValueRanges(text, ranges, isSecretKey);
      if (sensitiveListedFlag.test(text)) addListedFlagValueRanges(text, ranges, isSecretKey);
      addShortOptionRanges(text, ranges);
      addCurlCredentialRanges(text, ranges);
    }
    return normalizeRanges(ranges);
  }

  function redactText(text: string): string {
    if (text.length > maxLength) return REDACTED;
    const ranges = secretRanges(text);
    // Paths, queries and URLs carry secrets percent-encoded (`Bearer%20…`, `https%3A%2F%2Fuser%3Apw%40`),
    // where no detector sees them whole: each decoded level is scanned too, and what is secret there
    // is masked where it came from.
    if (text.includes('%')) {
      for (const decoded of percentDecodedLevels(text)) {
        const decodedRanges = secretRanges(decoded.decoded);
        for (let index = 0; index < decodedRanges.length; index += 2) {
          addRange(ranges, decoded.origin[decodedRanges[index]!]!, decoded.origin[decodedRanges[index + 1]!]!);
        }
      }
    }
    const result = masked(text, normalizeRanges(ranges), censor);
    return options.pii && mayHoldIpAddress(result) ? result.replace(ipCandidates, anonymizeIp) : result;
  }

  return redactText;
}
