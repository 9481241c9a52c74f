// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/respond' (src/index.ts).
export { readWebhookConfig, WEBHOOK_FORMATS, type WebhookConfig, type WebhookFormat } from './config.js';
export { WebhookDelivery, signatureOf, SIGNATURE_HEADER, DELIVERY_HEADER, type WebhookStats } from './webhook.js';
export { genericPayload, slackPayload, PAYLOAD_VERSION, type GenericPayload } from './payload.js';
export { AlertWebhookLogRecordProcessor, alertWebhookProcessors } from './processor.js';
export { Quarantine, readQuarantineFile, writeQuarantineFile, type QuarantineEntry } from './quarantine.js';
export {
  readResponseConfig,
  RESPONSE_MODES,
  DEFAULT_QUARANTINE_RULES,
  type ResponseConfig,
  type ResponseMode,
} from './response-config.js';
export {
  quarantineGate,
  quarantineKeyOf,
  problemDocument,
  QuarantineLogRecordProcessor,
  MAX_DETECTOR_FINGERPRINTS,
} from './quarantine-gate.js';
