import type { Logger } from 'winston';
import { guard } from '@apitrail/core';
import { attachContext } from './context-fields.js';
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

/**
 * `Logger#write` that pins the caller's Context on the record and adds the context fields before
 * the logger's own formats run, so they reach every transport, whatever its format.
 */
export function writeWithContext(write: Method): Method {
  return function (this: unknown, info?: unknown, ...rest: unknown[]) {
    if (typeof info === 'object' && info !== null) {
      guard('winston context', () => attachContext(info as LogInfo), undefined);
    }
    return write.call(this, info, ...rest);
  };
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
 * the request context on every line and the OTel bridge, as under the register. Idempotent.
 */
export function instrumentLogger<T extends Logger>(logger: T, options: ApitrailLogTransportOptions = {}): T {
  if (instrumented.has(logger)) return logger;
  instrumented.add(logger);
  const target = logger as unknown as { write: Method; configure: Method; clear: Method };
  target.write = writeWithContext(target.write);
  target.configure = restoringBridge(target.configure, options);
  target.clear = restoringBridge(target.clear, options);
  guard('winston bridge setup', () => ensureBridge(logger, options), undefined);
  return logger;
}
