import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_ALERT_SOURCE_NETWORK,
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_PREFIX,
  ATTR_CLIENT_ADDRESS,
  ATTR_EVENT_KIND,
  ATTR_SECURITY_RULE_NAME,
  guard,
} from '@apitrail/core/internal';
import type { WebhookConfig } from './config.js';
import { WebhookDelivery } from './webhook.js';

/**
 * The alert's rule and subject: what one incident is, for the webhook's cooldown. A source the
 * detector counted by its network (an IPv6 /64: one client, 2^64 addresses) is one subject, whichever
 * of its addresses tipped the count.
 */
function incidentOf(record: ReadWriteLogRecord): string {
  const attributes = record.attributes;
  const subject =
    attributes[ATTR_API_KEY_ID] ??
    attributes[ATTR_API_KEY_FINGERPRINT] ??
    attributes[ATTR_API_KEY_PREFIX] ??
    attributes[ATTR_ALERT_SOURCE_NETWORK] ??
    attributes[ATTR_CLIENT_ADDRESS];
  return `${String(attributes[ATTR_SECURITY_RULE_NAME] ?? record.eventName)}\u0000${String(subject)}`;
}

/**
 * Hands every detector alert (`event.kind` = `alert`) to the webhook, as it passes: place it after
 * redaction (the payload is what the SIEM would see) and detection (whose alerts re-enter the chain).
 * Never blocks: delivery runs in the background.
 */
export class AlertWebhookLogRecordProcessor implements LogRecordProcessor {
  readonly delivery: WebhookDelivery;

  constructor(config: WebhookConfig) {
    this.delivery = new WebhookDelivery(config);
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (record.attributes[ATTR_EVENT_KIND] !== 'alert') return;
    guard('alert webhook', () => this.delivery.enqueue(record, incidentOf(record)), undefined);
  }

  forceFlush(): Promise<void> {
    return this.delivery.flush(this.delivery.config.timeoutMs);
  }

  shutdown(): Promise<void> {
    return this.delivery.close(this.delivery.config.timeoutMs);
  }
}

/** The processor `@apitrail/auto` installs when `APITRAIL_ALERT_WEBHOOK_URL` is set. */
export function alertWebhookProcessors(config: WebhookConfig | undefined): LogRecordProcessor[] {
  if (config === undefined) return [];
  if (config.secret === undefined) {
    process.nextTick(() =>
      diag.warn('apitrail: APITRAIL_ALERT_WEBHOOK_SECRET is not set; alert deliveries are not signed'),
    );
  }
  return [new AlertWebhookLogRecordProcessor(config)];
}
