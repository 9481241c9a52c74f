import { ROOT_CONTEXT, logs, type Logger } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { EVENT_API_REQUEST, INSTRUMENTATION_VERSION, SECURITY_LOGGER_NAME, guard } from '@apitrail/core/internal';
import type { Alert } from './alert.js';
import { alertAttributes, alertMessage } from './alert-record.js';
import type { DetectConfig } from './config.js';
import { Detector } from './detector.js';
import { eventFromAttributes } from './event.js';

/**
 * Watches audit records (EventName `apitrail.api_request`) as they are emitted and emits one alert
 * log record per incident through the Logs API. Alerts carry other event names, so the processor
 * never feeds on its own output. Place it after enrichment and redaction, before integrity.
 */
export class DetectionLogRecordProcessor implements LogRecordProcessor {
  readonly detector: Detector;
  private logger: Logger | undefined;
  /** The wall-clock time of the record being observed: what an alert it tips is stamped with. */
  private recordTimeMs = 0;

  constructor(config: DetectConfig) {
    this.detector = new Detector(config, (alert) => this.emitAlert(alert));
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (record.eventName !== EVENT_API_REQUEST) return;
    guard(
      'detection processor',
      () => {
        const [seconds, nanos] = record.hrTime;
        this.recordTimeMs = seconds * 1000 + nanos / 1e6;
        // Counted on the monotonic clock, not the record's wall-clock time: records arrive as
        // requests end, and a wall clock stepped forward then back (NTP, an operator) would leave a
        // key's windows in the future, so its later records would look older than the window and
        // go uncounted (no burst, no volume alert) until the clock caught up with that step.
        this.detector.observe(eventFromAttributes(performance.timeOrigin + performance.now(), record.attributes));
      },
      undefined,
    );
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private emitAlert(alert: Alert): void {
    // Resolved on first use, so the logger comes from the provider this processor was installed in.
    this.logger ??= logs.getLogger(SECURITY_LOGGER_NAME, INSTRUMENTATION_VERSION);
    this.logger.emit({
      // An alert is about its subject over many requests, not about whichever request's context
      // happens to be active when the last one is observed: no request identity or trace ids from it.
      context: ROOT_CONTEXT,
      eventName: alert.rule.eventName,
      severityNumber: alert.rule.severityNumber,
      severityText: alert.rule.severityText,
      timestamp: this.recordTimeMs,
      body: alertMessage(alert),
      attributes: alertAttributes(alert),
    });
  }
}

/** The processor `@apitrail/auto` installs, or none when `APITRAIL_DETECT_ENABLED=false`. */
export function detectionProcessors(config: DetectConfig): LogRecordProcessor[] {
  return config.enabled ? [new DetectionLogRecordProcessor(config)] : [];
}
