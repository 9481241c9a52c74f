import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Redactor } from '@apitrail/redaction';
import { INSTRUMENTATION_VERSION, WINSTON_INSTRUMENTATION_NAME, guard } from '@apitrail/core/internal';
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

/** Whether apitrail's patch is `method` or under it (instrumentation-winston wraps with shimmer, which keeps `__original`). */
function patchedBefore(method: Method): boolean {
  let current: unknown = method;
  for (let depth = 0; depth < 8 && typeof current === 'function'; depth++) {
    if ((current as Patched)[ORIGINAL] !== undefined) return true;
    current = (current as { __original?: unknown }).__original;
  }
  return false;
}

function unpatchLogger(Logger: { prototype: LoggerPrototype }): void {
  for (const name of ['write', 'configure', 'clear'] as const) unpatch(Logger.prototype, name);
}

/** The file a winston Logger class comes from, in any installation. */
const LOGGER_FILE = /[\\/]winston[\\/]lib[\\/]winston[\\/]logger\.js$/;

/** Whether the winston that `loggerFile` belongs to is one this instrumentation supports (3.x). */
function supportedWinston(loggerFile: string): boolean {
  try {
    const manifest = join(dirname(loggerFile), '..', '..', 'package.json');
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
    return name === 'winston' && typeof version === 'string' && /^3\./.test(version);
  } catch {
    return false;
  }
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
    this.constructed = true;
    if (this.isEnabled()) guard('winston instrumentation', () => this.patchPreloaded(), undefined);
  }

  /** Loggers patched by enable() because winston was loaded before it (see patchPreloaded). */
  private readonly preloaded: { prototype: LoggerPrototype }[] = [];
  /**
   * Set at the end of the constructor: the base constructor calls enable() before this class's
   * fields (the local redactor among them) exist, too early to patch with them.
   */
  private constructed = false;

  private patchLogger(Logger: { prototype: LoggerPrototype }): { prototype: LoggerPrototype } {
    const { bridge } = this.getConfig();
    patch(Logger.prototype, 'write', (write) =>
      writeWithContext(write, { redactor: this.localRedactor, bounds: bridge?.bounds }),
    );
    for (const name of ['configure', 'clear'] as const) {
      patch(Logger.prototype, name, (method) => restoringBridge(method, bridge));
    }
    return Logger;
  }

  override enable(): void {
    super.enable();
    if (this.constructed) guard('winston instrumentation', () => this.patchPreloaded(), undefined);
  }

  override disable(): void {
    super.disable();
    if (this.constructed) for (const Logger of this.preloaded.splice(0)) unpatchLogger(Logger);
  }

  /**
   * Patches the winston Loggers Node loaded before this instrumentation was enabled (an app that
   * calls startApitrail() after requiring winston): the file hook only sees a load, so their lines
   * kept their secrets on the app's outputs and none was exported, and OpenTelemetry's warning about
   * a module loaded first went out before apitrail's diagnostic logger existed. Loggers created
   * before this call get the redaction of their lines; the bridge comes with their next configure().
   */
  private patchPreloaded(): void {
    for (const [file, cached] of Object.entries(require.cache)) {
      if (cached === undefined || !LOGGER_FILE.test(file) || !supportedWinston(file)) continue;
      const Logger = cached.exports as { prototype?: LoggerPrototype } | undefined;
      const write = Logger?.prototype?.write as Patched | undefined;
      if (typeof write !== 'function' || patchedBefore(write)) continue;
      this.preloaded.push(this.patchLogger(Logger as { prototype: LoggerPrototype }));
    }
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const loggerFile = new InstrumentationNodeModuleFile(
      'winston/lib/winston/logger.js',
      SUPPORTED,
      (Logger: { prototype: LoggerPrototype }) => this.patchLogger(Logger),
      (Logger?: { prototype: LoggerPrototype }) => {
        if (Logger !== undefined) unpatchLogger(Logger);
      },
    );
    return [
      new InstrumentationNodeModuleDefinition('winston', SUPPORTED, (exports: unknown) => exports, undefined, [
        loggerFile,
      ]),
    ];
  }
}
