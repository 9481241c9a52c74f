import { REDACTED, createRedactor, readRedactionConfig, type Redactor } from '@apitrail/redaction';
import type { AnyValue } from '@opentelemetry/api';
import { guard, type Environment } from '@apitrail/core/internal';
import { Bounder, readSafely, type Bounds, type Plain } from './bounded.js';
import { attachContext, injectedFields } from './context-fields.js';
import { UNSERIALISABLE_MESSAGE, levelName, messageText } from './line.js';
import { LEVEL, REDACTED_BY, SPLAT, TRUNCATED, type LogInfo } from './record-keys.js';

/**
 * One compiled rule set per configuration: the register's patch and an `apitrailContext()` the app
 * also put in its format then hold the same redactor, which is how the format sees that a record
 * is already redacted. Few configurations exist in one process; the cap only bounds odd callers.
 */
const redactors = new Map<string, Redactor>();
const MAX_CACHED_REDACTORS = 16;

/** The rule set `APITRAIL_REDACT_*` configures, the same one the SDK's redaction processor uses. */
export function redactorFromEnvironment(env: Environment = process.env): Redactor {
  const config = readRedactionConfig(env);
  const key = JSON.stringify(config);
  let redactor = redactors.get(key);
  if (redactor === undefined) {
    if (redactors.size >= MAX_CACHED_REDACTORS) redactors.clear();
    redactor = createRedactor(config);
    redactors.set(key, redactor);
  }
  return redactor;
}

/** Properties that are not enumerable on an Error, yet the app's formats print them (`format.errors()`, `%s`). */
const ERROR_TEXT_KEYS = ['message', 'stack'] as const;
const ERROR_KEYS: ReadonlySet<string> = new Set([...ERROR_TEXT_KEYS, 'cause']);

/** The redaction of one record: one rule set, one length budget. */
class Redaction {
  readonly bounder: Bounder;

  constructor(
    readonly redactor: Redactor,
    bounds: Bounds | undefined,
  ) {
    this.bounder = new Bounder(bounds);
  }

  text(value: unknown): string {
    return this.redactor.redactText(messageText(value, this.bounder));
  }

  /** Bounded plain JSON, redacted, its Errors Errors again: what becomes of metadata. */
  plain(value: unknown): unknown {
    const bounded = this.bounder.value(value);
    return bounded === undefined ? undefined : withOriginalErrors(value, this.redactor.redactValue(bounded) as Plain);
  }

  /** Own enumerable fields of `source` except `skip`, with the key rules applied to their names. */
  fields(source: object, skip: ReadonlySet<string>): Record<string, unknown> {
    const redacted = this.redactor.redactValue(this.bounder.fields(source, skip) as AnyValue) as Record<string, Plain>;
    return fieldsWithOriginalErrors(source, redacted);
  }

  /** An Error stays one (formats test `instanceof Error`); anything else becomes redacted text or plain JSON. */
  value(value: unknown): unknown {
    if (value instanceof Error) return this.error(value);
    return typeof value === 'string' ? this.text(value) : this.plain(value);
  }

  /**
   * A stand-in for an Error the app logged: its prototype, so `instanceof`, `format.errors()`, `%s`
   * and `util.inspect` treat it as the original, with message and stack redacted (a V8 stack is an
   * accessor bound to the original, so it becomes a plain string) and other fields as plain copies.
   */
  error(error: Error): Error {
    const copy = Object.create(Object.getPrototypeOf(error) as object | null) as Error;
    for (const key of ERROR_TEXT_KEYS) copyOwn(copy, error, key, (value) => this.text(value));
    copyOwn(copy, error, 'cause', (value) => this.plain(value));
    return Object.assign(copy, this.fields(error, ERROR_KEYS));
  }
}

