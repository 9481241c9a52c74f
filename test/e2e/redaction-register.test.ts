// Done-when of the redaction issue: secrets of every supported format, generated at test time, go
// into query strings, headers (Authorization, Cookie, X-API-Key, custom), path segments, the user
// agent, span names, span events, exception messages, log bodies and nested log attributes of an
// app started with apitrail; nothing the collector wrote (local-file.yaml: no collector-side
// redaction, so this is the SDK alone) nor the NDJSON output holds any of them, raw, URL-encoded or
// base64, while non-secret look-alikes survive.
import { expect } from 'chai';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import {
  generatedSecrets,
  leakedSecrets,
  lookAlikes,
  randomString,
  type GeneratedSecret,
} from '../helpers/redaction-secrets.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

const SERVER_SPAN_KIND = 2;
const AUDIT_EVENT = 'apitrail.api_request';

describe('redaction end to end: startApitrail → real collector and NDJSON', function () {
  const secrets = generatedSecrets();
  const { uuid, gitSha, orderNumber } = lookAlikes();
  const keyed = (format: string): GeneratedSecret => {
    const secret = randomString(28);
    return { format, text: secret, secret };
  };
  const headerSecrets = {
    authorization: keyed('authorization header'),
    cookie: keyed('cookie header'),
    apiKey: keyed('x-api-key header'),
    sessionToken: keyed('custom x-session-token header'),
    queryKey: keyed('api_key query parameter'),
    queryToken: keyed('token query parameter'),
  };
  const everySecret = [...secrets, ...Object.values(headerSecrets)];
  let collector: RunningCollector;
  let app: RunningApp;

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'redaction-e2e',
      logsExporters: 'otlp,ndjson',
      script: 'test/fixtures/redaction-app.cjs',
      loader: 'none',
      env: { APITRAIL_REDACT_SUMMARY: 'true' },
    }));
    for (const secret of secrets) {
      const encoded = encodeURIComponent(secret.text);
      const oneLine = secret.text.replace(/\n/g, ' ');
      const query = new URLSearchParams({
        api_key: headerSecrets.queryKey.text,
        token: headerSecrets.queryToken.text,
        order: orderNumber,
        ref: gitSha,
      });
      const get = await fetch(`${app.baseUrl}/api/v1/items/${encoded}?${query}&q=${encoded}`, {
        headers: {
          authorization: `Bearer ${headerSecrets.authorization.text}`,
          cookie: `session=${headerSecrets.cookie.text}`,
          'x-api-key': headerSecrets.apiKey.text,
          'x-session-token': headerSecrets.sessionToken.text,
          'x-debug-context': `ctx ${oneLine}`,
          'user-agent': `client/1.0 (${oneLine})`,
          'x-request-id': uuid,
        },
      });
      expect(get.status).to.equal(200);
      const fail = await fetch(`${app.baseUrl}/fail/${encoded}`, { method: 'POST', body: secret.text });
      expect(fail.status).to.equal(502);
      const log = await fetch(`${app.baseUrl}/log`, { method: 'POST', body: `note ${secret.text}` });
      expect(log.status).to.equal(200);
    }
    await app.stop();
    await waitFor(
      'every server span and audit record at the collector',
      async () => {
        const spans = (await collector.spans()).filter((span) => span.kind === SERVER_SPAN_KIND);
        const audits = (await collector.logs()).filter((record) => record.eventName === AUDIT_EVENT);
        return spans.length >= secrets.length * 3 && audits.length >= secrets.length * 3 ? true : undefined;
      },
      30000,
    );
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  it('captured what the secrets were put into (so that finding none of them means something)', async () => {
    const spans = (await collector.spans()).filter((span) => span.kind === SERVER_SPAN_KIND);
    const get = spans.find((span) => span.attributes['http.request.header.x-debug-context'] !== undefined)!;
    expect(get.attributes['http.request.header.authorization']).to.deep.equal(['[REDACTED]']);
    expect(get.attributes['http.request.header.cookie']).to.deep.equal(['[REDACTED]']);
    expect(get.attributes['http.request.header.x-api-key']).to.deep.equal(['[REDACTED]']);
    expect(get.attributes['http.request.header.x-session-token']).to.deep.equal(['[REDACTED]']);
    expect(get.attributes['redaction.redacted.keys']).to.include('http.request.header.authorization');
    expect(get.name).to.match(/^GET \/api\/v1\/items\//);
    const failed = spans.filter((span) => span.name.startsWith('POST /fail/'));
    expect(failed).to.have.length(secrets.length);
    for (const span of failed) {
      expect(span.events.map((event) => event.name)).to.include.members(['client.note', 'exception']);
    }
    const appLogs = (await collector.logs()).filter((record) => record.scope === 'redaction-app');
    expect(appLogs).to.have.length(secrets.length * 4);
    expect(appLogs.filter((record) => String(record.body).startsWith('client sent: '))).to.have.length(
      secrets.length * 2,
    );
  });

  it('the collector received no secret of any format, raw, URL-encoded or base64', async () => {
    const output = await collector.rawOutput();
    expect(leakedSecrets(output, everySecret)).to.deep.equal([]);
  });

  it('the NDJSON output holds none either, and query_params come out redacted', () => {
    expect(leakedSecrets(app.stdout(), everySecret)).to.deep.equal([]);
    const audit = app
      .jsonLines()
      .find((line) => line.event === AUDIT_EVENT && String(line.path).startsWith('/api/v1/items/'))!;
    expect(audit.query_params).to.deep.include({ api_key: '[REDACTED]', token: '[REDACTED]', order: orderNumber });
  });

  it('non-secret look-alikes survive: a UUID request id, a git SHA and an order number', async () => {
    const output = await collector.rawOutput();
    expect(output).to.include(uuid).and.include(gitSha).and.include(orderNumber);
    const audits = (await collector.logs()).filter((record) => record.eventName === AUDIT_EVENT);
    expect(audits.some((record) => record.attributes['correlation.id'] === uuid)).to.equal(true);
  });
});
