import {
  diag,
  isSpanContextValid,
  logs,
  trace,
  type Context,
  type Logger,
  type LoggerProvider,
} from '@opentelemetry/api';
import type { LogRecordLimits, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AUDIT_LOGGER_NAME, INSTRUMENTATION_VERSION } from '@apitrail/core/internal';
import {
  AuditLogRecord,
  auditRecordLimits,
  type AuditRecordHeader,
  type AuditRecordSource,
} from './audit-log-record.js';

type Resource = ReadableLogRecord['resource'];
type InstrumentationScope = ReadableLogRecord['instrumentationScope'];

/** What the SDK's LoggerProvider keeps for its loggers (not public API: checked field by field before use). */
interface ProviderState {
  readonly resource: Resource;
  readonly logRecordLimits: LogRecordLimits;
  readonly processors: readonly LogRecordProcessor[];
  readonly activeProcessor: LogRecordProcessor;
  readonly loggerMetrics: { emitLog(): void };
}

/**
 * The LoggerProvider apitrail built (startApitrail, the register), seen from the audit record:
 * records are handed to the provider's processor chain as {@link AuditLogRecord}s instead of going
 * through `Logger.emit`. Same resource, instrumentation scope, limits, processors and
 * enabled-check as the provider's own logger.
 */
export class AuditRecordPipeline {
  private constructor(
    readonly provider: LoggerProvider,
    private readonly logger: Logger,
    private readonly state: ProviderState,
    private readonly source: AuditRecordSource,
  ) {}

  /**
   * The pipeline of `provider` if it is the SDK LoggerProvider built with exactly `processors`
   * (the array apitrail handed the SDK: proof it owns the chain); undefined for any other provider,
   * or if the SDK keeps its state differently than this was written for (then records take the
   * Logs API path, only slower).
   */
  static of(provider: LoggerProvider, processors: readonly LogRecordProcessor[]): AuditRecordPipeline | undefined {
    const state = (provider as { _sharedState?: Partial<ProviderState> })._sharedState;
    if (state?.processors !== processors || typeof state.activeProcessor?.onEmit !== 'function') return undefined;
    if (typeof state.resource !== 'object' || typeof state.loggerMetrics?.emitLog !== 'function') return undefined;
    const logger = provider.getLogger(AUDIT_LOGGER_NAME, INSTRUMENTATION_VERSION);
    // The logger's own scope object: exporters group records by it, by identity.
    const scope = (logger as { _instrumentationScope?: InstrumentationScope })._instrumentationScope;
    if (scope?.name !== AUDIT_LOGGER_NAME || typeof logger.enabled !== 'function') return undefined;
    return new AuditRecordPipeline(provider, logger, state as ProviderState, {
      resource: state.resource,
      instrumentationScope: scope,
      limits: auditRecordLimits(state.logRecordLimits),
    });
  }

  /** A new record (attributes to be added), or undefined when the logger would not emit it (shut down, filtered). */
  record(header: AuditRecordHeader, context: Context): AuditLogRecord | undefined {
    if (!this.logger.enabled({ severityNumber: header.severityNumber, eventName: header.eventName, context })) {
      return undefined;
    }
    const spanContext = trace.getSpanContext(context);
    return new AuditLogRecord(
      this.source,
      spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined,
      header,
    );
  }

  /** Hands `record` to the processors, then makes it read-only, as `Logger.emit` does. */
  emit(record: AuditLogRecord, context: Context): void {
    this.state.loggerMetrics.emitLog();
    this.state.activeProcessor.onEmit(record, context);
    record.makeReadonly();
  }
}

let installed: AuditRecordPipeline | undefined;

/** Emits audit records through `pipeline` while its provider is the global one; returns a function that stops. */
export function useAuditRecordPipeline(pipeline: AuditRecordPipeline): () => void {
  installed = pipeline;
  diag.debug('apitrail: audit records are emitted straight to the LoggerProvider apitrail built');
  return () => {
    if (installed === pipeline) installed = undefined;
  };
}

/** The pipeline in use, or undefined: then the audit record goes through the Logs API (the app's own SDK). */
export function auditRecordPipeline(): AuditRecordPipeline | undefined {
  return installed !== undefined && logs.getLoggerProvider() === installed.provider ? installed : undefined;
}