/** `source[key]` when it is an own data property: a getter is not called a second time. */
function ownData(source: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(source, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/**
 * `redacted`, the bounded and redacted plain copy of `original`, with each Error of `original` (in
 * plain objects and arrays, at any depth the copy reached) an Error again. The bounder turns an Error
 * into `{ name, message, stack, ...fields }` (what the exported record needs), but the app's formats
 * print an Error with JSON.stringify or safe-stable-stringify, which give its own enumerable fields
 * only (`{}`, `{"code":"E_UPSTREAM"}`): the plain copy added a message and a stack trace to the app's
 * lines that the app never printed. Anything that cannot be matched keeps the plain copy.
 */
function withOriginalErrors(original: unknown, redacted: Plain): unknown {
  if (typeof original !== 'object' || original === null || typeof redacted !== 'object' || redacted === null) {
    return redacted;
  }
  try {
    if (Array.isArray(redacted)) {
      return Array.isArray(original)
        ? redacted.map((item, index) => withOriginalErrors(ownData(original, String(index)), item))
        : redacted;
    }
    if (original instanceof Error) return errorWith(original, redacted);
    const prototype = Object.getPrototypeOf(original) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return redacted;
    return fieldsWithOriginalErrors(original, redacted);
  } catch {
    return redacted;
  }
}

function fieldsWithOriginalErrors(source: object, redacted: Record<string, Plain>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(redacted)) out[key] = withOriginalErrors(ownData(source, key), value);
  return out;
}

/**
 * An Error with `original`'s prototype holding the redacted `fields` (name, message, stack and its
 * own fields, as the bounder read them), each as enumerable as on `original`, in its order: message
 * and stack stay out of JSON, a `code` stays in. A field the prototype already gives (`name`) is not
 * repeated.
 */
function errorWith(original: Error, fields: Record<string, Plain>): Error {
  const copy = Object.create(Object.getPrototypeOf(original) as object | null) as Error;
  const keys = [...Object.getOwnPropertyNames(original).filter((key) => Object.hasOwn(fields, key))];
  for (const key of Object.keys(fields)) if (!keys.includes(key)) keys.push(key);
  for (const key of keys) {
    const own = Object.getOwnPropertyDescriptor(original, key);
    const value = withOriginalErrors(own !== undefined && 'value' in own ? own.value : undefined, fields[key]!);
    if (own === undefined && readSafely(copy, key) === value) continue;
    Object.defineProperty(copy, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: own?.enumerable ?? false,
    });
  }
  return copy;
}

/** Own property `key` of `source`, transformed, on `target` with the same enumerability. */
function copyOwn(target: object, source: object, key: string, transform: (value: unknown) => unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(source, key);
  if (descriptor === undefined) return;
  const value = transform(descriptor.get === undefined ? descriptor.value : readSafely(source, key));
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: descriptor.enumerable });
}

const LEVEL_ONLY = ['level'];
/** Copied as they are, or redacted on their own. */
const NOT_METADATA: ReadonlySet<string> = new Set([...LEVEL_ONLY, ...ERROR_KEYS]);

/** The placeholders `util.format` fills, which `format.splat()` counts; `%%` is a literal `%`. */
const PLACEHOLDERS = /(%[scdjifoO%])/;
/**
 * Stands for an argument in the template: random-looking, as the rules that censor a token after
 * its context want one (`Bearer `, `https://user:`, `the api token is `), and shaped like no secret
 * format, so it is censored only there (`hello <probe> world` keeps it).
 */
const PROBE = 'ProbeXq7Lm2Wv9Kt4Nz8Hy3';

/** An argument as `format.splat()` writes it into the message, where that is text; '' for the rest. */
const asText = (argument: unknown): string =>
  typeof argument === 'string' || typeof argument === 'number' || typeof argument === 'bigint' ? String(argument) : '';

/**
 * A message with extra arguments (`logger.info('password=%s', pw)`) is a template `format.splat()`
 * may fill in later, behind apitrail's redaction. Its text is redacted between the placeholders
 * (a key rule would take `%s` itself for the secret, and every argument would shift), and an
 * argument whose place in the message a rule censors is censored whole: its place is read with the
 * other arguments filled in, since they can be the context (`logger.info('%s=%s', 'password', pw)`).
 */
function redactedTemplate(template: string, args: unknown[], redaction: Redaction): string {
  const parts = template.split(PLACEHOLDERS);
  const filled = parts.flatMap((part, index) => (index % 2 === 1 && part !== '%%' ? [index] : []));
  const placed = filled.slice(0, args.length);
  const texts = placed.map((_, argument) => asText(args[argument]));
  placed.forEach((placeholder, argument) => {
    const probe = parts
      .map((part, index) => {
        if (index === placeholder) return PROBE;
        if (index % 2 === 0) return part;
        const other = placed.indexOf(index);
        return other < 0 ? (part === '%%' ? '%' : '') : texts[other]!;
      })
      .join('');
    if (!redaction.redactor.redactText(probe).includes(PROBE)) args[argument] = REDACTED;
  });
  return parts.map((part, index) => (index % 2 === 0 ? redaction.text(part) : part)).join('');
}

