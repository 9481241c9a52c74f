import { diag, type DiagLogger } from '@opentelemetry/api';
import { neutralizeControlCharacters } from '@apitrail/core/internal';

/**
 * During a collector outage every failed export makes the SDK write to stderr: the OTLP exporter's
 * retry notice (`Export retry time ...ms exceeds remaining timeout ...`, info) and, from the batch
 * processors, the error itself through OTel's global error handler (`diag.error` of the error as
 * JSON, stack included). That is several lines a second on the app's stderr. Instead, each
 * apitrail exporter reports its failures here, one line per exporter and interval, like the drop
 * summaries, and the diagnostic logger the register installs leaves out the SDK's own lines for
 * those failures (see {@link condenseExportDiagnostics}); `OTEL_LOG_LEVEL=debug` or `verbose`
 * shows them all.
 */

/**
 * The messages of the OTLP exporters' retrying transport (`@opentelemetry/otlp-exporter-base`,
 * retrying-transport), whole and exact. Every one is about an export that failed or is retried, and
 * none carries more than the failure apitrail reports itself: the error of a failure that is not
 * retried reaches the exporter's result callback, and is reported from there.
 */
const EXPORT_RETRY_MESSAGES: readonly RegExp[] = [
  /^Export retry time \d+ms exceeds remaining timeout -?\d+ms, not retrying further\.$/,
  /^Export failed after maximum retry attempts \(\d+\)\.$/,
  /^Export failed with non-retryable error: /,
  /^Scheduling export retry in \d+ms$/,
];

/** Whether a diagnostic (its arguments) is one of the OTLP exporters' retry notices. */
export function isExportRetryNotice(args: readonly unknown[]): boolean {
  const [message] = args;
  return args.length === 1 && typeof message === 'string' && EXPORT_RETRY_MESSAGES.some((re) => re.test(message));
}

/**
 * An error as OTel's default global error handler prints it (`loggingErrorHandler` of
 * `@opentelemetry/core`: a string as is, anything else as the JSON of its own and inherited
 * properties, truthy values as strings, the nearest definition winning).
 */
export function errorAsOtelPrintsIt(error: unknown): string {
  if (typeof error === 'string') return error;
  const flat: Record<string, string> = {};
  let current: unknown = error;
  while (current !== null && current !== undefined) {
    for (const name of Object.getOwnPropertyNames(current)) {
      if (flat[name]) continue;
      const value: unknown = (current as Record<string, unknown>)[name];
      if (value) flat[name] = String(value);
    }
    current = Object.getPrototypeOf(current);
  }
  return JSON.stringify(flat);
}

/**
 * Errors an apitrail exporter has just failed an export with, as OTel's error handler prints them,
 * each with how many times it may still be printed. A batch processor hands the failed export's
 * error (the same object) to the global error handler in promise callbacks of the exporter's
 * result callback, before the event loop moves on; so the list is emptied at the next turn of the
 * loop, and an app's own error printed later is never mistaken for one.
 */
const expectedEchoes = new Map<string, number>();
let clearing: NodeJS.Immediate | undefined;

function expectEcho(error: unknown): void {
  let printed: string;
  try {
    printed = errorAsOtelPrintsIt(error);
  } catch {
    return; // A getter that throws: the handler cannot print it either.
  }
  expectedEchoes.set(printed, (expectedEchoes.get(printed) ?? 0) + 1);
  clearing ??= setImmediate(() => {
    clearing = undefined;
    expectedEchoes.clear();
  }).unref();
}

/**
 * Whether an error-level diagnostic is the global error handler printing the error of an export
 * failure apitrail has just reported: exactly one string argument, equal to what the handler makes
 * of that very error, in the same turn of the event loop. Anything else (an app's own use of the
 * global error handler, a bug, a failure of an exporter apitrail did not build) is not recognised
 * and is printed as before.
 */
export function isExportFailureEcho(args: readonly unknown[]): boolean {
  const [message] = args;
  if (args.length !== 1 || typeof message !== 'string') return false;
  const left = expectedEchoes.get(message);
  if (left === undefined) return false;
  if (left > 1) expectedEchoes.set(message, left - 1);
  else expectedEchoes.delete(message);
  return true;
}

