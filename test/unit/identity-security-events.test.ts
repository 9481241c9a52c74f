// The securityEvents API, setIdentity and the exception path of the request scope, against a real
// OTel LoggerProvider with apitrail's RequestContextLogRecordProcessor in front of an in-memory exporter.
import { expect } from 'chai';
import http from 'node:http';
import { Socket } from 'node:net';
import { context, logs, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { setRequestContext, type RequestContext } from '@apitrail/core/internal';
import { RequestContextLogRecordProcessor, RequestTracker, RequestScopeInstrumentation } from '@apitrail/http';
import { waitFor } from '../helpers/wait.ts';
import {
  createRequestContextFactory,
  readIdentityConfig,
  securityEvents,
  setIdentity,
  type ResolvedApiKey,
} from '@apitrail/identity';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

const exporter = new InMemoryLogRecordExporter();

function requestContext(): RequestContext {
  return {
    correlationId: 'req-1',
    clientAddress: '192.0.2.1',
    identity: { authenticationMethod: 'api_key', isApiKeyRequest: true, apiKeyId: 'key-1', tenantId: 'tenant-a' },
  };
}

function inRequest<T>(requestContextValue: RequestContext, work: () => T): T {
  return context.with(setRequestContext(ROOT_CONTEXT, requestContextValue), work);
}

describe('identity: events through a real LoggerProvider', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    logs.disable();
    logs.setGlobalLoggerProvider(
      new LoggerProvider({
        processors: [new RequestContextLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter })],
      }),
    );
  });
  after(() => logs.disable());

  describe('identity: security events API', () => {
    beforeEach(() => exporter.reset());

    const cases = [
      [
        'authnSuccess',
        () => securityEvents.authnSuccess({ method: 'api_key' }),
        'authn_login_success',
        'INFO',
        'authentication',
      ],
      [
        'authnFail',
        () => securityEvents.authnFail({ reason: 'expired_key' }),
        'authn_login_fail',
        'WARN',
        'authentication',
      ],
      ['authzFail', () => securityEvents.authzFail({ resource: '/admin' }), 'authz_fail', 'CRITICAL', 'iam'],
      [
        'inputValidationFail',
        () => securityEvents.inputValidationFail({ field: 'email' }),
        'input_validation_fail',
        'WARN',
        'web',
      ],
      [
        'rateLimitExceeded',
        () => securityEvents.rateLimitExceeded({ limit: '120/min' }),
        'excess_rate_limit_exceeded',
        'WARN',
        'web',
      ],
      ['tokenCreated', () => securityEvents.tokenCreated({ tokenId: 'tok-1' }), 'authn_token_created', 'INFO', 'iam'],
      ['tokenRevoked', () => securityEvents.tokenRevoked({ tokenId: 'tok-1' }), 'authn_token_revoked', 'INFO', 'iam'],
      [
        'tokenReuse',
        () => securityEvents.tokenReuse({ tokenId: 'tok-1' }),
        'authn_token_reuse',
        'CRITICAL',
        'authentication',
      ],
      [
        'emit',
        () => securityEvents.emit('malicious_attack_tool'),
        'malicious_attack_tool',
        'WARN',
        'intrusion_detection',
      ],
    ] as const;
    for (const [method, call, eventName, level, category] of cases) {
      it(`${method} emits ${eventName} at ${level} with ECS event fields`, () => {
        call();
        const [record] = exporter.getFinishedLogRecords();
        expect(record!.eventName).to.equal(eventName);
        expect(record!.severityText).to.equal(level);
        expect(record!.instrumentationScope.name).to.equal('apitrail.security');
        expect(record!.attributes).to.include({
          'event.action': eventName,
          'event.category': category,
          'event.kind': 'event',
        });
      });
    }

    it('carries typed parameters as attributes', () => {
      securityEvents.authzFail({ resource: '/admin', reason: 'not_owner', userId: 'bob' });
      securityEvents.tokenRevoked({ tokenId: 'tok-9' });
      const [authz, token] = exporter.getFinishedLogRecords();
      expect(authz!.attributes).to.include({
        'auth.authz.resource': '/admin',
        'event.reason': 'not_owner',
        'user.id': 'bob',
      });
      expect(token!.attributes['auth.token.id']).to.equal('tok-9');
    });

    it('adds the request identity inside a request; explicit parameters win', () => {
      inRequest(requestContext(), () => securityEvents.authnFail({ userId: 'someone-else' }));
      const [record] = exporter.getFinishedLogRecords();
      expect(record!.attributes).to.include({
        'correlation.id': 'req-1',
        'api_key.id': 'key-1',
        'tenant.id': 'tenant-a',
        'client.address': '192.0.2.1',
        'user.id': 'someone-else',
      });
      expect(record!.attributes).to.not.have.property('auth.is_api_key_request');
    });

    it('neutralises control characters in descriptions (CWE-117)', () => {
      securityEvents.authnFail({ description: 'user admin\r\n2026-01-01 INFO forged line\u001b[31m' });
      const [record] = exporter.getFinishedLogRecords();
      expect(record!.body).to.equal('user admin\\r\\n2026-01-01 INFO forged line\\u001b[31m');
    });
  });

  describe('identity: setIdentity', () => {
    it('returns false outside a request', () => {
      expect(setIdentity({ apiKeyId: 'x' })).to.equal(false);
    });

    it('annotates the current request, wins, and ignores what is not a string', () => {
      const current = requestContext();
      expect(
        inRequest(current, () =>
          setIdentity({ apiKeyId: 'app-key', userId: 42 as unknown as string, tenantId: 'tenant-z' }),
        ),
      ).to.equal(true);
      expect(current.identitySource).to.equal('app');
      expect(current.identity).to.include({
        apiKeyId: 'app-key',
        tenantId: 'tenant-z',
        authenticationMethod: 'api_key',
      });
      expect(current.identity).to.not.have.property('userId');
      inRequest(current, () => setIdentity({ userId: 'u-1', authenticationMethod: 'session' }));
      expect(current.identity).to.include({ userId: 'u-1', authenticationMethod: 'session', isApiKeyRequest: false });
    });

    it('a key the app names after its own check is no longer a prefix claim', () => {
      // The registry named the key by its public prefix; the app then checked the whole secret.
      const current = requestContext();
      current.identity = { ...current.identity, apiKeyId: 'key-1', apiKeyPrefix: 'pk_abc' };
      inRequest(current, () => setIdentity({ userId: 'u-1' }));
      expect(current.identity, 'naming something else vouches for no key').to.include({ apiKeyPrefix: 'pk_abc' });
      inRequest(current, () => setIdentity({ apiKeyId: 'key-1' }));
      expect(current.identity).to.include({ apiKeyId: 'key-1' });
      expect(current.identity).to.not.have.property('apiKeyPrefix');
    });
  });

  describe('http: an exception escaping a request listener', () => {
    before(() => exporter.reset());

    it('is reported as apitrail.server_error with a neutralised stack as it leaves the process, not caught on the way', () => {
      const tracker = new RequestTracker({ createRequestContext: createRequestContextFactory() });
      const scope = new RequestScopeInstrumentation({ tracker });
      try {
        const server = new http.Server();
        const failure = new Error('backend down\r\nforged: line');
        server.on('request', () => {
          throw failure;
        });
        const request = new http.IncomingMessage(new Socket());
        request.method = 'GET';
        request.url = '/boom';
        const response = new http.ServerResponse(request);
        expect(() => server.emit('request', request, response)).to.throw(failure);
        // Nothing yet: it may still be caught above. Node emits this as the exception leaves the process.
        expect(
          exporter.getFinishedLogRecords().filter((log) => log.eventName === 'apitrail.server_error'),
        ).to.deep.equal([]);
        for (const listener of process.listeners('uncaughtExceptionMonitor')) listener(failure, 'uncaughtException');
      } finally {
        scope.disable();
      }
      const [record] = exporter.getFinishedLogRecords().filter((log) => log.eventName === 'apitrail.server_error');
      expect(record!.severityText).to.equal('ERROR');
      expect(record!.attributes).to.include({
        'exception.type': 'Error',
        'exception.message': 'backend down\\r\\nforged: line',
        'event.reason': 'unhandled_exception',
      });
      const stack = record!.attributes['exception.stacktrace'] as string;
      expect(stack).to.include('identity-security-events.test.ts');
      expect(stack).to.not.match(/[\r\n]/);
      expect(record!.attributes['correlation.id']).to.be.a('string');
    });
  });

  describe('http: the audit record of a real node:http request', () => {
    const audits = () => exporter.getFinishedLogRecords().filter((log) => log.eventName === 'apitrail.api_request');

    async function serve(
      options: ConstructorParameters<typeof RequestTracker>[0],
      listener: http.RequestListener,
      work: (url: string) => Promise<void>,
    ): Promise<void> {
      const scope = new RequestScopeInstrumentation({ tracker: new RequestTracker(options) });
      const server = http.createServer(listener);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      } finally {
        scope.disable();
        await new Promise((resolve) => server.close(resolve));
      }
    }

    const ok: http.RequestListener = (request, response) => response.end('ok');
    const keyHeaders = () => ({ 'x-api-key': randomBytes(24).toString('hex') });

    beforeEach(() => exporter.reset());

    it('waits for a pending async resolver, then carries its answer', async () => {
      let answer: (value: ResolvedApiKey) => void = () => undefined;
      const createRequestContext = createRequestContextFactory({
        config: readIdentityConfig({}),
        resolveApiKey: () => new Promise<ResolvedApiKey>((resolve) => (answer = resolve)),
      });
      await serve({ createRequestContext, resolutionTimeoutMs: 60_000 }, ok, async (url) => {
        const response = await fetch(url, { headers: keyHeaders() });
        expect(await response.text()).to.equal('ok');
        await new Promise((resolve) => setImmediate(resolve));
        expect(audits(), 'no audit record before the resolver answered').to.have.length(0);
        answer({ id: 'key-async', name: 'Async Key', tenantId: 'tenant-async' });
        await waitFor('the audit record', () => (audits().length > 0 ? true : undefined));
      });
      const [record] = audits();
      expect(record!.attributes).to.include({ 'api_key.id': 'key-async', 'tenant.id': 'tenant-async' });
      expect(record!.attributes).to.not.have.property('auth.resolution');
      expect(record!.body).to.equal('API Request: GET / [API Key: Async Key]');
    });

    it('emits with what is known, marked auth.resolution=timeout, when the resolver never answers', async () => {
      const createRequestContext = createRequestContextFactory({
        config: readIdentityConfig({}),
        resolveApiKey: () => new Promise<undefined>(() => undefined),
      });
      await serve({ createRequestContext, resolutionTimeoutMs: 1 }, ok, async (url) => {
        await (await fetch(url, { headers: keyHeaders() })).text();
        await waitFor('the audit record', () => (audits().length > 0 ? true : undefined));
      });
      const [record] = audits();
      expect(record!.attributes['auth.resolution']).to.equal('timeout');
      expect(record!.attributes['api_key.fingerprint']).to.match(/^[0-9a-f]{24}$/);
    });

    it('neutralises control characters the app put in the key name (CWE-117)', async () => {
      const forged = (request: http.IncomingMessage, response: http.ServerResponse) => {
        setIdentity({ apiKeyId: 'k', apiKeyName: 'evil\r\n2026-01-01 INFO API Request: GET /admin' });
        response.end('ok');
      };
      await serve({ createRequestContext: createRequestContextFactory() }, forged, async (url) => {
        await (await fetch(url)).text();
        await waitFor('the audit record', () => (audits().length > 0 ? true : undefined));
      });
      expect(audits()[0]!.body).to.equal(
        'API Request: GET / [API Key: evil\\r\\n2026-01-01 INFO API Request: GET /admin]',
      );
    });
  });
});
