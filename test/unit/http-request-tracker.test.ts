// The request tracker's per-request bookkeeping against real node:http servers and a real OTel
// LoggerProvider: one audit record per request (also on kept-alive connections and for clients that
// go away), and the span hooks writing identity a second time only when it changed.
import { expect } from 'chai';
import http from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { context, logs, ROOT_CONTEXT, type Attributes, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { setRequestContext } from '@apitrail/core/internal';
import { RequestTracker, apitrailHttpInstrumentationConfig, RequestScopeInstrumentation } from '@apitrail/http';
import { createRequestContextFactory, setIdentity } from '@apitrail/identity';
import { waitFor } from '../helpers/wait.ts';

const exporter = new InMemoryLogRecordExporter();
const audits = () => exporter.getFinishedLogRecords().filter((log) => log.eventName === 'apitrail.api_request');

async function serve(listener: http.RequestListener, work: (port: number) => Promise<void>): Promise<void> {
  const scope = new RequestScopeInstrumentation({
    tracker: new RequestTracker({ createRequestContext: createRequestContextFactory() }),
  });
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await work((server.address() as AddressInfo).port);
  } finally {
    scope.disable();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function get(port: number, agent: http.Agent, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, agent, path }, (response) => {
        response.resume();
        response.on('end', resolve);
      })
      .on('error', reject);
  });
}

describe('http: request tracker', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    logs.disable();
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }));
  });
  after(() => logs.disable());
  beforeEach(() => exporter.reset());

  it('emits exactly one audit record per request on a kept-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await serve(
      (request, response) => response.end('ok'),
      async (port) => {
        for (const path of ['/a', '/b', '/c']) await get(port, agent, path);
        await waitFor('three audit records', () => (audits().length >= 3 ? true : undefined));
        agent.destroy();
      },
    );
    const records = audits();
    expect(records.map((record) => record.attributes['url.path'])).to.deep.equal(['/a', '/b', '/c']);
    for (const record of records) {
      expect(record.attributes['http.response.status_code']).to.equal(200);
      expect(record.attributes).to.not.have.property('apitrail.request.aborted');
    }
    expect(new Set(records.map((record) => record.attributes['correlation.id'])).size).to.equal(3);
  });

  it('records a client that went away before the response as 499, aborted', async () => {
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    await serve(
      () => arrived(),
      async (port) => {
        const client = http.get({ port, path: '/slow' }).on('error', () => undefined);
        await requestArrived;
        client.destroy();
        await waitFor('the audit record', () => (audits().length > 0 ? true : undefined));
      },
    );
    const [record] = audits();
    expect(record!.attributes).to.include({
      'url.path': '/slow',
      'http.response.status_code': 499,
      'apitrail.request.aborted': true,
    });
    expect(record!.severityText).to.equal('WARN');
  });

  describe('span hooks', () => {
    function incomingRequest(): { request: http.IncomingMessage; response: http.ServerResponse } {
      const request = new http.IncomingMessage(new Socket());
      request.method = 'GET';
      request.url = '/orders';
      return { request, response: new http.ServerResponse(request) };
    }

    function recordingSpan(): { span: Span; writes: Attributes[] } {
      const writes: Attributes[] = [];
      const span = {
        setAttributes(attributes: Attributes) {
          writes.push(attributes);
          return span;
        },
      } as unknown as Span;
      return { span, writes };
    }

    it('write the identity at span start and again at the end only if it changed, with the outcome', () => {
      const tracker = new RequestTracker({ createRequestContext: createRequestContextFactory() });
      const config = apitrailHttpInstrumentationConfig(tracker);

      const unchanged = incomingRequest();
      expect(config.startIncomingSpanHook!(unchanged.request)).to.include({ 'auth.method': 'unauthenticated' });
      const quiet = recordingSpan();
      // Sent in full (there is no real socket here to finish it on).
      unchanged.response.statusCode = 204;
      // A response the app ended and Node flushed (as a real one: finished implies ended).
      Object.defineProperty(unchanged.response, 'writableEnded', { value: true });
      Object.defineProperty(unchanged.response, 'writableFinished', { value: true });
      config.applyCustomAttributesOnSpan!(quiet.span, unchanged.request, unchanged.response);
      expect(quiet.writes).to.deep.equal([{ 'event.outcome': 'success' }]);

      const annotated = incomingRequest();
      config.startIncomingSpanHook!(annotated.request);
      const requestContext = tracker.stateFor(annotated.request).context;
      context.with(setRequestContext(ROOT_CONTEXT, requestContext), () => setIdentity({ apiKeyId: 'key-7' }));
      const updated = recordingSpan();
      config.applyCustomAttributesOnSpan!(updated.span, annotated.request, annotated.response);
      expect(updated.writes).to.have.length(1);
      expect(updated.writes[0]).to.include({ 'api_key.id': 'key-7', 'auth.method': 'api_key' });
      // The response never finished: the client went away before anything was sent.
      expect(updated.writes[0]).to.include({ 'event.outcome': 'failure', 'apitrail.request.aborted': true });
    });

    it("write the identity again at the end when the app's start hook may have overridden it", () => {
      const tracker = new RequestTracker({ createRequestContext: createRequestContextFactory() });
      const config = apitrailHttpInstrumentationConfig(tracker, {
        startIncomingSpanHook: () => ({ 'auth.method': 'session' }),
      });
      const { request, response } = incomingRequest();
      expect(config.startIncomingSpanHook!(request)).to.include({ 'auth.method': 'session' });
      const { span, writes } = recordingSpan();
      config.applyCustomAttributesOnSpan!(span, request, response);
      expect(writes).to.have.length(1);
      expect(writes[0]).to.include({ 'auth.method': 'unauthenticated' });
    });
  });
});
