import { randomUUID } from 'node:crypto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_ALERT_COUNT,
  ATTR_ALERT_SAMPLE_IPS,
  ATTR_ALERT_SOURCE_NETWORK,
  ATTR_ALERT_THRESHOLD,
  ATTR_SECURITY_RULE_NAME,
  ATTR_SERVICE_NAME,
} from '@apitrail/core/internal';
import { toNdjsonObject, type NdjsonObject } from '@apitrail/export';
import type { WebhookFormat } from './config.js';

/** The generic payload's version: receivers can tell a layout change. */
export const PAYLOAD_VERSION = 1;

/**
 * The generic payload, for SIEM / SOAR receivers: a delivery id (also `X-Apitrail-Delivery`, for
 * idempotent receivers), and the alert exactly as the NDJSON output names its fields.
 */
export interface GenericPayload {
  readonly version: number;
  readonly id: string;
  readonly source: 'apitrail';
  readonly service?: string;
  readonly alert: NdjsonObject;
}

function serviceOf({ resource }: ReadableLogRecord): string | undefined {
  // An alert can come before a resource detector has answered: its attributes are not read then
  // (OTel reports such a read on the app's stderr), only those already known.
  const name =
    resource.asyncAttributesPending === true
      ? resource.getRawAttributes().find(([key]) => key === ATTR_SERVICE_NAME)?.[1]
      : resource.attributes[ATTR_SERVICE_NAME];
  return typeof name === 'string' ? name : undefined;
}

export function genericPayload(record: ReadableLogRecord, id: string = randomUUID()): GenericPayload {
  const service = serviceOf(record);
  return {
    version: PAYLOAD_VERSION,
    id,
    source: 'apitrail',
    ...(service === undefined ? {} : { service }),
    alert: toNdjsonObject(record),
  };
}

const SEVERITY_MARK: Record<string, string> = {
  CRITICAL: ':rotating_light:',
  ERROR: ':red_circle:',
  WARN: ':warning:',
};

/** Slack's mrkdwn escapes: `&`, `<` and `>` (a subject must not become a link or a mention). */
function mrkdwn(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Fields of the NDJSON alert shown in the Slack message, in order, when present (alert evidence has
 * no NDJSON name of its own: it keeps its attribute name).
 */
const SLACK_FIELDS: readonly [string, string][] = [
  ['api_key_id', 'API key'],
  ['api_key_fingerprint', 'key fingerprint'],
  ['api_key_prefix', 'key prefix'],
  ['tenant_id', 'tenant'],
  ['source_ip', 'source IP'],
  [ATTR_ALERT_SOURCE_NETWORK, 'source network'],
  ['source_as_organization', 'AS'],
  ['source_country', 'country'],
  [ATTR_ALERT_COUNT, 'count'],
  [ATTR_ALERT_THRESHOLD, 'threshold'],
  [ATTR_ALERT_SAMPLE_IPS, 'sample IPs'],
];

/** A Slack incoming-webhook message: `text` for notifications, blocks for the fields. */
export function slackPayload(record: ReadableLogRecord): { text: string; blocks: object[] } {
  const alert = toNdjsonObject(record);
  const level = String(alert.level ?? '');
  const rule = String(alert[ATTR_SECURITY_RULE_NAME] ?? alert.event ?? 'alert');
  const text = `${SEVERITY_MARK[level] ?? ':information_source:'} ${mrkdwn(level)} ${mrkdwn(alert.message)}`;
  const fields = SLACK_FIELDS.filter(([field]) => alert[field] !== undefined).map(([field, label]) => ({
    type: 'mrkdwn',
    text: `*${label}*\n${mrkdwn(Array.isArray(alert[field]) ? (alert[field] as unknown[]).join(', ') : alert[field])}`,
  }));
  const service = serviceOf(record);
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${level} ${rule}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(fields.length === 0 ? [] : [{ type: 'section', fields: fields.slice(0, 10) }]),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `apitrail${service === undefined ? '' : ` · ${mrkdwn(service)}`} · ${mrkdwn(alert.timestamp)}`,
          },
        ],
      },
    ],
  };
}

export function payloadFor(format: WebhookFormat, record: ReadableLogRecord, id: string): object {
  return format === 'slack' ? slackPayload(record) : genericPayload(record, id);
}
