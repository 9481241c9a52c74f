import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { INSTRUMENTATION_VERSION, WINSTON_INSTRUMENTATION_NAME } from '@apitrail/core';
import { restoringBridge, writeWithContext, type Method } from './instrument-logger.js';
import type { ApitrailLogTransportOptions } from './transport.js';

const SUPPORTED = ['>=3 <4'];

export interface ApitrailWinstonInstrumentationConfig extends InstrumentationConfig {
  bridge?: ApitrailLogTransportOptions;
}

interface LoggerPrototype {
  write: Method;
  configure: Method;
  clear: Method;
}

const ORIGINAL = Symbol('apitrail.winston.original');
type Patched = Method & { [ORIGINAL]?: Method };

/**
 * Replaces `prototype[name]` without shimmer's `__wrapped` mark: instrumentation-winston unwraps
 * any shimmer-wrapped `write`/`configure` it finds before wrapping its own, which would silently
 * remove apitrail's patch when it is enabled second. Unmarked, apitrail's patch stays underneath.
 */
function patch(prototype: LoggerPrototype, name: keyof LoggerPrototype, wrap: (original: Method) => Method): void {
  const original = prototype[name];
  const patched: Patched = wrap(original);
  patched[ORIGINAL] = original;
  prototype[name] = patched;
}

function unpatch(prototype: LoggerPrototype, name: keyof LoggerPrototype): void {
  const original = (prototype[name] as Patched)[ORIGINAL];
  if (original !== undefined) prototype[name] = original;
}

/**
 * Zero-code winston support, patched where instrumentation-winston patches it (`Logger#write` and
 * `Logger#configure`, plus `Logger#clear`, in `winston/lib/winston/logger.js`), so loggers built
 * through `createLogger`, `winston.loggers`, `new winston.Logger` and the default logger are all
 * covered, with their own formats and transports left as they are.
 */
export class ApitrailWinstonInstrumentation extends InstrumentationBase<ApitrailWinstonInstrumentationConfig> {
  constructor(config: ApitrailWinstonInstrumentationConfig = {}) {
    super(WINSTON_INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const loggerFile = new InstrumentationNodeModuleFile(
      'winston/lib/winston/logger.js',
      SUPPORTED,
      (Logger: { prototype: LoggerPrototype }) => {
        patch(Logger.prototype, 'write', writeWithContext);
        for (const name of ['configure', 'clear'] as const) {
          patch(Logger.prototype, name, (method) => restoringBridge(method, this.getConfig().bridge));
        }
        return Logger;
      },
      (Logger?: { prototype: LoggerPrototype }) => {
        if (Logger === undefined) return;
        for (const name of ['write', 'configure', 'clear'] as const) unpatch(Logger.prototype, name);
      },
    );
    return [
      new InstrumentationNodeModuleDefinition('winston', SUPPORTED, (exports: unknown) => exports, undefined, [
        loggerFile,
      ]),
    ];
  }
}
