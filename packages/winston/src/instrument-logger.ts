import type { Logger } from 'winston';
import type { Redactor } from '@apitrail/redaction';
import { guard } from '@apitrail/core/internal';
import type { Bounds } from './bounded.js';
import { localRedactor, type LocalRedactionOptions } from './config.js';
import { attachContext } from './context-fields.js';
import { levelName } from './line.js';
import { contextualised } from './redaction.js';
import { ApitrailLogTransport, isApitrailBridge, type ApitrailLogTransportOptions } from './transport.js';
import type { LogInfo } from './record-keys.js';

/** A `Logger` prototype or instance method, as patched. */
export type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * instrumentation-winston's bridge sends the same records: a logger keeps one bridge, apitrail's,
 * which also carries the request identity, redaction and bounds.
 */
function isOtelContribBridge(transport: unknown): boolean {
  return (transport as { constructor?: { name?: unknown } }).constructor?.name === 'OpenTelemetryTransportV3';
}

/** Gives `logger` exactly one OTel bridge: apitrail's. */
export function ensureBridge(logger: Logger, options: ApitrailLogTransportOptions = {}): void {
  for (const transport of logger.transports.filter(isOtelContribBridge)) logger.remove(transport);
  if (!logger.transports.some(isApitrailBridge)) logger.add(new ApitrailLogTransport(options));
}

/** What the register's patch does to each record before the logger's own formats see it. */
export interface WriteOptions {
  /**
   * Redacts what the app's own transports print, with the rule set the exported copy gets.
   * Absent: the record keeps the app's text (only the exported copy is redacted).
   */
  readonly redactor?: Redactor;
  readonly bounds?: Bounds;
}

type LevelAware = Pick<Logger, 'isLevelEnabled' | 'transports'>;

/**
 * Whether any transport would write a record of `info`'s level. winston runs the logger's formats
 * on every record and lets each transport filter afterwards, so a disabled `debug` line would
 * otherwise be redacted for nothing. Uncaught-exception records reach their handlers whatever the
 * level, and with no transport winston prints the whole record to the console: both count.
 */
function written(logger: LevelAware, info: LogInfo): boolean {
  if (info.exception === true || logger.transports.length === 0) return true;
  return logger.isLevelEnabled(levelName(info));
}

/**
 * `Logger#write` that hands the logger's own formats a redacted copy of the record (when a redactor
 * is given and a transport will write it) carrying the context fields and the caller's Context, so
 * both reach every transport, whatever its format.
 */
export function writeWithContext(write: Method, options: WriteOptions = {}): Method {
  return function (this: unknown, info?: unknown, ...rest: unknown[]) {
    if (typeof info !== 'object' || info === null) return write.call(this, info, ...rest);
    const { redactor, bounds } = options;
    const record =
      redactor !== undefined && guard('winston level check', () => written(this as LevelAware, info as LogInfo), true)
        ? contextualised(info as LogInfo, redactor, bounds)
        : attachedContext(info as LogInfo);
    return write.call(this, record, ...rest);
  };
}

function attachedContext(info: LogInfo): LogInfo {
  guard('winston context', () => attachContext(info), undefined);
  return info;
}

/**
 * `Logger#configure` or `Logger#clear` that restores the bridge after winston dropped every
 * transport (an app replacing its transports means to keep logging, not to stop exporting).
 */
export function restoringBridge(method: Method, options: ApitrailLogTransportOptions = {}): Method {
  return function (this: unknown, ...args: unknown[]) {
    const result = method.apply(this, args);
    guard('winston bridge setup', () => ensureBridge(this as Logger, options), undefined);
    return result;
  };
}

const instrumented = new WeakSet<Logger>();

/**
 * The explicit one-line opt-in for apps that bootstrap OpenTelemetry themselves: `logger` gets
 * the request context on every line, redaction of what its own transports print and the OTel
 * bridge, as under the register. Idempotent. Throws ApitrailConfigError naming a bad variable.
 */
export function instrumentLogger<T extends Logger>(
  logger: T,
  options: ApitrailLogTransportOptions & LocalRedactionOptions = {},
): T {
  if (instrumented.has(logger)) return logger;
  const { localRedaction, ...bridge } = options;
  const redactor = localRedactor(localRedaction);
  instrumented.add(logger);
  const target = logger as unknown as { write: Method; configure: Method; clear: Method };
  target.write = writeWithContext(target.write, { redactor, bounds: bridge.bounds });
  target.configure = restoringBridge(target.configure, bridge);
  target.clear = restoringBridge(target.clear, bridge);
  guard('winston bridge setup', () => ensureBridge(logger, bridge), undefined);
  return logger;
}
