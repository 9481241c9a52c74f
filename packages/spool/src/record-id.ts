import { randomBytes } from 'node:crypto';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_RECORD_ID } from '@apitrail/core/internal';

/**
 * Gives every log record a stable id (`apitrail.record.id`): random per process, then a sequence
 * number. It is set before integrity signs the record and is spooled with it, so a record exported
 * again after an outage or a restart carries the id of any copy that already arrived: delivery is
 * at least once, and the id lets a SIEM keep exactly one.
 */
export class RecordIdLogRecordProcessor implements LogRecordProcessor {
  private readonly prefix = `${randomBytes(8).toString('hex')}-`;
  private sequence = 0;

  onEmit(record: ReadWriteLogRecord): void {
    this.sequence += 1;
    record.setAttribute(ATTR_RECORD_ID, `${this.prefix}${this.sequence}`);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
