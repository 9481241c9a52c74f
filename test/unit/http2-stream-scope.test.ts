// node:http2's core API under RequestScopeInstrumentation, against a real in-process server: the
// 'stream' listener runs in the request's scope, and the correlation id is added to whatever headers
// the stream responds with (an object, a raw array, none), never twice and never over the app's own.
import { expect } from 'chai';
import http2, { type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getCorrelationId } from '@apitrail/core';
import { RequestScopeInstrumentation, RequestTracker } from '@apitrail/http';
import { createRequestContextFactory } from '@apitrail/identity';

/** Serves one stream with `answer` and returns the response headers the client got. */
async function served(
  answer: (stream: ServerHttp2Stream) => void,
  requestId = 'stream-1',
): Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader> {
  const server = http2.createServer();
  server.on('stream', answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/', 'x-request-id': requestId });
      stream.on('response', resolve);
      stream.on('error', reject);
      stream.resume();
      stream.end();
    });
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Whether this Node's stream.respond() takes raw header arrays (`[name, value, …]`): Node 24 does,
 * Node 22 throws ERR_INVALID_ARG_TYPE for one, with or without apitrail.
 */
const RAW_HEADER_ARRAYS = Number(process.versions.node.split('.')[0]) >= 24;

describe('http: RequestScopeInstrumentation on node:http2 core API streams', () => {
  let scope: RequestScopeInstrumentation;
  const start = (correlationResponseHeader?: string | false) => {
    const tracker = new RequestTracker({
      createRequestContext: createRequestContextFactory(),
      ...(correlationResponseHeader === undefined ? {} : { correlationResponseHeader }),
    });
    scope = new RequestScopeInstrumentation({ tracker });
  };

  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());
  afterEach(() => scope.disable());

  it('runs the stream listener in the request scope', async () => {
    start();
    let seen: string | undefined;
    await served((stream) => {
      seen = getCorrelationId();
      stream.respond({ ':status': 200 });
      stream.end();
    });
    expect(seen).to.equal('stream-1');
  });

  // respondWithFile is exercised in test/e2e/http2-core-audit.test.ts, in a child process: after it,
  // a heap snapshot in this process crashes Node 24 (the unit suite takes one, identity-resolution).
  it('echoes the correlation id on an object, a raw array, or no headers', async () => {
    start();
    const object = await served((stream) => stream.respond({ ':status': 201 }, { endStream: true }));
    expect(object).to.include({ ':status': 201, 'x-request-id': 'stream-1' });
    if (RAW_HEADER_ARRAYS) {
      const raw = await served((stream) => stream.respond([':status', '202', 'x-app', 'a'], { endStream: true }));
      expect(raw).to.include({ ':status': 202, 'x-app': 'a', 'x-request-id': 'stream-1' });
    }
    const none = await served((stream) => stream.respond(undefined, { endStream: true }));
    expect(none).to.include({ ':status': 200, 'x-request-id': 'stream-1' });
  });

  it('leaves a correlation header the app set (any case) as the app set it', async () => {
    start();
    const own = await served((stream) => stream.respond({ 'X-Request-ID': 'app-own' }, { endStream: true }));
    expect(own['x-request-id']).to.equal('app-own');
    if (RAW_HEADER_ARRAYS) {
      const ownRaw = await served((stream) => stream.respond(['X-Request-Id', 'app-raw'], { endStream: true }));
      expect(ownRaw['x-request-id']).to.equal('app-raw');
    }
  });

  it("adds no method of its own to a stream: the prototype's respond methods add the header", async () => {
    start();
    let own: string[] = [];
    const headers = await served((stream) => {
      own = ['respond', 'respondWithFD', 'respondWithFile'].filter((method) => Object.hasOwn(stream, method));
      stream.respond({ ':status': 200 }, { endStream: true });
    });
    expect(own, 'methods set on the stream itself').to.deep.equal([]);
    expect(headers).to.include({ 'x-request-id': 'stream-1' });
  });

  it('adds nothing to a stream no tracker began (the scope disabled), after it was enabled', async () => {
    start();
    await served((stream) => stream.respond({ ':status': 200 }, { endStream: true }));
    scope.disable();
    const headers = await served((stream) => stream.respond({ ':status': 204 }, { endStream: true }));
    expect(headers).to.include({ ':status': 204 });
    expect(headers).to.not.have.property('x-request-id');
  });

  it('adds nothing with correlationResponseHeader: false', async () => {
    start(false);
    const headers = await served((stream) => stream.respond({ ':status': 200 }, { endStream: true }));
    expect(headers).to.not.have.property('x-request-id');
  });
});