/**
 * The redacted copy of an argument whose fields winston merged into the record unchanged (`logger.info(msg,
 * meta)`): taken from the record's redacted fields rather than redacted a second time.
 */
function mergedArgument(argument: unknown, info: LogInfo, fields: Record<string, unknown>): unknown {
  if (typeof argument !== 'object' || argument === null || Object.getPrototypeOf(argument) !== Object.prototype) {
    return undefined;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(argument)) {
    if (!Object.hasOwn(fields, key) || info[key] !== value) return undefined;
    copy[key] = fields[key]!;
  }
  return copy;
}

/**
 * A redacted copy of a winston record (the record itself is often the app's own object: winston
 * logs `logger.info(obj)` and `logger.error(err)` as they are): message, stack and metadata
 * (nested objects, arrays, Errors) bounded and redacted, and the extra arguments too, since
 * `format.splat()` interpolates them into the message and merges them back as metadata. winston's
 * symbols and apitrail's context fields are kept as they are; an Error record stays an Error.
 */
export function redactedRecord(info: LogInfo, redactor: Redactor, bounds?: Bounds): LogInfo {
  const record = (info instanceof Error ? Object.create(Object.getPrototypeOf(info) as object | null) : {}) as LogInfo;
  for (const symbol of Object.getOwnPropertySymbols(info)) {
    if (Object.prototype.propertyIsEnumerable.call(info, symbol)) record[symbol] = info[symbol];
  }
  const injected = injectedFields(info);
  const kept = injected.length === 0 ? LEVEL_ONLY : ['level', ...injected];
  for (const key of kept) if (Object.hasOwn(info, key)) record[key] = info[key];

  const redaction = new Redaction(redactor, bounds);
  const skip = injected.length === 0 ? NOT_METADATA : new Set([...NOT_METADATA, ...injected]);
  const fields = redaction.fields(info, skip);
  // Their own budget: the metadata winston merged into the record is usually among them again.
  const splat = info[SPLAT];
  const argumentRedaction = Array.isArray(splat) ? new Redaction(redactor, bounds) : undefined;
  const args =
    argumentRedaction === undefined
      ? []
      : (splat as unknown[]).map((item) => mergedArgument(item, info, fields) ?? argumentRedaction.value(item));
  copyOwn(record, info, 'message', (message) => {
    if (message instanceof Error) return redaction.error(message);
    return typeof message === 'string' && args.length > 0 && PLACEHOLDERS.test(message)
      ? redactedTemplate(message, args, redaction)
      : redaction.text(message);
  });
  copyOwn(record, info, 'stack', (stack) => redaction.text(stack));
  copyOwn(record, info, 'cause', (cause) => redaction.value(cause));
  Object.assign(record, fields);
  if (argumentRedaction !== undefined) record[SPLAT] = args;

  if (redaction.bounder.truncated || argumentRedaction?.bounder.truncated === true || info[TRUNCATED] === true) {
    record[TRUNCATED] = true;
  }
  record[REDACTED_BY] = redactor;
  return record;
}

/** What a record becomes when redacting it failed: nothing of the app's text, still a line. */
function unredactable(info: LogInfo): LogInfo {
  const level = guard('winston redaction', () => levelName(info), 'info');
  return { level, [LEVEL]: level, message: UNSERIALISABLE_MESSAGE, [TRUNCATED]: true };
}

/**
 * The record with the context fields added and its message, metadata and extra arguments redacted
 * (a copy: the app's objects are never changed). A record the same rule set already redacted (the
 * register's patch runs before the logger's formats) is only given the context fields.
 */
export function contextualised(info: LogInfo, redactor: Redactor, bounds?: Bounds): LogInfo {
  const record = guard(
    'winston redaction',
    () => (info[REDACTED_BY] === redactor ? info : redactedRecord(info, redactor, bounds)),
    undefined,
  );
  const safe = record ?? unredactable(info);
  guard('winston context', () => attachContext(safe), undefined);
  return safe;
}
