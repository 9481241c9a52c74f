import { ApitrailConfigError, readEnum, readNumber, readString, type Environment } from '@apitrail/core/internal';

export const WEBHOOK_FORMATS = ['generic', 'slack'] as const;
/** The webhook payload shape `APITRAIL_ALERT_WEBHOOK_FORMAT` selects: `generic` (signed JSON) or `slack` (incoming-webhook message). */
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Alert delivery to a webhook; absent when `APITRAIL_ALERT_WEBHOOK_URL` is unset. */
export interface WebhookConfig {
  readonly url: string;
  /** HMAC-SHA256 key of `X-Apitrail-Signature`; unset: deliveries are unsigned (warned at startup). */
  readonly secret?: string;
  readonly format: WebhookFormat;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for network errors, 408, 429 and 5xx. */
  readonly retries: number;
  /** First retry delay; doubled each attempt (with jitter), capped at 60 s; a Retry-After header wins. */
  readonly backoffMs: number;
  /** One delivery per rule and subject within this many seconds; later copies are counted, not sent. */
  readonly cooldownSeconds: number;
  /** Alerts waiting beyond this are dropped (counted): a dead receiver must not grow memory. */
  readonly maxQueue: number;
}

/** Shortest accepted secret: a signature under a guessable key proves nothing. */
const MIN_SECRET_BYTES = 16;

/** `APITRAIL_ALERT_WEBHOOK_*`, validated; undefined when no URL is set. Throws ApitrailConfigError naming a bad variable (never echoing the URL, which may hold a token). */
export function readWebhookConfig(env: Environment): WebhookConfig | undefined {
  const url = readString(env, 'APITRAIL_ALERT_WEBHOOK_URL');
  const secret = readString(env, 'APITRAIL_ALERT_WEBHOOK_SECRET');
  if (url === undefined) {
    if (secret !== undefined) {
      throw new ApitrailConfigError('APITRAIL_ALERT_WEBHOOK_SECRET', 'is set but APITRAIL_ALERT_WEBHOOK_URL is not');
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold a token (Slack's do): never echo it.
    throw new ApitrailConfigError('APITRAIL_ALERT_WEBHOOK_URL', 'not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ApitrailConfigError(
      'APITRAIL_ALERT_WEBHOOK_URL',
      `expected an http:// or https:// URL, got ${parsed.protocol}`,
    );
  }
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ApitrailConfigError(
      'APITRAIL_ALERT_WEBHOOK_SECRET',
      `must be at least ${MIN_SECRET_BYTES} bytes, got ${Buffer.byteLength(secret)}`,
    );
  }
  return {
    url: parsed.href,
    ...(secret === undefined ? {} : { secret }),
    format: readEnum(env, 'APITRAIL_ALERT_WEBHOOK_FORMAT', WEBHOOK_FORMATS, 'generic'),
    timeoutMs: readNumber(env, 'APITRAIL_ALERT_WEBHOOK_TIMEOUT_MS', 5000, { min: 1, max: 600_000, integer: true }),
    retries: readNumber(env, 'APITRAIL_ALERT_WEBHOOK_RETRIES', 5, { min: 0, max: 100, integer: true }),
    backoffMs: readNumber(env, 'APITRAIL_ALERT_WEBHOOK_BACKOFF_MS', 1000, { min: 1, max: 600_000, integer: true }),
    cooldownSeconds: readNumber(env, 'APITRAIL_ALERT_WEBHOOK_COOLDOWN_SECONDS', 600, {
      min: 0,
      max: 30 * 86400,
      integer: true,
    }),
    maxQueue: readNumber(env, 'APITRAIL_ALERT_WEBHOOK_MAX_QUEUE', 1000, { min: 1, max: 1_000_000, integer: true }),
  };
}
