import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import type { Redactor } from '@apitrail/redaction';
import { INSTRUMENTATION_VERSION, WINSTON_INSTRUMENTATION_NAME } from '@apitrail/core/internal';
import { localRedactor, type LocalRedactionOptions } from './config.js';
import { restoringBridge, writeWithContext, type Method } from './instrument-logger.js';
import type { ApitrailLogTransportOptions } from './transport.js';

const SUPPORTED = ['>=3 <4'];

/** The winston instrumentation's settings: OTel's `enabled`, local redaction, the bridge transport's options. */
export interface ApitrailWinstonInstrumentationConfig extends InstrumentationConfig, LocalRedactionOptions {
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
 * through `createLogger`, `winston.loggers`, `new winston.Logger`, their children and the default
 * logger are all covered, whenever they were created and whatever transports they get later. The
 * loggers' own formats and transports stay as they are; what they are given is redacted.
 * Throws ApitrailConfigError naming a bad `APITRAIL_REDACT_*` variable.
 */
export class ApitrailWinstonInstrumentation extends InstrumentationBase<ApitrailWinstonInstrumentationConfig> {
  /** Read once, at startup: a bad variable must stop the process there, not at the first log line. */
  private readonly localRedactor: Redactor | undefined;

  constructor(config: ApitrailWinstonInstrumentationConfig = {}) {
    super(WINSTON_INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
    this.localRedactor = localRedactor(config.localRedaction);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const loggerFile = new InstrumentationNodeModuleFile(
      'winston/lib/winston/logger.js',
      SUPPORTED,
      (Logger: { prototype: LoggerPrototype }) => {
        const { bridge } = this.getConfig();
        patch(Logger.prototype, 'write', (write) =>
          writeWithContext(write, { redactor: this.localRedactor, bounds: bridge?.bounds }),
        );
        for (const name of ['configure', 'clear'] as const) {
          patch(Logger.prototype, name, (method) => restoringBridge(method, bridge));
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
