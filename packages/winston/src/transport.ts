import { logs, type Attributes } from '@opentelemetry/api';
import TransportStream from 'winston-transport';
import { ATTR_LOG_TRUNCATED, INSTRUMENTATION_VERSION, NDJSON_FIELDS, guard } from '@apitrail/core/internal';
import { Bounder, type Bounds } from './bounded.js';
import { emitContextOf, injectedFields } from './context-fields.js';
import { exceptionOf } from './exception.js';
import { severityOf } from './levels.js';
import { levelName, loggerName, messageText } from './line.js';
import { TRUNCATED, type LogInfo } from './record-keys.js';
import { withoutForgedFields } from './reserved.js';

/** Options of the OTel log bridge transport: winston's own, the default logger name, the line bounds. */
export interface ApitrailLogTransportOptions extends TransportStream.TransportStreamOptions {
  /** Instrumentation scope of records whose metadata names no `logger` (default `app`). */
  loggerName?: string;
  bounds?: Bounds;
}

/** Brand shared across copies of this package, so a logger never gets two apitrail bridges. */
const BRIDGE = Symbol.for('apitrail.winston.bridge');

/** The record's own parts: its severity, body, scope and time say these already. */
const NOT_ATTRIBUTES = [NDJSON_FIELDS.level, NDJSON_FIELDS.message, NDJSON_FIELDS.logger, NDJSON_FIELDS.timestamp];

/**
 * The winston → OpenTelemetry Logs bridge: each record becomes one OTel LogRecord, emitted in the
 * Context the app logged in, so the SDK's processors (request identity, redaction, integrity)
 * treat it like apitrail's own records; redaction of what is exported happens there, once, with
 * the rule set every other record gets. The context fields apitrail added to the line are left
 * out: the request context processor adds them under their OTel names.
 */
export class ApitrailLogTransport extends TransportStream {
  readonly [BRIDGE] = true;
  /** Set by winston-transport to the logger it is piped from. */
  declare parent?: { levels?: Record<string, number> } | null;
  private readonly loggerName: string | undefined;
  private readonly bounds: Bounds | undefined;

  constructor(options: ApitrailLogTransportOptions = {}) {
    super(options);
    this.loggerName = options.loggerName;
    this.bounds = options.bounds;
  }

  /**
   * winston-transport skips a record winston logged about an uncaught exception (`exception: true`)
   * in a transport without `handleExceptions`; such a record exists only when the app's logger
   * handles exceptions, and it is the line about the app's own crash, so the bridge takes it too.
   * Setting `handleExceptions` instead would make `logger.add()` install winston's exception
   * handler in every app, catching exceptions the app leaves alone.
   */
  override _write(info: LogInfo, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.takingExceptions(() => super._write(info, encoding, callback));
  }

  /** The same for records winston hands over several at a time (`_writev` filters them with it). */
  _accept(write: unknown): boolean {
    const accept = (TransportStream.prototype as unknown as { _accept(write: unknown): boolean })._accept;
    return this.takingExceptions(() => accept.call(this, write));
  }

  /** Runs winston-transport's own filter (level, silent, format) as for a transport with `handleExceptions`. */
  private takingExceptions<T>(step: () => T): T {
    const own = this.handleExceptions;
    this.handleExceptions = true;
    try {
      return step();
    } finally {
      this.handleExceptions = own;
    }
  }

  override log(info: LogInfo, next: () => void): void {
    guard('winston log bridge', () => this.emitRecord(info), undefined);
    next();
  }

  private emitRecord(info: LogInfo): void {
    const bounder = new Bounder(this.bounds);
    const exception = exceptionOf(info, bounder);
    const skip = new Set([...NOT_ATTRIBUTES, ...injectedFields(info), ...(exception?.consumedKeys ?? [])]);
    const attributes: Attributes = { ...withoutForgedFields(bounder.fields(info, skip), []), ...exception?.attributes };
    if (bounder.truncated || info[TRUNCATED] === true) attributes[ATTR_LOG_TRUNCATED] = true;
    const level = levelName(info);
    logs.getLogger(loggerName(info, this.loggerName), INSTRUMENTATION_VERSION).emit({
      // The logger's current set: configure() may have changed it after this bridge was piped.
      severityNumber: severityOf(level, this.parent?.levels),
      severityText: level,
      body: messageText(info.message, bounder),
      attributes,
      context: emitContextOf(info),
    });
  }
}

/** Whether `transport` is an apitrail bridge (from any copy of this package). */
export function isApitrailBridge(transport: unknown): boolean {
  return typeof transport === 'object' && transport !== null && (transport as { [BRIDGE]?: boolean })[BRIDGE] === true;
}
