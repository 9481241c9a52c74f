import { SeverityNumber, type AnyValue, type Attributes, type HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_LOG_ID,
  INSTRUMENTATION_VERSION,
  SECURITY_LOGGER_NAME,
} from '@apitrail/core/internal';

function now(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

/**
 * A checkpoint record: the signed checkpoint note of a log, not itself a leaf. Built here rather than through the Logs API because the final one is written
 * while the LoggerProvider shuts down (when loggers no longer emit). It goes to the same
 * exporters as every record, with the resource of the records it closes.
 */
export class CheckpointRecord implements ReadWriteLogRecord {
  hrTime = now();
  hrTimeObserved = this.hrTime;
  severityNumber = SeverityNumber.INFO;
  severityText = 'INFO';
  eventName: string = APITRAIL_EVENTS.integrityCheckpoint;
  body: AnyValue;
  droppedAttributesCount = 0;
  readonly attributes: Attributes;
  readonly instrumentationScope = { name: SECURITY_LOGGER_NAME, version: INSTRUMENTATION_VERSION };

  constructor(
    readonly resource: Resource,
    logId: string,
    note: string,
    final: boolean,
  ) {
    this.attributes = {
      [ATTR_INTEGRITY_LOG_ID]: logId,
      [ATTR_INTEGRITY_CHECKPOINT]: note,
      [ATTR_INTEGRITY_FINAL]: final,
    };
    this.body = final ? 'integrity log closed' : 'integrity checkpoint';
  }

  setAttribute(key: string, value?: AnyValue): this {
    if (value !== undefined) this.attributes[key] = value as Attributes[string];
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value);
    return this;
  }

  setBody(body: AnyValue): this {
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    this.severityText = severityText;
    return this;
  }
}
