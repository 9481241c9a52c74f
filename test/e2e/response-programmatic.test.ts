// Detection to response through the programmatic API (issue #18's "through the programmatic API"):
// an app that starts apitrail with startApitrail({ env }), none of its configuration in
// process.env. It calls keyLifecycle.* and the handle's quarantine list itself; a request from
// 8.8.8.8 is placed, a key moving from Great Britain to Brazil alerts, the real HTTP receiver gets
// the alerts signed, the detector quarantines the key and the app lifts it. Read at the real
// collector. The env-only path of each part has its own end-to-end test (key-lifecycle,
// enrichment, alert-webhook, quarantine).
import { expect } from 'chai';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSpoolDir, startApp, type RunningApp } from '../helpers/app.ts';
import { exportingTo, requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startWebhookReceiver, type ReceivedPost, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { waitFor } from '../helpers/wait.ts';

/** Great Britain (AS20712) and Brazil (AS7162) in the embedded database, as the demo uses them. */
const BRITISH_IP = '81.2.69.160';
const BRAZILIAN_IP = '200.147.67.142';

function verifies(secret: string, post: ReceivedPost): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(post.rawBody).digest('hex')}`);
  const given = Buffer.from(String(post.headers['x-apitrail-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('detection to response through the programmatic API: startApitrail({ env }) → real collector', function () {
  const office = newKey('key-office', 'Office', 'tenant-a');
  const mobile = newKey('key-mobile', 'Mobile', 'tenant-a');
  const webhookSecret = randomBytes(32).toString('hex');
  let collector: RunningCollector;
  let receiver: WebhookReceiver;
  let app: RunningApp;
  let logs: ExportedLogRecord[];
  const answers = new Map<string, { status: number; type: string | null; body: string }>();

  async function call(requestId: string, secret: string, address: string): Promise<number> {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
      headers: { 'x-api-key': secret, 'x-forwarded-for': address, 'x-request-id': requestId },
    });
    answers.set(requestId, {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.text(),
    });
    return response.status;
  }

  async function admin(path: string, body: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(`${app.baseUrl}/admin/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status, path).to.equal(200);
    return response.json();
  }

  const records = (eventName: string) => logs.filter((log) => log.eventName === eventName);
  const audit = (requestId: string) =>
    records('apitrail.api_request').find((log) => log.attributes['correlation.id'] === requestId);

  before(async function () {
    collector = await startCollector(await requireCollector(this), 'local-file.yaml');
    receiver = await startWebhookReceiver();
    app = await startApp({
      script: 'test/fixtures/response-api-app.cjs',
      loader: 'none',
      env: {
        APITRAIL_FIXTURE_ENV: JSON.stringify({
          OTEL_SERVICE_NAME: 'response-programmatic-e2e',
          ...exportingTo(collector),
          APITRAIL_SPOOL_DIR: freshSpoolDir(),
          APITRAIL_API_KEYS_FILE: writeKeysFile([office, mobile]),
          APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
          APITRAIL_ALERT_WEBHOOK_URL: receiver.url,
          APITRAIL_ALERT_WEBHOOK_SECRET: webhookSecret,
          APITRAIL_RESPONSE: 'block',
          APITRAIL_QUARANTINE_FILE: join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json'),
          APITRAIL_DETECT_GEO_BASELINE_REQUESTS: '3',
          APITRAIL_DETECT_GEO_BASELINE_SECONDS: '0',
        }),
      },
    });

    // Enrichment: the office key from Google's resolver address.
    expect(await call('placed', office.secret, '8.8.8.8')).to.equal(200);
    // The mobile key's baseline in Great Britain, then Brazil seconds later: new country, new AS,
    // impossible travel. Travel is a quarantine rule: the key is blocked soon after.
    for (const request of [1, 2, 3]) expect(await call(`britain-${request}`, mobile.secret, BRITISH_IP)).to.equal(200);
    expect(await call('brazil', mobile.secret, BRAZILIAN_IP)).to.equal(200);
    let attempt = 0;
    await waitFor('the detector to quarantine the travelling key', async () =>
      (await call(`mobile-blocked-${attempt++}`, mobile.secret, BRAZILIAN_IP)) === 403 ? true : undefined,
    );

    // The operator's API: quarantine the office key, see it refused, lift both, see them answered.
    await admin('quarantine/add', { key: office.id, seconds: 600, reason: 'incident-7', by: 'ops-alice' });
    expect(await call('office-blocked', office.secret, '8.8.8.8')).to.equal(403);
    expect(await admin('quarantine/lift', { key: office.id })).to.deep.equal({ lifted: true });
    expect(await admin('quarantine/lift', { key: mobile.id })).to.deep.equal({ lifted: true });
    expect(await call('office-lifted', office.secret, '8.8.8.8')).to.equal(200);
    expect(await call('mobile-lifted', mobile.secret, BRAZILIAN_IP)).to.equal(200);

    // The key lifecycle, from the app's own key management.
    await admin('lifecycle/created', { keyId: 'key-office-2', actor: 'ops-alice' });
    await admin('lifecycle/rotated', { keyId: office.id, replacedBy: 'key-office-2', actor: 'ops-alice' });
    await admin('lifecycle/revoked', { keyId: mobile.id, actor: 'ops-bob', reason: 'impossible_travel' });
    await admin('lifecycle/expired', { keyId: 'key-old' });
    await admin('lifecycle/deleted', { keyId: 'key-old', actor: 'ops-bob' });

    await waitFor('the alerts at the webhook receiver', () => (receiver.posts.length >= 3 ? true : undefined));
    await app.stop();
    logs = await waitFor('the lifecycle events at the collector', async () => {
      const received = await collector.logs();
      return received.some((log) => log.eventName === 'authn_token_delete') ? received : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await receiver?.close();
    await collector?.stop();
  });

  it('places 8.8.8.8 in AS15169 and the US, on the audit record at the collector', () => {
    expect(audit('placed')?.attributes).to.include({
      'client.address': '8.8.8.8',
      'apitrail.client.as.number': 15169,
      'geo.country.iso_code': 'US',
    });
    expect(audit('britain-1')?.attributes).to.include({ 'geo.country.iso_code': 'GB' });
  });

  it("alerts on the key's country change and travel, at the collector and signed at the webhook receiver", () => {
    const rules = (log: ExportedLogRecord) => log.attributes['security_rule.name'];
    const alerts = logs.filter(
      (log) => log.attributes['event.kind'] === 'alert' && log.attributes['api_key.id'] === mobile.id,
    );
    expect(alerts.map(rules)).to.include.members([
      'apitrail_key_new_country',
      'apitrail_key_new_asn',
      'apitrail_impossible_travel',
    ]);
    expect(alerts.find((log) => rules(log) === 'apitrail_key_new_country')?.attributes).to.include({
      'apitrail.alert.value': 'BR',
    });
    const delivered = receiver.posts.map((post) => JSON.parse(post.rawBody) as Record<string, unknown>);
    expect(JSON.stringify(delivered)).to.include('apitrail_impossible_travel').and.include('apitrail_key_new_country');
    expect(
      receiver.posts.every((post) => verifies(webhookSecret, post)),
      'every POST signed with the secret',
    ).to.equal(true);
    expect(verifies(randomBytes(32).toString('hex'), receiver.posts[0]!), 'control: another secret').to.equal(false);
  });

  it('blocks the quarantined keys with problem+json before the app, records each block, and lifts them', () => {
    for (const requestId of [
      'office-blocked',
      ...[...answers.keys()].filter((id) => id.startsWith('mobile-blocked')),
    ]) {
      const answer = answers.get(requestId)!;
      if (answer.status !== 403) continue;
      expect(answer.type, requestId).to.equal('application/problem+json');
      expect(JSON.parse(answer.body), requestId).to.include({ status: 403 });
    }
    expect(answers.get('office-blocked')?.status).to.equal(403);
    expect(answers.get('office-lifted')?.status).to.equal(200);
    expect(answers.get('mobile-lifted')?.status).to.equal(200);
    const blocks = records('apitrail.quarantine_block');
    expect(blocks.find((log) => log.attributes['api_key.id'] === office.id)?.attributes).to.include({
      'apitrail.quarantine.by': 'ops-alice',
      'event.reason': 'quarantined',
    });
    expect(blocks.find((log) => log.attributes['api_key.id'] === mobile.id)?.attributes).to.include({
      'apitrail.quarantine.by': 'detector',
    });
    expect(audit('office-blocked')?.attributes).to.include({ 'http.response.status_code': 403 });
  });

  it('emits every keyLifecycle call as its OWASP event with actor, reason and successor', () => {
    const change = (eventName: string, keyId: string) =>
      records(eventName).find((log) => log.attributes['auth.token.id'] === keyId)?.attributes;
    expect(change('authn_token_created', 'key-office-2')).to.include({
      'auth.token.change': 'created',
      'auth.token.actor': 'ops-alice',
    });
    const revocations = records('authn_token_revoked').map((log) => log.attributes);
    expect(revocations.find((attributes) => attributes['auth.token.change'] === 'rotated')).to.include({
      'auth.token.id': office.id,
      'auth.token.replaced_by': 'key-office-2',
    });
    expect(revocations.find((attributes) => attributes['auth.token.change'] === 'revoked')).to.include({
      'auth.token.id': mobile.id,
      'auth.token.actor': 'ops-bob',
      'event.reason': 'impossible_travel',
    });
    expect(revocations.find((attributes) => attributes['auth.token.change'] === 'expired')).to.include({
      'auth.token.id': 'key-old',
      'event.reason': 'expired',
    });
    expect(change('authn_token_delete', 'key-old')).to.include({
      'auth.token.change': 'deleted',
      'auth.token.actor': 'ops-bob',
    });
  });
});
