import {
  ApitrailConfigError,
  readBoolean,
  readEnum,
  readList,
  readNumber,
  readString,
  type Environment,
} from '@apitrail/core/internal';
import { REDACTION_MODES, type RedactionMode } from './censor.js';
import { patternProblem } from './pattern-safety.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH, DEFAULT_MAX_NODES, type RedactorOptions } from './redactor.js';
import { DEFAULT_RULES, type RedactionRules, type ValuePattern } from './rules.js';

/** The redaction settings `readRedactionConfig(env)` reads from the `APITRAIL_REDACT_*` variables. */
export interface RedactionConfig extends Required<Omit<RedactorOptions, 'hashKey'>> {
  readonly rules: RedactionRules;
  readonly mode: RedactionMode;
  readonly hashKey: string | undefined;
  /** Add `redaction.*` summary attributes (keys and counts, never values) to redacted records. */
  readonly summary: boolean;
}

/** Shorter HMAC keys are guessable, which would let someone confirm a secret from its hash. */
const MIN_HASH_KEY_LENGTH = 16;

/**
 * Checks a user pattern (`(?i)` prefix for case-insensitive, as in RE2) and names the variable
 * when it is unusable: a silently disabled redactor would leak.
 */
export function userPattern(variable: string, source: string, index: number): ValuePattern {
  const caseInsensitive = source.startsWith('(?i)');
  const body = caseInsensitive ? source.slice(4) : source;
  const problem = patternProblem(body);
  if (problem !== undefined) throw new ApitrailConfigError(variable, `pattern ${JSON.stringify(source)}: ${problem}`);
  try {
    new RegExp(body, 'g');
  } catch (error) {
    throw new ApitrailConfigError(variable, `pattern ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
  return { name: `custom_${index + 1}`, source: body, caseInsensitive, trigger: body };
}

/**
 * `APITRAIL_REDACT_*`. Keys and allow-list entries are comma-separated globs; patterns are
 * separated by whitespace (regexes contain commas; use `\s` for a space).
 */
export function readRedactionConfig(env: Environment): RedactionConfig {
  const mode = readEnum(env, 'APITRAIL_REDACT_MODE', REDACTION_MODES, 'redact');
  const hashKey = readString(env, 'APITRAIL_REDACT_HASH_KEY');
  if (mode === 'hash' && (hashKey === undefined || hashKey.length < MIN_HASH_KEY_LENGTH)) {
    throw new ApitrailConfigError(
      'APITRAIL_REDACT_HASH_KEY',
      `APITRAIL_REDACT_MODE=hash needs a key of at least ${MIN_HASH_KEY_LENGTH} characters`,
    );
  }
  const patterns = (readString(env, 'APITRAIL_REDACT_PATTERNS') ?? '')
    .split(/\s+/)
    .filter((source) => source !== '')
    .map((source, index) => userPattern('APITRAIL_REDACT_PATTERNS', source, index));
  const keys = readList(env, 'APITRAIL_REDACT_KEYS');
  const allow = readList(env, 'APITRAIL_REDACT_ALLOW');
  return {
    rules: {
      keys: [...DEFAULT_RULES.keys, ...keys],
      patterns: [...DEFAULT_RULES.patterns, ...patterns],
      formats: DEFAULT_RULES.formats,
      allow: [...DEFAULT_RULES.allow, ...allow],
    },
    mode,
    hashKey,
    pii: readBoolean(env, 'APITRAIL_REDACT_PII', false),
    summary: readBoolean(env, 'APITRAIL_REDACT_SUMMARY', false),
    maxLength: readNumber(env, 'APITRAIL_REDACT_MAX_LENGTH', DEFAULT_MAX_LENGTH, {
      min: 1024,
      max: 1_048_576,
      integer: true,
    }),
    maxDepth: readNumber(env, 'APITRAIL_REDACT_MAX_DEPTH', DEFAULT_MAX_DEPTH, { min: 1, max: 64, integer: true }),
    maxNodes: readNumber(env, 'APITRAIL_REDACT_MAX_NODES', DEFAULT_MAX_NODES, { min: 10, max: 100_000, integer: true }),
  };
}
