// The refusal the request gate's answer is (quarantine, APITRAIL_RESPONSE=block), byte for byte on each
// transport it is written on: a node:http response, the raw socket of an `upgrade` / `connect`
// request, a node:http2 core-API stream. Real servers and clients; the gate refuses requests that
// carry x-refuse, and the app's listeners must never see those. Control: a request without it
// reaches the app.
import { expect } from 'chai';
import http from 'node:http';
import http2 from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RequestScopeInstrumentation, RequestTracker } from '@apitrail/http';
import { createRequestContextFactory } from '@apitrail/identity';

const BODY = JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'refused ✓' });

function newScope(): RequestScopeInstrumentation {
  const tracker = new RequestTracker({
    createRequestContext: createRequestContextFactory(),
    gate: {
      refusal: (requestContext) =>
        requestContext.correlationId.startsWith('refuse')
          ? { status: 403, body: BODY, reason: 'test', attributes: {} }
          : undefined,
    },
  });
  return new RequestScopeInstrumentation({ tracker });
}

/** Everything the server sent on a raw connection after `head`, until it closed; the Date header blanked. */
function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve(
        Buffer.concat(chunks)
          .toString()
          .replace(/\r\ndate: [^\r]*/i, '\r\nDate: (blanked)'),
      ),
    );
  });
}

async function listening<T extends http.Server | http2.Http2Server>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('http: the refusal on each transport', () => {
  let scope: RequestScopeInstrumentation;
  const seen: string[] = [];

  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());
  beforeEach(() => {
    seen.length = 0;
    scope = newScope();
  });
  afterEach(() => scope.disable());

  it('a node:http response: status, problem+json, no-store, the correlation id, the body', async () => {
    const server = http.createServer((request, response) => {
      seen.push(String(request.headers['x-request-id']));
      response.end('app');
    });
    const port = await listening(server);
    try {
      const refused = await rawExchange(
        port,
        'GET /x HTTP/1.1\r\nhost: a\r\nx-request-id: refuse-1\r\nconnection: close\r\n\r\n',
      );
      expect(refused).to.equal(
        'HTTP/1.1 403 Forbidden\r\nx-request-id: refuse-1\r\ncontent-type: application/problem+json\r\n' +
          'cache-control: no-store\r\nDate: (blanked)\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n' +
          `${Buffer.byteLength(BODY).toString(16)}\r\n${BODY}\r\n0\r\n\r\n`,
      );
      const allowed = await rawExchange(
        port,
        'GET /x HTTP/1.1\r\nhost: a\r\nx-request-id: allow-1\r\nconnection: close\r\n\r\n',
      );
      expect(allowed).to.match(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\napp$/);
      expect(seen).to.deep.equal(['allow-1']);
    } finally {
      server.close();
    }
  });

  it('the raw socket of an upgrade or connect request: the same refusal, then the connection closed', async () => {
    const server = http.createServer();
    for (const event of ['upgrade', 'connect']) {
      server.on(event, (request: http.IncomingMessage, socket) => {
        seen.push(String(request.headers['x-request-id']));
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      });
    }
    const port = await listening(server);
    const expected =
      'HTTP/1.1 403 Forbidden\r\ncontent-type: application/problem+json\r\ncache-control: no-store\r\n' +
      `connection: close\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;
    try {
      const upgrade = 'GET /ws HTTP/1.1\r\nhost: a\r\nconnection: upgrade\r\nupgrade: websocket\r\n';
      expect(await rawExchange(port, `${upgrade}x-request-id: refuse-ws\r\n\r\n`)).to.equal(expected);
      const tunnel = 'CONNECT example.test:443 HTTP/1.1\r\nhost: example.test:443\r\n';
      expect(await rawExchange(port, `${tunnel}x-request-id: refuse-tunnel\r\n\r\n`)).to.equal(expected);
      expect(await rawExchange(port, `${tunnel}x-request-id: allow-tunnel\r\n\r\n`)).to.match(/^HTTP\/1\.1 200 OK/);
      expect(seen).to.deep.equal(['allow-tunnel']);
    } finally {
      server.close();
    }
  });

  it('a node:http2 core-API stream: the same status, headers and body', async () => {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      seen.push(String(headers['x-request-id']));
      stream.respond({ ':status': 200 });
      stream.end('app');
    });
    const port = await listening(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const ask = async (requestId: string) => {
      const stream = session.request({ ':path': '/x', 'x-request-id': requestId });
      let headers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (answer) => (headers = answer));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.end();
      await once(stream, 'close');
      const { date, ...rest } = headers;
      expect(date).to.be.a('string');
      return { headers: rest, body: Buffer.concat(chunks).toString() };
    };
    try {
      const refused = await ask('refuse-h2');
      expect(Object.entries(refused.headers)).to.deep.equal([
        [':status', 403],
        ['content-type', 'application/problem+json'],
        ['cache-control', 'no-store'],
        ['x-request-id', 'refuse-h2'],
      ]);
      expect(refused.body).to.equal(BODY);
      expect((await ask('allow-h2')).body).to.equal('app');
      expect(seen).to.deep.equal(['allow-h2']);
    } finally {
      session.close();
      server.close();
    }
  });
});
