// The public API of @apitrail/respond: what users call or configure (listed in its README).
export {
  readWebhookConfig,
  alertWebhookProcessors,
  AlertWebhookLogRecordProcessor,
  signatureOf,
  SIGNATURE_HEADER,
  DELIVERY_HEADER,
  readResponseConfig,
  Quarantine,
  quarantineGate,
  QuarantineLogRecordProcessor,
  type WebhookConfig,
  type WebhookFormat,
  type GenericPayload,
  type ResponseConfig,
  type ResponseMode,
  type QuarantineEntry,
} from './internal.js';