/**
 * `logger` without the SDK's lines about export failures that apitrail reports itself: the retry
 * notices (info) and the global error handler's printing of a failed export's error (error).
 */
export function condenseExportDiagnostics(logger: DiagLogger): DiagLogger {
  return {
    error: (...args) => {
      if (!isExportFailureEcho(args)) logger.error(...(args as [string]));
    },
    warn: (...args) => logger.warn(...(args as [string])),
    info: (...args) => {
      if (!isExportRetryNotice(args)) logger.info(...(args as [string]));
    },
    debug: (...args) => logger.debug(...(args as [string])),
    verbose: (...args) => logger.verbose(...(args as [string])),
  };
}

const REASON_MAX = 160;
const RETRYABLE_STATUS = 'the receiver answered 429, 502, 503 or 504 until the retries ran out';

/**
 * A failed export's error in a few words: `connect ECONNREFUSED` for a system error (the address is
 * in the endpoint already), `HTTP 400 Bad Request` for a status the exporter does not retry, the
 * receiver pushing back for one it retries, else its message. No stack.
 */
export function exportFailureReason(error: unknown): string {
  let reason: string;
  try {
    if (error instanceof Error) {
      const { code, syscall } = error as NodeJS.ErrnoException & { code?: unknown };
      if (typeof code === 'string' && typeof syscall === 'string') reason = `${syscall} ${code}`;
      else if (typeof code === 'number') reason = `HTTP ${code} ${error.message}`.trim();
      // The OTLP exporters' error once a retryable answer came back at every attempt (it does not keep the status).
      else if (error.message === 'Export failed with retryable status') reason = RETRYABLE_STATUS;
      else if (typeof code === 'string') reason = `${code} ${error.message}`;
      else reason = error.message || error.name;
    } else if (typeof error === 'string') reason = error;
    else reason = 'no reason given';
  } catch {
    reason = 'no reason given';
  }
  reason = neutralizeControlCharacters(reason.trim() || 'no reason given');
  return reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX)}...` : reason;
}

/** An export URL without what may be a credential: user, password, query and fragment. */
export function endpointForDisplay(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * The failures of one exporter, reported like the drop summaries: a warning at the first failure,
 * then at most one per interval with the number of failed exports since the last one (none while
 * exports fail no more), and one line when an export succeeds again. A failure is one export call
 * (a batch) that ended in FAILED; the records it cost are counted apart, by the drop reporting.
 */
export class ExportFailureReporter {
  /** What fails, as in `span export`. */
  readonly kind: string;
  /** Where to, as in `http://collector:4318/v1/traces` (no credentials). */
  readonly target: string;
  private readonly intervalMs: number;
  private failing = false;
  /** Failures since the outage began, and since the last line. */
  private total = 0;
  private pending = 0;
  private reason = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(kind: string, target: string, intervalMs: number) {
    this.kind = kind;
    this.target = neutralizeControlCharacters(target);
    this.intervalMs = intervalMs;
  }

  /** An export failed with `error`. */
  failed(error: unknown): void {
    expectEcho(error);
    this.reason = exportFailureReason(error);
    this.total += 1;
    if (!this.failing) {
      this.failing = true;
      diag.warn(
        `apitrail: ${this.kind} to ${this.target} failing (${this.reason}); ` +
          `further failures are summed every ${this.intervalMs} ms`,
      );
      this.arm();
      return;
    }
    this.pending += 1;
    // The first failure after a quiet interval is reported at once (the process may be about to exit).
    if (this.timer === undefined) this.report();
  }

  /** An export succeeded. */
  succeeded(): void {
    if (!this.failing) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const exports = this.total === 1 ? 'export' : 'exports';
    diag.warn(`apitrail: ${this.kind} to ${this.target} recovered after ${this.total} failed ${exports}`);
    this.failing = false;
    this.total = 0;
    this.pending = 0;
  }

  private arm(): void {
    this.timer = setTimeout(() => this.report(), this.intervalMs).unref();
  }

  private report(): void {
    this.timer = undefined;
    if (this.pending === 0) return;
    const failures = this.pending === 1 ? 'failure' : 'failures';
    diag.warn(`apitrail: ${this.pending} more ${this.kind} ${failures} to ${this.target} (${this.reason})`);
    this.pending = 0;
    this.arm();
  }
}
