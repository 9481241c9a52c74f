// Defence in depth: telemetry that never went through the SDK's redacting processors, sent straight
// to a real collector running local-redacting.yaml with the generated redaction.yaml, comes out
// with its secrets masked by the collector's redaction processor.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import {
  generatedSecrets,
  gluedForms,
  gluedLookAlikes,
  leakedSecrets,
  lookAlikes,
  randomString,
} from '../helpers/redaction-secrets.ts';
import { waitFor } from '../helpers/wait.ts';

const str = (value: string) => ({ stringValue: value });
const attributes = (entries: Record<string, string>) =>
  Object.entries(entries).map(([key, value]) => ({ key, value: str(value) }));
const nowNanos = (): string => `${BigInt(Date.now()) * 1_000_000n}`;

async function post(collector: RunningCollector, path: string, payload: unknown): Promise<void> {
  const response = await fetch(`${collector.otlpHttpEndpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  expect(response.status, await response.text()).to.equal(200);
}

describe('redaction: the collector masks secrets that bypassed the SDK (local-redacting.yaml)', function () {
  const secrets = generatedSecrets();
  const { uuid, gitSha, orderNumber } = lookAlikes();
  const jobNames = gluedLookAlikes().join(' ');
  const keyed = { password: randomString(20), cookie: `sid=${randomString(24)}`, apiKey: randomString(32) };
  let collector: RunningCollector;
  let output: string;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, ['local-redacting.yaml', 'redaction.yaml']);
    const resource = { attributes: attributes({ 'service.name': 'bypass-sdk' }) };
    const traceId = randomBytes(16).toString('hex');
    await post(collector, '/v1/logs', {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              scope: { name: 'raw-client' },
              logRecords: secrets.map((secret, index) => ({
                timeUnixNano: nowNanos(),
                severityText: 'INFO',
                body: str(`order ${orderNumber} request ${uuid} commit ${gitSha} used ${secret.text}`),
                attributes: attributes({
                  'app.note': `attempt ${index}: ${secret.text}`,
                  password: keyed.password,
                  'http.request.header.cookie': keyed.cookie,
                  'app.order': orderNumber,
                }),
              })),
            },
          ],
        },
      ],
    });
    await post(collector, '/v1/traces', {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              scope: { name: 'raw-client' },
              spans: secrets.map((secret) => ({
                traceId,
                spanId: randomBytes(8).toString('hex'),
                name: 'GET /api/v1/scans',
                kind: 2,
                startTimeUnixNano: nowNanos(),
                endTimeUnixNano: nowNanos(),
                attributes: attributes({
                  'url.query': `api_key=${keyed.apiKey}&q=${secret.text}`,
                  'http.request.header.x-api-key': keyed.apiKey,
                  'user_agent.original': `curl ${secret.text}`,
                  'app.request_id': uuid,
                  // A distinctive prefix is found glued to a word too (`tokenghp_…`); empty for other formats.
                  'app.glued': gluedForms(secret).join(' '),
                  'app.job_names': jobNames,
                }),
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: nowNanos(),
                    attributes: attributes({ 'exception.message': `failed: ${secret.text}` }),
                  },
                ],
              })),
            },
          ],
        },
      ],
    });
    output = await waitFor('logs and spans written by the collector', async () => {
      const [logs, spans] = [await collector.logs(), await collector.spans()];
      return logs.length >= secrets.length && spans.length >= secrets.length ? collector.rawOutput() : undefined;
    });
  });

  after(async () => {
    await collector?.stop();
  });

  it('wrote every record, with no secret of any format left in log bodies, attributes, spans or events', () => {
    expect(output).to.include('bypass-sdk');
    expect(leakedSecrets(output, secrets)).to.deep.equal([]);
    for (const value of Object.values(keyed)) expect(output).to.not.include(value);
  });

  it('masked values under sensitive keys, adding no summary attributes (they would break signed records)', async () => {
    const [record] = await collector.logs();
    expect(record!.attributes.password).to.equal('****');
    expect(Object.keys(record!.attributes).filter((key) => key.startsWith('redaction.'))).to.deep.equal([]);
  });

  it('kept the non-secret look-alikes', async () => {
    const [record] = await collector.logs();
    expect(record!.attributes['app.order']).to.equal(orderNumber);
    expect(record!.body).to.include(uuid).and.include(gitSha).and.include(orderNumber);
    const [span] = await collector.spans();
    expect(span!.attributes['app.request_id']).to.equal(uuid);
    expect(span!.attributes['app.job_names'], 'identifiers with a token prefix inside a word').to.equal(jobNames);
  });
});
