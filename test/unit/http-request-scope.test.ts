// The HTTP request scope as an OpenTelemetry Instrumentation: enable() wraps the http and https
// Server prototypes' emit, so request listeners run in a Context carrying the request's
// RequestContext; disable() puts back exactly what it replaced, against real node:http servers.
import { expect } from 'chai';
import { hasSubscribers } from 'node:diagnostics_channel';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getCorrelationId } from '@apitrail/core';
import { RequestScopeInstrumentation, RequestTracker } from '@apitrail/http';
import { createRequestContextFactory } from '@apitrail/identity';

type Emit = typeof http.Server.prototype.emit;

/** What a request listener sees: its correlation id when it runs in a request scope, else `none`. */
async function correlationSeenByListener(): Promise<string> {
  const server = http.createServer((_request, response) => response.end(getCorrelationId() ?? 'none'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      headers: { 'x-request-id': 'scoped-request' },
    });
    return await response.text();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('http: RequestScopeInstrumentation', () => {
  const originals = { http: http.Server.prototype.emit, https: https.Server.prototype.emit };
  const newTracker = () => new RequestTracker({ createRequestContext: createRequestContextFactory() });

  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());
  // node:http's request start, which the scope follows requests Node answers itself from.
  const subscribedBefore = hasSubscribers('http.server.request.start');
  const ownEmit = {
    http: Object.hasOwn(http.Server.prototype, 'emit'),
    https: Object.hasOwn(https.Server.prototype, 'emit'),
  };
  afterEach(() => {
    expect(http.Server.prototype.emit, 'a test left http patched').to.equal(originals.http);
    expect(https.Server.prototype.emit, 'a test left https patched').to.equal(originals.https);
    // Restored as it was: an inherited emit is inherited again, not copied onto the prototype.
    expect(Object.hasOwn(http.Server.prototype, 'emit')).to.equal(ownEmit.http);
    expect(Object.hasOwn(https.Server.prototype, 'emit')).to.equal(ownEmit.https);
    expect(hasSubscribers('http.server.request.start'), 'a test left a subscriber').to.equal(subscribedBefore);
  });

  it('patches nothing while constructed disabled, as the SDK registers it', async () => {
    const scope = new RequestScopeInstrumentation({ tracker: newTracker(), enabled: false });
    expect(http.Server.prototype.emit).to.equal(originals.http);
    expect(await correlationSeenByListener()).to.equal('none');
    scope.enable();
    expect(await correlationSeenByListener()).to.equal('scoped-request');
    scope.disable();
  });

  it('runs listeners in the request scope while enabled; disable() restores both prototypes', async () => {
    const scope = new RequestScopeInstrumentation({ tracker: newTracker() });
    expect(http.Server.prototype.emit).to.not.equal(originals.http);
    expect(https.Server.prototype.emit).to.not.equal(originals.https);
    expect(await correlationSeenByListener()).to.equal('scoped-request');

    scope.disable();
    expect(http.Server.prototype.emit).to.equal(originals.http);
    expect(https.Server.prototype.emit).to.equal(originals.https);
    expect(await correlationSeenByListener()).to.equal('none');

    scope.enable();
    scope.enable();
    expect(hasSubscribers('http.server.request.start')).to.equal(true);
    expect(await correlationSeenByListener()).to.equal('scoped-request');
    scope.disable();
  });

  it('under a wrapper installed after it, stays in the chain passing events through, and acts again when re-enabled', async () => {
    const scope = new RequestScopeInstrumentation({ tracker: newTracker() });
    const scoped = http.Server.prototype.emit;
    // Another instrumentation wrapping emit after apitrail (as instrumentation-http may).
    const outer = function (this: http.Server, ...args: unknown[]): boolean {
      return (scoped as (...emitted: unknown[]) => boolean).apply(this, args);
    } as Emit;
    http.Server.prototype.emit = outer;
    try {
      scope.disable();
      expect(http.Server.prototype.emit, 'the later wrapper is kept').to.equal(outer);
      expect(await correlationSeenByListener()).to.equal('none');
      scope.enable();
      expect(await correlationSeenByListener()).to.equal('scoped-request');
    } finally {
      http.Server.prototype.emit = scoped;
      scope.disable();
    }
  });

  it('reports its package name and version, and the core modules it patches', () => {
    const scope = new RequestScopeInstrumentation({ enabled: false });
    expect(scope.instrumentationName).to.equal('@apitrail/http');
    expect(scope.getModuleDefinitions().map((module) => [module.name, module.supportedVersions])).to.deep.equal([
      ['http', ['*']],
      ['https', ['*']],
    ]);
  });
});
