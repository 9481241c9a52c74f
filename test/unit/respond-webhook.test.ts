// Webhook delivery logic against a real local HTTP receiver: cooldown deduplication, the bounded
// queue, giving up on a refusal or after the retries, unsigned deliveries, and the payload shapes
// built from a real SDK alert record.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ApitrailConfigError } from '@apitrail/core';
import {
  AlertWebhookLogRecordProcessor,
  WebhookDelivery,
  genericPayload,
  readWebhookConfig,
  signatureOf,
  slackPayload,
  type GenericPayload,
  type WebhookConfig,
} from '@apitrail/respond/internal';
import { freePort } from '../helpers/ports.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import { waitFor } from '../helpers/wait.ts';

function alertRecord(attributes: Record<string, string | number | string[]>, resource?: Resource): ReadWriteLogRecord {
  let captured: ReadWriteLogRecord | undefined;
  const processor: LogRecordProcessor = {
    onEmit: (record) => void (captured = record),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  new LoggerProvider({ processors: [processor], ...(resource === undefined ? {} : { resource }) })
    .getLogger('apitrail.security')
    .emit({
      eventName: 'authn_token_reuse',
      severityText: 'CRITICAL',
      body: 'apitrail_revoked_key_reuse (api_key k1): 1 > 0 in 300 s',
      attributes: { 'event.kind': 'alert', 'security_rule.name': 'apitrail_revoked_key_reuse', ...attributes },
    });
  return captured!;
}

const silentDiag: DiagLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};

function config(url: string, overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    url,
    format: 'generic',
    timeoutMs: 2000,
    retries: 0,
    backoffMs: 10,
    cooldownSeconds: 600,
    maxQueue: 10,
    ...overrides,
  };
}

