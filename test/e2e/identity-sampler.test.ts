// "Identity attributes are on the server span at start, so samplers can use them": an app with its
// own SDK bootstrap and its own Sampler (test/fixtures/tenant-sampler-app.cjs) that drops every span
// of one tenant, sending to the real collector. Were the identity added only when the span ends,
// the sampler would see no tenant and the dropped tenant's spans would be exported.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  ATTR_API_KEY_ID,
  ATTR_API_KEY_NAME,
  ATTR_AUTH_METHOD,
  ATTR_CORRELATION_ID,
  ATTR_TENANT_ID,
  EVENT_API_REQUEST,
  IDENTITY_ATTRIBUTE_NAMESPACES,
} from '@apitrail/core/internal';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord, ExportedSpan } from '../helpers/otlp-json.ts';
import { newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

const SERVER_SPAN_KIND = 2;

const identityOnly = (attributes: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(attributes).filter(([name]) =>
      IDENTITY_ATTRIBUTE_NAMESPACES.some((namespace) => name.startsWith(namespace)),
    ),
  );

describe('identity at span start, under an app-supplied Sampler', function () {
  const kept = newKey('key-kept', 'Kept Scanner', 'tenant-kept');
  const dropped = newKey('key-dropped', 'Dropped Scanner', 'tenant-dropped');
  // The last request is a kept one: once its span is at the collector, every earlier span is too.
  const requests: [requestId: string, headers: Record<string, string>][] = [
    ['dropped-header', { 'x-api-key': dropped.secret }],
    ['kept-header', { 'x-api-key': kept.secret }],
    ['dropped-bearer', { authorization: `Bearer ${dropped.secret}` }],
    ['anonymous', {}],
    ['kept-bearer', { authorization: `Bearer ${kept.secret}` }],
  ];
  const keptRequestIds = ['kept-header', 'anonymous', 'kept-bearer'];
  const droppedRequestIds = ['dropped-header', 'dropped-bearer'];

  let collector: RunningCollector;
  let app: RunningApp;
  let spans: ExportedSpan[];
  let logs: ExportedLogRecord[];

  const serverSpans = (requestId: string): ExportedSpan[] =>
    spans.filter((span) => span.kind === SERVER_SPAN_KIND && span.attributes[ATTR_CORRELATION_ID] === requestId);
  const auditAtCollector = (requestId: string): ExportedLogRecord | undefined =>
    logs.find((log) => log.eventName === EVENT_API_REQUEST && log.attributes[ATTR_CORRELATION_ID] === requestId);
  const samplerSaw = (requestId: string): Record<string, unknown>[] =>
    app
      .jsonLines()
      .flatMap((line) => (line.samplerSaw === undefined ? [] : [line.samplerSaw as Record<string, unknown>]))
      .filter((seen) => seen[ATTR_CORRELATION_ID] === requestId);

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'identity-sampler',
      script: 'test/fixtures/tenant-sampler-app.cjs',
      loader: 'none',
      env: {
        APITRAIL_API_KEYS_FILE: writeKeysFile([kept, dropped]),
        APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
        SAMPLER_DROPPED_TENANT: dropped.tenantId,
      },
    }));
    for (const [requestId, headers] of requests) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { 'x-request-id': requestId, ...headers },
      });
      expect(response.status, requestId).to.equal(200);
      await response.arrayBuffer();
    }
    spans = await waitFor('the last kept server span at the collector', async () => {
      const exported = await collector.spans();
      return exported.some((span) => span.attributes[ATTR_CORRELATION_ID] === 'kept-bearer') ? exported : undefined;
    });
    logs = await waitFor('every audit record at the collector', async () => {
      const records = await collector.logs();
      const audits = records.filter((record) => record.eventName === EVENT_API_REQUEST);
      return audits.length >= requests.length ? records : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  it('gives the sampler the caller identity of each server span as it starts', () => {
    for (const [requestId, key] of [
      ['kept-header', kept],
      ['dropped-header', dropped],
      ['dropped-bearer', dropped],
    ] as const) {
      const seen = samplerSaw(requestId);
      expect(seen, requestId).to.have.length(1);
      expect(seen[0], requestId).to.include({
        [ATTR_API_KEY_ID]: key.id,
        [ATTR_API_KEY_NAME]: key.name,
        [ATTR_TENANT_ID]: key.tenantId,
        [ATTR_AUTH_METHOD]: 'api_key',
      });
    }
    expect(samplerSaw('anonymous')[0]).to.not.have.property(ATTR_TENANT_ID);
  });

  it('exports the kept spans with the identity the sampler saw', () => {
    for (const requestId of keptRequestIds) {
      const exported = serverSpans(requestId);
      expect(exported, requestId).to.have.length(1);
      expect(identityOnly(exported[0]!.attributes), requestId).to.deep.equal(samplerSaw(requestId)[0]);
    }
    expect(serverSpans('kept-bearer')[0]!.attributes).to.include({
      [ATTR_API_KEY_ID]: kept.id,
      [ATTR_TENANT_ID]: kept.tenantId,
    });
  });

  it("drops the dropped tenant's server spans, and still audits its requests", () => {
    for (const requestId of droppedRequestIds) {
      expect(serverSpans(requestId), requestId).to.have.length(0);
      expect(auditAtCollector(requestId)?.attributes, requestId).to.include({
        [ATTR_API_KEY_ID]: dropped.id,
        [ATTR_TENANT_ID]: dropped.tenantId,
      });
    }
  });
});
