// Alert delivery end to end: a plain node:http app under the zero-code register, a leaked key used
// from more addresses than the detector allows, and a real HTTP receiver that checks each POST's
// HMAC-SHA256 signature independently. Also: a receiver that is down when the alert fires and comes
// up later, and one that answers 503 first. Secrets are generated at test time.
import { expect } from 'chai';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { freePort } from '../helpers/ports.ts';
import { startWebhookReceiver, type ReceivedPost, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { newSecret } from '../helpers/identity-keys.ts';
import { waitFor } from '../helpers/wait.ts';

// Private addresses: no country, so only the distinct-IP rule fires (no travel between countries).
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7'];

function verifies(secret: string, post: ReceivedPost): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(post.rawBody).digest('hex')}`);
  const given = Buffer.from(String(post.headers['x-apitrail-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function startLeakingApp(url: string, secret: string, extra: Record<string, string> = {}): Promise<RunningApp> {
  return startApp({
    script: 'examples/node-http/server.js',
    env: {
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'ndjson',
      OTEL_SERVICE_NAME: 'webhook-e2e',
      APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
      APITRAIL_ALERT_WEBHOOK_URL: url,
      APITRAIL_ALERT_WEBHOOK_SECRET: secret,
      ...extra,
    },
  });
}

/** One key from every address: the detector's distinct-IP rule (more than 5) fires once. */
async function leak(app: RunningApp, key: string, addresses = ADDRESSES): Promise<void> {
  for (const address of addresses) {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
      headers: { 'x-api-key': key, 'x-forwarded-for': address },
    });
    await response.arrayBuffer();
    expect(response.status, 'the app answers as it would without apitrail').to.equal(200);
  }
}

describe('alert webhook end to end: register → real HTTP receiver', function () {
  const secret = randomBytes(32).toString('hex');
  let receiver: WebhookReceiver | undefined;
  let app: RunningApp | undefined;

  afterEach(async () => {
    await app?.stop();
    await receiver?.close();
    app = undefined;
    receiver = undefined;
  });

  it('POSTs each alert once, signed with X-Apitrail-Signature: sha256=<hex HMAC of the raw body>', async () => {
    receiver = await startWebhookReceiver();
    app = await startLeakingApp(receiver.url, secret);
    const key = newSecret();
    await leak(app, key);
    const [post] = await waitFor('the alert at the receiver', () =>
      receiver!.posts.length > 0 ? receiver!.posts : undefined,
    );
    expect(verifies(secret, post!), 'signature under the configured secret').to.equal(true);
    expect(verifies(randomBytes(32).toString('hex'), post!), 'control: another secret does not verify').to.equal(false);
    const tampered = {
      ...post!,
      rawBody: post!.rawBody.replace('apitrail_key_multiple_source_ips', 'apitrail_key_multiple_source_ipz'),
    };
    expect(verifies(secret, tampered), 'control: a changed body does not verify').to.equal(false);
    expect(post!.headers['content-type']).to.equal('application/json');
    const payload = JSON.parse(post!.rawBody) as {
      id: string;
      version: number;
      service: string;
      alert: Record<string, unknown>;
    };
    expect(post!.headers['x-apitrail-delivery']).to.equal(payload.id);
    expect(payload).to.include({ version: 1, source: 'apitrail', service: 'webhook-e2e' });
    expect(payload.alert).to.include({
      event: 'apitrail.key_multiple_source_ips',
      'security_rule.name': 'apitrail_key_multiple_source_ips',
      event_kind: 'alert',
      level: 'ERROR',
    });
    expect(payload.alert.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    // More addresses after the alert: the detector's cooldown holds, no second POST.
    await leak(app, key, ['10.0.0.8', '10.0.0.9']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.posts).to.have.length(1);
  });

  it('keeps the alert while the receiver is down and delivers it once the receiver is up', async () => {
    const port = await freePort();
    app = await startLeakingApp(`http://127.0.0.1:${port}/hooks/apitrail`, secret, {
      APITRAIL_ALERT_WEBHOOK_BACKOFF_MS: '200',
      APITRAIL_ALERT_WEBHOOK_RETRIES: '20',
    });
    await leak(app, newSecret());
    // Nothing listens yet: the app kept answering (above) while delivery attempts failed.
    await new Promise((resolve) => setTimeout(resolve, 800));
    receiver = await startWebhookReceiver(port);
    const [post] = await waitFor(
      'the retried alert',
      () => (receiver!.posts.length > 0 ? receiver!.posts : undefined),
      30_000,
    );
    expect(verifies(secret, post!)).to.equal(true);
    expect(JSON.parse(post!.rawBody).alert['security_rule.name']).to.equal('apitrail_key_multiple_source_ips');
  });

  it('retries a 503 with the same delivery id and body, and stops at the first 2xx', async () => {
    receiver = await startWebhookReceiver(0, [503, 503]);
    app = await startLeakingApp(receiver.url, secret, { APITRAIL_ALERT_WEBHOOK_BACKOFF_MS: '50' });
    await leak(app, newSecret());
    await waitFor('the accepted delivery', () => (receiver!.accepted().length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.posts.map((post) => post.status)).to.deep.equal([503, 503, 200]);
    expect(new Set(receiver.posts.map((post) => post.headers['x-apitrail-delivery'])).size).to.equal(1);
    expect(new Set(receiver.posts.map((post) => post.rawBody)).size).to.equal(1);
  });

  it('sends the Slack payload shape with APITRAIL_ALERT_WEBHOOK_FORMAT=slack', async () => {
    receiver = await startWebhookReceiver();
    app = await startLeakingApp(receiver.url, secret, { APITRAIL_ALERT_WEBHOOK_FORMAT: 'slack' });
    await leak(app, newSecret());
    const [post] = await waitFor('the Slack message', () => (receiver!.posts.length > 0 ? receiver!.posts : undefined));
    const message = JSON.parse(post!.rawBody) as { text: string; blocks: { type: string }[] };
    expect(message.text).to.match(/^:red_circle: ERROR apitrail_key_multiple_source_ips/);
    expect(message.blocks.map((block) => block.type)).to.deep.equal(['header', 'section', 'section', 'context']);
    expect(verifies(secret, post!)).to.equal(true);
  });
});
