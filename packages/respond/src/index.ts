export { readWebhookConfig, WEBHOOK_FORMATS, type WebhookConfig, type WebhookFormat } from './config.js';
export { WebhookDelivery, signatureOf, SIGNATURE_HEADER, DELIVERY_HEADER, type WebhookStats } from './webhook.js';
export { genericPayload, slackPayload, PAYLOAD_VERSION, type GenericPayload } from './payload.js';
export { AlertWebhookLogRecordProcessor, alertWebhookProcessors } from './processor.js';
