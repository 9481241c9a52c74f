import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { guard } from '@apitrail/core/internal';
import { REDACTED } from './censor.js';
import { newTally, type Redactor } from './redactor.js';
import { resourceRedactor } from './resource.js';
import { recurringNameRedactor, scopeRedactor } from './scope.js';
import { applyInPlace } from './span-parts.js';
import { summaryAttributes } from './summary.js';

export interface RedactingLogRecordProcessorOptions {
  /** Add `redaction.*` summary attributes to records that had secrets. Default false. */
  summary?: boolean;
}

/**
 * Redacts each log record's attributes (keys too) and body (strings, nested maps and arrays, within
 * the redactor's depth and size bounds), its event name, severity text, resource and scope in place, before any exporting processor sees it. Place it
 * after the enrichment processors and before integrity and export. Fails closed: if redaction
 * itself fails, the body and every string attribute are replaced.
 */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  readonly #redactor: Redactor;
  readonly #summary: boolean;
  readonly #redactResource: ReturnType<typeof resourceRedactor>;
  readonly #redactScope: ReturnType<typeof scopeRedactor>;
  readonly #redactEventName: ReturnType<typeof recurringNameRedactor>;
  readonly #redactSeverityText: ReturnType<typeof recurringNameRedactor>;

  constructor(redactor: Redactor, options: RedactingLogRecordProcessorOptions = {}) {
    this.#redactor = redactor;
    this.#redactResource = resourceRedactor(redactor);
    this.#redactScope = scopeRedactor(redactor);
    this.#redactEventName = recurringNameRedactor(redactor);
    this.#redactSeverityText = recurringNameRedactor(redactor);
    this.#summary = options.summary ?? false;
  }

  onEmit(logRecord: ReadWriteLogRecord): void {
    const redacted = guard(
      'redaction log record processor',
      () => {
        this.#redactResource(logRecord.resource);
        this.#redactScope(logRecord.instrumentationScope);
        const { eventName, severityText } = logRecord;
        const redactedEventName = eventName === undefined ? undefined : this.#redactEventName(eventName);
        if (redactedEventName !== eventName) logRecord.setEventName(redactedEventName!);
        const redactedSeverityText = severityText === undefined ? undefined : this.#redactSeverityText(severityText);
        if (redactedSeverityText !== severityText) logRecord.setSeverityText(redactedSeverityText!);
        const tally = this.#summary ? newTally() : undefined;
        applyInPlace(logRecord.attributes, this.#redactor.redactAttributes(logRecord.attributes, tally));
        if (logRecord.body !== undefined) {
          const body = this.#redactor.redactValue(logRecord.body, tally);
          if (body !== logRecord.body) logRecord.setBody(body);
        }
        if (tally !== undefined) logRecord.setAttributes(summaryAttributes(tally));
        return true;
      },
      false,
    );
    if (!redacted) failClosed(logRecord);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function failClosed(logRecord: ReadWriteLogRecord): void {
  if (logRecord.body !== undefined) logRecord.setBody(REDACTED);
  for (const key of Object.keys(logRecord.attributes)) {
    if (typeof logRecord.attributes[key] !== 'boolean' && typeof logRecord.attributes[key] !== 'number') {
      logRecord.attributes[key] = REDACTED;
    }
  }
}
