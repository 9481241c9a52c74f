// Source-address spoofing through a real reverse proxy: the example apps under the register trust
// one proxy (127.0.0.2), and an in-test proxy connects from that address and appends the client's
// address the way nginx's $proxy_add_x_forwarded_for (or a proxy writing RFC 7239 `Forwarded`)
// does, passing every other header through untouched, as proxies do. The client connects from
// 127.0.0.3, so the audit record names that address, or, when the client sends the header the
// proxy does not write with another address, the proxy's own (apitrail cannot tell which of the
// two the proxy wrote): never an address the client chose.
import { expect } from 'chai';
import { request, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/wait.ts';

const PROXY = '127.0.0.2';
const CLIENT = '127.0.0.3';
const SPOOF = '198.51.100.66';

type ProxyHeader = 'x-forwarded-for' | 'forwarded';

function send(
  port: number,
  host: string,
  localAddress: string,
  path: string,
  headers: IncomingHttpHeaders,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host, port, path, headers, localAddress }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A reverse proxy that adds the peer it saw to `written` and forwards from 127.0.0.2. */
async function startProxy(appPort: number, written: ProxyHeader): Promise<Server> {
  const proxy = createServer((incoming, outgoing) => {
    const peer = incoming.socket.remoteAddress ?? '';
    const headers = { ...incoming.headers };
    const previous = headers[written];
    const hop = written === 'forwarded' ? `for=${peer}` : peer;
    headers[written] = previous === undefined ? hop : `${String(previous)}, ${hop}`;
    send(appPort, '127.0.0.1', PROXY, incoming.url ?? '/', headers).then(
      () => outgoing.end(),
      () => outgoing.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

for (const [example, trusted] of [
  ['node-http', `${PROXY}/32`],
  ['node-http', '1'],
  ['express', `${PROXY}/32`],
  ['fastify', `${PROXY}/32`],
] as const) {
  describe(`source address behind a trusted proxy (${example}, APITRAIL_TRUSTED_PROXIES=${trusted})`, function () {
    let app: RunningApp;

    before(async function () {
      app = await startApp({
        script: `examples/${example}/server.js`,
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson', APITRAIL_TRUSTED_PROXIES: trusted },
      });
    });

    after(async () => {
      await app.stop();
    });

    async function sourceThrough(written: ProxyHeader, requestId: string, headers: IncomingHttpHeaders) {
      const proxy = await startProxy(Number(new URL(app.baseUrl).port), written);
      try {
        const { port } = proxy.address() as AddressInfo;
        await send(port, '127.0.0.1', CLIENT, '/api/v1/scans', { 'x-request-id': requestId, ...headers });
      } finally {
        proxy.close();
      }
      const audit = await waitFor(`the audit record of ${requestId}`, () =>
        app.jsonLines().find((line) => line.event === 'apitrail.api_request' && line.request_id === requestId),
      );
      return audit.source_ip;
    }

    it('a proxy appending X-Forwarded-For: the client address, not a forged X-Forwarded-For', async () => {
      expect(await sourceThrough('x-forwarded-for', 'xff-forged-xff', { 'x-forwarded-for': SPOOF })).to.equal(CLIENT);
    });

    it('a proxy appending X-Forwarded-For: the proxy address, not a client-sent Forwarded', async () => {
      expect(await sourceThrough('x-forwarded-for', 'xff-forged-fwd', { forwarded: `for=${SPOOF}` })).to.equal(PROXY);
    });

    it('a proxy appending Forwarded: the proxy address, not a client-sent X-Forwarded-For', async () => {
      expect(await sourceThrough('forwarded', 'fwd-forged-xff', { 'x-forwarded-for': SPOOF })).to.equal(PROXY);
    });

    it('a proxy appending Forwarded: the client address, not a forged Forwarded', async () => {
      expect(await sourceThrough('forwarded', 'fwd-forged-fwd', { forwarded: `for=${SPOOF}` })).to.equal(CLIENT);
    });

    it('a client-sent Forwarded that agrees with the proxy: the client address', async () => {
      const both = { forwarded: `for=${CLIENT}`, 'x-forwarded-for': SPOOF };
      expect(await sourceThrough('x-forwarded-for', 'xff-both', both)).to.equal(CLIENT);
    });

    it('a 10 KB forged X-Forwarded-For of ports, IPv6 forms, trusted addresses and garbage: the client address', async () => {
      const forms = [`${SPOOF}:443`, `[::ffff:${SPOOF}]:80`, `::ffff:${SPOOF}`, PROXY, 'unknown', '"', '[', '', ' '];
      const forged = Array.from({ length: 1000 }, (_, index) => forms[index % forms.length]).join(',');
      expect(forged.length).to.be.above(10_000);
      expect(await sourceThrough('x-forwarded-for', 'xff-10k', { 'x-forwarded-for': `${forged}, ${PROXY}` })).to.equal(
        CLIENT,
      );
    });

    it('True-Client-IP, X-Real-IP and CF-Connecting-IP never name the client', async () => {
      const forged = { 'true-client-ip': SPOOF, 'x-real-ip': SPOOF, 'cf-connecting-ip': SPOOF };
      expect(await sourceThrough('x-forwarded-for', 'vendor-headers', forged)).to.equal(CLIENT);
    });
  });
}
