// The response parts on the request path: the quarantine gate every request of block mode passes
// before the app (a key that is not quarantined, with an empty list and with 1000 keys quarantined),
// and what the alert webhook and quarantine processors cost an audit record that is not an alert
// (every record passes them; only alerts do work). Delivery itself runs off the request path.
import { nsPerOp, report, withPackage } from './harness.ts';
import { sdkLogRecord } from './records.ts';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { UNAUTHENTICATED, type RequestContext } from '@apitrail/core/internal';

interface Quarantine {
  add(key: string, seconds: number, reason: string, by?: string): unknown;
}
interface Gate {
  refusal(requestContext: RequestContext): unknown;
}

/** 4096 requests of registered keys, none of them quarantined. */
const REQUESTS: RequestContext[] = Array.from({ length: 4096 }, (_, i) => ({
  correlationId: `req-${i}`,
  identity: { ...UNAUTHENTICATED, isApiKeyRequest: true, apiKeyId: `key_${i}` },
}));

report({
  respond: await withPackage('@apitrail/respond/internal', (module) => {
    const QuarantineClass = module.Quarantine as new () => Quarantine;
    const quarantineGate = module.quarantineGate as (quarantine: Quarantine, status: number) => Gate;
    const gateCost = (quarantined: number) => {
      const quarantine = new QuarantineClass();
      for (let i = 0; i < quarantined; i++) quarantine.add(`blocked_${i}`, 3600, 'bench');
      const gate = quarantineGate(quarantine, 403);
      if (REQUESTS.some((request) => gate.refusal(request) !== undefined)) throw new Error('a clear key was refused');
      return nsPerOp((i) => gate.refusal(REQUESTS[i & 4095]!));
    };
    const readWebhookConfig = module.readWebhookConfig as (env: object) => object;
    const readResponseConfig = module.readResponseConfig as (env: object) => object;
    const Webhook = module.AlertWebhookLogRecordProcessor as new (config: object) => LogRecordProcessor;
    const QuarantineProcessor = module.QuarantineLogRecordProcessor as new (
      quarantine: Quarantine,
      config: object,
    ) => LogRecordProcessor;
    // Never contacted: no record below is an alert.
    const webhook = new Webhook(readWebhookConfig({ APITRAIL_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hooks' }));
    const quarantining = new QuarantineProcessor(
      new QuarantineClass(),
      readResponseConfig({ APITRAIL_RESPONSE: 'block' }),
    );
    const record = sdkLogRecord();
    return {
      gate_clear_key: gateCost(0),
      gate_clear_key_1000_quarantined: gateCost(1000),
      processors_per_audit_record: nsPerOp(() => {
        webhook.onEmit(record);
        quarantining.onEmit(record);
      }),
    };
  }),
});