describe('respond: alert webhook delivery', () => {
  it('delivers one alert per rule and subject per cooldown, counting the copies', async () => {
    const receiver = await startWebhookReceiver();
    let now = 1_000_000;
    const delivery = new WebhookDelivery(config(receiver.url, { secret: 's'.repeat(32) }), () => now);
    try {
      delivery.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'rule\u0000k1');
      delivery.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'rule\u0000k1');
      delivery.enqueue(alertRecord({ 'api_key.id': 'k2' }), 'rule\u0000k2');
      now += 600_000;
      delivery.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'rule\u0000k1');
      await delivery.flush(5000);
      expect(receiver.posts).to.have.length(3);
      expect(delivery.stats).to.include({ delivered: 3, deduplicated: 1, failed: 0 });
      for (const post of receiver.posts) {
        expect(post.headers['x-apitrail-signature']).to.equal(signatureOf('s'.repeat(32), post.rawBody));
      }
    } finally {
      await receiver.close();
    }
  });

  it('a source alert counted by its IPv6 /64 is one incident, whichever address of the /64 it names', async () => {
    const receiver = await startWebhookReceiver();
    const processor = new AlertWebhookLogRecordProcessor(config(receiver.url));
    const sourceAlert = (address: string, network?: string) =>
      alertRecord({
        'security_rule.name': 'apitrail_not_found_scan',
        'client.address': address,
        ...(network === undefined ? {} : { 'apitrail.alert.source_network': network }),
      });
    try {
      processor.onEmit(sourceAlert('2001:db8:1:2::a', '2001:db8:1:2::/64'));
      processor.onEmit(sourceAlert('2001:db8:1:2::b', '2001:db8:1:2::/64'));
      // Controls: another /64, and two IPv4 addresses, are incidents of their own.
      processor.onEmit(sourceAlert('2001:db8:1:3::a', '2001:db8:1:3::/64'));
      processor.onEmit(sourceAlert('192.0.2.1'));
      processor.onEmit(sourceAlert('192.0.2.2'));
      await processor.forceFlush();
      expect(receiver.posts.map((post) => (JSON.parse(post.rawBody) as GenericPayload).alert.source_ip)).to.deep.equal([
        '2001:db8:1:2::a',
        '2001:db8:1:3::a',
        '192.0.2.1',
        '192.0.2.2',
      ]);
      expect(processor.delivery.stats).to.include({ delivered: 4, deduplicated: 1 });
      const slack = slackPayload(sourceAlert('2001:db8:1:2::a', '2001:db8:1:2::/64'));
      expect(JSON.stringify(slack.blocks)).to.include('*source network*\\n2001:db8:1:2::/64');
    } finally {
      await processor.shutdown();
      await receiver.close();
    }
  });

  it('gives up on a 4xx refusal at once, and after the retries on an unreachable receiver', async () => {
    const refusing = await startWebhookReceiver(0, [400]);
    const refused = new WebhookDelivery(config(refusing.url, { retries: 5 }));
    refused.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'a');
    await refused.flush(5000);
    await refusing.close();
    expect(refusing.posts).to.have.length(1);
    expect(refused.stats).to.include({ delivered: 0, failed: 1, retried: 0 });
    expect(refusing.posts[0]!.headers).to.not.have.property('x-apitrail-signature');

    const down = new WebhookDelivery(config(`http://127.0.0.1:${await freePort()}/`, { retries: 2 }));
    down.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'a');
    await waitFor('the delivery to give up', () => (down.stats.failed === 1 ? true : undefined));
    expect(down.stats).to.include({ delivered: 0, failed: 1, retried: 2 });
  });

  it('does not follow a receiver’s redirect to another address (an internal service) and counts the refusal', async () => {
    // The "internal" service the receiver points at: it must never see the signed alert.
    const internal = await startWebhookReceiver();
    const redirecting = http.createServer((_request, response) => {
      response.writeHead(307, { location: `${internal.url}?from=redirect` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const { port } = redirecting.address() as AddressInfo;
    const delivery = new WebhookDelivery(
      config(`http://127.0.0.1:${port}/hook`, { secret: 's'.repeat(32), retries: 3 }),
    );
    try {
      delivery.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'a');
      await delivery.flush(5000);
      expect(internal.posts, 'the redirect target got nothing').to.deep.equal([]);
      expect(delivery.stats).to.include({ delivered: 0, failed: 1, retried: 0 });
    } finally {
      redirecting.close();
      await internal.close();
    }
  });

  it('does not read a receiver’s answer body: a 200 whose body never ends neither holds the queue nor fills memory', async () => {
    // 8 MiB, then the body stays open: read to its end, the delivery would wait the whole attempt
    // timeout (holding every alert queued behind it), buffering all the receiver chose to send.
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const endless = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 8; i++) response.write(chunk);
      });
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const { port } = endless.address() as AddressInfo;
    const timeoutMs = 8000;
    const delivery = new WebhookDelivery(config(`http://127.0.0.1:${port}/hook`, { timeoutMs, retries: 0 }));
    try {
      const started = Date.now();
      delivery.enqueue(alertRecord({ 'api_key.id': 'k1' }), 'a');
      await delivery.flush(2 * timeoutMs);
      expect(delivery.stats).to.include({ delivered: 1, failed: 0, retried: 0 });
      expect(Date.now() - started, 'done on the status, not at the timeout').to.be.below(timeoutMs / 2);
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });

  it('counts and reports the alerts still unsent when it is closed, rather than losing them silently', async () => {
    // A receiver that takes every POST and never answers.
    const hung = http.createServer((request) => request.resume());
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as AddressInfo;
    const warnings: string[] = [];
    diag.setLogger(
      { ...silentDiag, warn: (message: string) => void warnings.push(message) },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const delivery = new WebhookDelivery(config(`http://127.0.0.1:${port}/hook`, { timeoutMs: 30_000 }));
    try {
      for (let i = 0; i < 3; i++) delivery.enqueue(alertRecord({ 'api_key.id': `k${i}` }), `k${i}`);
      await delivery.close(200);
      expect(delivery.stats).to.include({ delivered: 0, unsent: 3 });
      expect(warnings.join('\n')).to.match(/3 not sent/);
    } finally {
      diag.disable();
      hung.closeAllConnections();
      hung.close();
    }
  });

  it('drops (and counts) alerts beyond the queue bound while the receiver is slow', async () => {
    const down = new WebhookDelivery(config(`http://127.0.0.1:${await freePort()}/`, { maxQueue: 2, retries: 0 }));
    for (let i = 0; i < 10; i++) down.enqueue(alertRecord({ 'api_key.id': `k${i}` }), `k${i}`);
    expect(down.stats.dropped).to.be.at.least(7);
    await down.close(5000);
  });

  it('builds the generic payload from the NDJSON projection and a Slack message with escaped text', () => {
    const record = alertRecord({
      'api_key.id': '<!channel> k1',
      'apitrail.alert.count': 3,
      'client.address': '8.8.8.8',
    });
    const generic = genericPayload(record, 'id-1');
    expect(generic).to.include({ version: 1, id: 'id-1', source: 'apitrail' });
    expect(generic.alert).to.include({ api_key_id: '<!channel> k1', source_ip: '8.8.8.8', level: 'CRITICAL' });
    const slack = JSON.stringify(slackPayload(record));
    expect(slack).to.include('&lt;!channel&gt; k1');
    expect(slack, 'no live mention').to.not.include('<!channel>');
    expect(slackPayload(record).text).to.match(/^:rotating_light: CRITICAL /);
  });

  it('names the service of an alert raised before a resource detector has answered, without reading its attributes early', () => {
    const errors: unknown[][] = [];
    diag.setLogger(
      { ...silentDiag, error: (...args: unknown[]) => void errors.push(args) },
      { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
    );
    try {
      const pending = resourceFromAttributes({
        'service.name': 'checkout',
        'host.id': new Promise<string>(() => undefined),
      });
      const generic = genericPayload(alertRecord({ 'api_key.id': 'k1' }, pending), 'id-2');
      expect(generic.service).to.equal('checkout');
      expect(errors, 'OTel reported an early read of the resource').to.deep.equal([]);
      // Control: reading the attributes themselves is reported.
      void pending.attributes;
      expect(errors).to.have.length(1);
    } finally {
      diag.disable();
    }
  });

  it('reads its variables, refusing a short secret, a secret without URL and a non-http URL without echoing it', () => {
    const secret = randomBytes(24).toString('hex');
    expect(readWebhookConfig({})).to.equal(undefined);
    expect(
      readWebhookConfig({ APITRAIL_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/h', APITRAIL_ALERT_WEBHOOK_SECRET: secret }),
    ).to.include({ format: 'generic', retries: 5, cooldownSeconds: 600, secret });
    const refusals: [Record<string, string>, RegExp][] = [
      [
        { APITRAIL_ALERT_WEBHOOK_URL: 'http://x/', APITRAIL_ALERT_WEBHOOK_SECRET: 'short' },
        /SECRET: must be at least 16 bytes, got 5/,
      ],
      [{ APITRAIL_ALERT_WEBHOOK_SECRET: secret }, /SECRET: is set but APITRAIL_ALERT_WEBHOOK_URL is not/],
      [{ APITRAIL_ALERT_WEBHOOK_URL: 'ftp://hooks.example/T0KEN' }, /URL: expected an http/],
      [{ APITRAIL_ALERT_WEBHOOK_URL: 'not a url T0KEN' }, /URL: not a URL$/],
    ];
    for (const [env, message] of refusals) {
      expect(() => readWebhookConfig(env)).to.throw(ApitrailConfigError, message);
      try {
        readWebhookConfig(env);
      } catch (error) {
        expect((error as Error).message).to.not.include('T0KEN');
        expect((error as Error).message).to.not.include(secret);
      }
    }
  });
});
