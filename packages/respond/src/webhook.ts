import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { WebhookConfig } from './config.js';
import { payloadFor } from './payload.js';

/** The header carrying `sha256=<hex>`, the HMAC-SHA256 of the body under the webhook secret (see `signatureOf`). */
export const SIGNATURE_HEADER = 'x-apitrail-signature';
/** The header carrying a delivery's id, the same on every retry: a receiver drops the copies it has seen. */
export const DELIVERY_HEADER = 'x-apitrail-delivery';

const MAX_BACKOFF_MS = 60_000;

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of `X-Apitrail-Signature`. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** What happened to the alerts handed to the webhook, since start. */
export interface WebhookStats {
  delivered: number;
  /** Given up after every retry, or refused by the receiver (a redirect, 4xx other than 408 and 429). */
  failed: number;
  /** Not queued: the queue was full. */
  dropped: number;
  /** Not sent: the same rule and subject were delivered within the cooldown. */
  deduplicated: number;
  /** Attempts that will be tried again. */
  retried: number;
  /** Still queued or in flight when closed: not known to have arrived when the process ends. */
  unsent: number;
}

interface Delivery {
  readonly id: string;
  readonly body: string;
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After in seconds (the HTTP-date form is rare from webhook receivers and is ignored). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header) * 1000, MAX_BACKOFF_MS);
}

/**
 * Sends alerts to one webhook, one at a time, in the background: `enqueue` returns at once, the
 * request that caused the alert is never waited on. Each POST carries the JSON payload, its
 * HMAC-SHA256 signature and a delivery id; failures are retried with exponential backoff and jitter,
 * a full queue drops (and counts) the newest alert, and the same rule and subject are delivered once
 * per cooldown. The receiver's URL is never logged (Slack's carry a token).
 */
export class WebhookDelivery {
  readonly stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0, deduplicated: 0, retried: 0, unsent: 0 };
  private readonly queue: Delivery[] = [];
  private readonly lastSent = new Map<string, number>();
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly warned = new Set<string>();

  constructor(
    readonly config: WebhookConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues `record` (an alert) for delivery unless its rule and subject are in cooldown. */
  enqueue(record: ReadableLogRecord, dedupeKey: string): void {
    if (this.closed) return;
    const now = this.now();
    const last = this.lastSent.get(dedupeKey);
    if (last !== undefined && now - last < this.config.cooldownSeconds * 1000) {
      this.stats.deduplicated++;
      return;
    }
    if (this.queue.length >= this.config.maxQueue) {
      this.stats.dropped++;
      this.warnOnce('dropped', 'apitrail: alert webhook queue full; alerts are dropped and counted');
      return;
    }
    this.lastSent.delete(dedupeKey);
    this.lastSent.set(dedupeKey, now);
    this.forgetExpired(now);
    const id = randomUUID();
    this.queue.push({ id, body: JSON.stringify(payloadFor(this.config.format, record, id)) });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once nothing is queued or in flight, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.running === undefined) return;
    const timer = sleep(timeoutMs, undefined, { ref: false });
    await Promise.race([this.running, timer]);
  }

  /**
   * Stops taking alerts; waits up to `timeoutMs` for those queued. What is still queued or in flight
   * then ends with the process: counted as unsent and, with every other loss, said once, so that a
   * receiver that was down at shutdown does not lose alerts silently.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    await this.flush(timeoutMs);
    this.stats.unsent += this.queue.length + (this.running === undefined ? 0 : 1);
    this.queue.length = 0;
    const { delivered, failed, dropped, unsent } = this.stats;
    if (failed + dropped + unsent > 0) {
      diag.warn(
        `apitrail: alert webhook at shutdown: ${delivered} delivered, ${failed} failed, ${dropped} dropped (queue full), ${unsent} not sent`,
      );
    }
  }

  /** The cooldown map holds at most the keys seen within one cooldown (oldest first). */
  private forgetExpired(now: number): void {
    const horizon = now - this.config.cooldownSeconds * 1000;
    for (const [key, sentAt] of this.lastSent) {
      if (sentAt >= horizon) break;
      this.lastSent.delete(key);
    }
  }

  private async drain(): Promise<void> {
    for (let delivery = this.queue.shift(); delivery !== undefined; delivery = this.queue.shift()) {
      await this.deliver(delivery);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { config } = this;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'apitrail-alerts/1',
      [DELIVERY_HEADER]: delivery.id,
    };
    if (config.secret !== undefined) headers[SIGNATURE_HEADER] = signatureOf(config.secret, delivery.body);
    for (let attempt = 0; ; attempt++) {
      let wait: number | undefined;
      let reason: string;
      try {
        const response = await fetch(config.url, {
          method: 'POST',
          headers,
          body: delivery.body,
          signal: AbortSignal.timeout(config.timeoutMs),
          // A redirect is the receiver's answer, not a new destination: followed, it would carry the
          // signed alert to whatever address the receiver names (an internal service, a metadata
          // endpoint). It is a refusal (3xx is not ok, nor retried), reported and counted.
          redirect: 'manual',
        });
        // Only the status matters: the body is dropped unread, so a receiver answering gigabytes or
        // never ending its body neither fills memory nor holds the queue until the timeout.
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) {
          this.stats.delivered++;
          return;
        }
        reason = `HTTP ${response.status}`;
        if (!retryable(response.status)) {
          this.fail(`alert webhook refused a delivery (${reason}); not retried`);
          return;
        }
        wait = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        reason = (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
      if (attempt >= config.retries) {
        this.fail(`alert webhook delivery failed after ${attempt + 1} attempts (${reason})`);
        return;
      }
      this.stats.retried++;
      const backoff = Math.min(config.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
      // Full jitter on the upper half: receivers recovering from an outage are not hit in lockstep.
      await sleep(wait ?? backoff / 2 + Math.random() * (backoff / 2), undefined, { ref: false });
    }
  }

  private fail(message: string): void {
    this.stats.failed++;
    this.warnOnce(message.split(' (')[0]!, `apitrail: ${message}; further failures are counted`);
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    diag.warn(message);
  }
}
