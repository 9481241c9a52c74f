// The demo's alert receiver: a local HTTP endpoint standing in for a SIEM / SOAR webhook. It checks
// each delivery's X-Apitrail-Signature against the secret generated for the run, as a receiver must.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

export async function startWebhookReceiver() {
  const secret = randomBytes(32).toString('hex');
  const deliveries = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(request.headers['x-apitrail-signature'] ?? ''));
      const verified = expected.length === given.length && timingSafeEqual(expected, given);
      let alert = {};
      try {
        alert = JSON.parse(raw.toString('utf8')).alert ?? {};
      } catch {
        // Counted as unverified below if it was not JSON.
      }
      deliveries.push({ verified, alert });
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    env: {
      APITRAIL_ALERT_WEBHOOK_URL: `http://127.0.0.1:${server.address().port}/alerts`,
      APITRAIL_ALERT_WEBHOOK_SECRET: secret,
      APITRAIL_ALERT_WEBHOOK_BACKOFF_MS: '100',
    },
    deliveries,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** One line per delivery: verified or not, the level, the rule and its line. */
export function renderDeliveries(deliveries) {
  if (deliveries.length === 0) return '  (none)';
  return deliveries
    .map(
      ({ verified, alert }) =>
        `  ${verified ? 'signature ok ' : 'BAD SIGNATURE'}  ${String(alert.level ?? '').padEnd(8)} ${alert.message ?? ''}`,
    )
    .join('\n');
}
