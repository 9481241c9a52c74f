// Credential extraction, key resolution (registry, resolver, fingerprint), tenant and client
// address, exercised through createRequestContextFactory with adversarial inputs. Every key is
// generated at test time.
import { expect } from 'chai';
import { randomBytes, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApitrailConfigError, type RequestContext } from '@apitrail/core';
import {
  CachedApiKeyResolver,
  LruCache,
  createKeyRegistry,
  createRequestContextFactory,
  readIdentityConfig,
  whenIdentityResolved,
  authFailureReason,
  type ApiKeyResolver,
  type IdentityConfig,
  type ResolvedApiKey,
} from '@apitrail/identity/internal';

const FINGERPRINT_KEY = { APITRAIL_FINGERPRINT_KEY: randomBytes(24).toString('hex') };

function newKey(prefix = 'sk_'): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

interface FakeRequest {
  headers?: Record<string, string | string[]>;
  url?: string;
  peer?: string;
}

function fakeRequest({ headers = {}, url = '/api/v1/scans', peer = '127.0.0.1' }: FakeRequest): IncomingMessage {
  return { headers, url, method: 'GET', socket: { remoteAddress: peer } } as unknown as IncomingMessage;
}

function contextFor(request: FakeRequest, env: Record<string, string> = {}, resolveApiKey?: ApiKeyResolver) {
  const config = readIdentityConfig({ ...FINGERPRINT_KEY, ...env });
  return createRequestContextFactory({ config, ...(resolveApiKey ? { resolveApiKey } : {}) })(fakeRequest(request));
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function jwt(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.${randomBytes(32).toString('base64url')}`;
}

describe('identity: credentials', () => {
  for (const scheme of ['Bearer', 'Token', 'ApiKey', 'Api-Key', 'bearer']) {
    it(`takes an API key from "Authorization: ${scheme}" and keeps only its fingerprint`, () => {
      const key = newKey();
      const requestContext = contextFor({ headers: { authorization: `${scheme} ${key}` } });
      expect(requestContext.identity).to.include({ authenticationMethod: 'api_key', isApiKeyRequest: true });
      expect(requestContext.identity.apiKeyFingerprint).to.match(/^[0-9a-f]{24}$/);
      expect(JSON.stringify(requestContext)).to.not.include(key);
    });
  }

  it('takes an API key from X-API-Key and from a configured header list, in order', () => {
    const key = newKey();
    expect(contextFor({ headers: { 'x-api-key': key } }).identity.authenticationMethod).to.equal('api_key');
    const custom = contextFor(
      { headers: { 'x-api-key': newKey(), 'x-service-token': key } },
      {
        APITRAIL_API_KEY_HEADERS: 'X-Service-Token',
      },
    );
    expect(custom.identity.apiKeyFingerprint).to.equal(
      contextFor({ headers: { 'x-api-key': key } }).identity.apiKeyFingerprint,
    );
  });

  it('gives the same fingerprint for the same key under one fingerprint key, another under another', () => {
    const key = newKey();
    const first = contextFor({ headers: { 'x-api-key': key } }).identity.apiKeyFingerprint;
    expect(contextFor({ headers: { authorization: `Bearer ${key}` } }).identity.apiKeyFingerprint).to.equal(first);
    expect(contextFor({ headers: { 'x-api-key': newKey() } }).identity.apiKeyFingerprint).to.not.equal(first);
    const otherProcess = createRequestContextFactory({ config: readIdentityConfig({}) })(
      fakeRequest({ headers: { 'x-api-key': key } }),
    );
    expect(otherProcess.identity.apiKeyFingerprint).to.not.equal(first);
  });

  it('looks in the query string only when a parameter is configured, and flags it', () => {
    const key = newKey();
    const unconfigured = contextFor({ url: `/x?api_key=${key}` });
    expect(unconfigured.identity.authenticationMethod).to.equal('unauthenticated');
    const configured = contextFor(
      { url: `/x?api_key=${encodeURIComponent(key)}` },
      { APITRAIL_API_KEY_QUERY_PARAM: 'api_key' },
    );
    expect(configured.identity).to.include({ authenticationMethod: 'api_key', apiKeyInQuery: true });
    expect(JSON.stringify(configured)).to.not.include(key);
  });

  it('takes the Basic user name as identity and never the password', () => {
    const password = newKey('pw_');
    const requestContext = contextFor({ headers: { authorization: basic('alice', password) } });
    expect(requestContext.identity).to.deep.equal({
      authenticationMethod: 'basic',
      isApiKeyRequest: false,
      userId: 'alice',
    });
    expect(JSON.stringify(requestContext)).to.not.include(password);
  });

  it('classifies a JWT bearer token as jwt and takes sub/iss only when configured', () => {
    const token = jwt({ sub: 'user-7', iss: 'https://issuer.example' });
    const plain = contextFor({ headers: { authorization: `Bearer ${token}` } });
    expect(plain.identity).to.deep.equal({ authenticationMethod: 'jwt', isApiKeyRequest: false });
    const claims = contextFor(
      { headers: { authorization: `Bearer ${token}` } },
      { APITRAIL_JWT_IDENTITY_CLAIMS: 'sub,iss' },
    );
    expect(claims.identity).to.include({ userId: 'user-7', jwtIssuer: 'https://issuer.example' });
    expect(JSON.stringify(claims)).to.not.include(token.split('.')[2]);
  });

  const garbage: [string, Record<string, string>][] = [
    ['an empty Bearer', { authorization: 'Bearer ' }],
    ['an unknown scheme', { authorization: 'Digest username="a"' }],
    ['a bare token without a scheme', { authorization: 'abcdef' }],
    ['Basic with an empty user', { authorization: basic('', 'x') }],
    ['an oversized key', { 'x-api-key': 'k'.repeat(20000) }],
  ];
  for (const [what, headers] of garbage) {
    it(`treats ${what} as unauthenticated`, () => {
      expect(contextFor({ headers }).identity.authenticationMethod).to.equal('unauthenticated');
    });
  }

  it('treats a malformed JWT payload as a jwt without claims', () => {
    const requestContext = contextFor(
      { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJub3QganNvbg.x' } },
      { APITRAIL_JWT_IDENTITY_CLAIMS: 'sub' },
    );
    expect(requestContext.identity).to.deep.equal({ authenticationMethod: 'jwt', isApiKeyRequest: false });
  });
});

describe('identity: key registry', () => {
  it('resolves a key by its SHA-256 and by its public prefix', () => {
    const key = newKey();
    const prowlerKey = `pk_${randomBytes(4).toString('hex')}.${randomBytes(24).toString('hex')}`;
    const prefix = prowlerKey.slice(0, 11);
    const registry = createKeyRegistry('TEST', [
      { id: 'k-1', name: 'Production Scanner', tenant_id: 't-1', sha256: sha256Hex(key) },
      { id: 'k-2', name: 'CI', tenant_id: 't-2', prefix },
    ]);
    expect(registry.lookup(key)).to.deep.equal({ key: { id: 'k-1', name: 'Production Scanner', tenantId: 't-1' } });
    expect(registry.lookup(prowlerKey)).to.deep.equal({ key: { id: 'k-2', name: 'CI', tenantId: 't-2' }, prefix });
    expect(registry.lookup(`${key}x`)).to.equal(undefined);
    expect(registry.lookup(key.slice(0, -1))).to.equal(undefined);
    expect(registry.lookup('')).to.equal(undefined);
  });

  it('finds a key among 1000 by its digest, whatever the digest’s case; of two entries with one digest, the first', () => {
    const keys = Array.from({ length: 1000 }, () => newKey());
    const registry = createKeyRegistry('TEST', [
      ...keys.map((key, index) => ({
        id: `k-${index}`,
        sha256: index % 2 === 0 ? sha256Hex(key) : sha256Hex(key).toUpperCase(),
      })),
      { id: 'k-duplicate', sha256: sha256Hex(keys[7]!) },
    ]);
    for (const index of [0, 7, 500, 999]) expect(registry.lookup(keys[index]!)?.key.id).to.equal(`k-${index}`);
    // Control: a key that is not registered, and one differing from a registered key in its last character.
    expect(registry.lookup(newKey())).to.equal(undefined);
    expect(registry.lookup(`${keys[0]!.slice(0, -1)}${keys[0]!.endsWith('a') ? 'b' : 'a'}`)).to.equal(undefined);
  });

  it('digests a presented key as UTF-8, as `sha256sum` of the key file does (non-ASCII and lone surrogates)', () => {
    const keys = [
      `clé-${randomBytes(16).toString('hex')}`,
      `k-${randomBytes(8).toString('hex')}-😀`,
      `k-\ud800-${randomBytes(8).toString('hex')}`,
    ];
    const registry = createKeyRegistry(
      'TEST',
      keys.map((key, index) => ({
        id: `k-${index}`,
        sha256: createHash('sha256').update(Buffer.from(key, 'utf8')).digest('hex'),
      })),
    );
    keys.forEach((key, index) => expect(registry.lookup(key)?.key.id).to.equal(`k-${index}`));
    // Control: the same characters digested as Latin-1 are another key.
    const latin1 = createKeyRegistry('TEST', [
      { id: 'latin1', sha256: createHash('sha256').update(Buffer.from(keys[0]!, 'latin1')).digest('hex') },
    ]);
    expect(latin1.lookup(keys[0]!)).to.equal(undefined);
  });

  it('refuses malformed registry files, naming the variable and never echoing a digest field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-keys-'));
    const pastedKey = newKey();
    const cases: [string, string][] = [
      ['not json', '{'],
      ['not an array', '{}'],
      ['no id', JSON.stringify([{ sha256: sha256Hex('x') }])],
      ['both sha256 and prefix', JSON.stringify([{ id: 'a', sha256: sha256Hex('x'), prefix: 'pk_' }])],
      ['a key pasted as sha256', JSON.stringify([{ id: 'a', sha256: pastedKey }])],
    ];
    for (const [what, content] of cases) {
      const file = join(dir, `${what.replaceAll(' ', '-')}.json`);
      writeFileSync(file, content);
      const error = (() => {
        try {
          readIdentityConfig({ APITRAIL_API_KEYS_FILE: file });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, what).to.be.instanceOf(ApitrailConfigError);
      expect((error as Error).message, what).to.match(/^APITRAIL_API_KEYS_FILE: /);
      expect((error as Error).message, what).to.not.include(pastedKey);
    }
    expect(() => readIdentityConfig({ APITRAIL_API_KEYS_FILE: join(dir, 'missing.json') })).to.throw(
      ApitrailConfigError,
      /^APITRAIL_API_KEYS_FILE: cannot read/,
    );
  });

  it('puts the registered id, name and tenant on the context; unknown keys get a reason', () => {
    const key = newKey();
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([{ id: 'k-1', name: 'Scanner', tenant_id: 't-1', sha256: sha256Hex(key) }]));
    const known = contextFor({ headers: { 'x-api-key': key } }, { APITRAIL_API_KEYS_FILE: file });
    expect(known.identity).to.include({
      apiKeyId: 'k-1',
      apiKeyName: 'Scanner',
      tenantId: 't-1',
      isApiKeyRequest: true,
    });
    expect(known.identitySource).to.equal('registry');
    expect(authFailureReason(known)).to.equal(undefined);
    const unknown = contextFor({ headers: { 'x-api-key': newKey() } }, { APITRAIL_API_KEYS_FILE: file });
    expect(unknown.identity).to.not.have.property('apiKeyId');
    expect(authFailureReason(unknown)).to.equal('unknown_api_key');
    expect(authFailureReason(contextFor({}, { APITRAIL_API_KEYS_FILE: file }))).to.equal('missing_credentials');
  });
});

describe('identity: resolver', () => {
  const resolved: ResolvedApiKey = { id: 'k-9', name: 'Resolver Key', tenantId: 't-9' };

  it('applies a sync resolver and caches its answer under a keyed hash (one call per key)', () => {
    const key = newKey();
    const seen: string[] = [];
    const factory = createRequestContextFactory({
      config: readIdentityConfig(FINGERPRINT_KEY),
      resolveApiKey: (presented) => {
        seen.push(sha256Hex(presented));
        return presented === key ? resolved : undefined;
      },
    });
    for (let i = 0; i < 3; i++) {
      expect(factory(fakeRequest({ headers: { 'x-api-key': key } })).identity).to.include({
        apiKeyId: 'k-9',
        tenantId: 't-9',
      });
    }
    const other = factory(fakeRequest({ headers: { 'x-api-key': newKey() } }));
    expect(authFailureReason(other)).to.equal('unknown_api_key');
    expect(seen).to.have.length(2);
  });

  it('a resolver’s answer for a key the registry knew by its prefix alone removes the prefix mark', () => {
    const key = newKey('pk_');
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify([{ id: 'k-9', name: 'CI', tenant_id: 't-9', prefix: key.slice(0, 11) }]));
    const env = { APITRAIL_API_KEYS_FILE: file };
    expect(contextFor({ headers: { 'x-api-key': key } }, env).identity, 'the registry alone').to.include({
      apiKeyId: 'k-9',
      apiKeyPrefix: key.slice(0, 11),
    });
    // The resolver looked the whole secret up: it names a key the caller holds, not a claim.
    const identity = contextFor({ headers: { 'x-api-key': key } }, env, (presented) =>
      presented === key ? { id: 'k-9', tenantId: 't-9' } : undefined,
    ).identity;
    expect(identity).to.include({ apiKeyId: 'k-9' });
    expect(identity).to.not.have.property('apiKeyPrefix');
  });

  it('waits for an async resolver, and lets the app annotation win over a late answer', async () => {
    const key = newKey();
    let answer: (value: ResolvedApiKey) => void = () => undefined;
    const factory = createRequestContextFactory({
      config: readIdentityConfig(FINGERPRINT_KEY),
      resolveApiKey: () => new Promise<ResolvedApiKey>((resolve) => (answer = resolve)),
    });
    const requestContext = factory(fakeRequest({ headers: { 'x-api-key': key } }));
    expect(requestContext.identity).to.not.have.property('apiKeyId');
    const waiting = whenIdentityResolved(requestContext, 10_000);
    answer(resolved);
    expect(await waiting).to.equal(true);
    expect(requestContext.identity).to.include({ apiKeyId: 'k-9', apiKeyName: 'Resolver Key' });

    const second = factory(fakeRequest({ headers: { 'x-api-key': newKey() } }));
    second.identity = { ...second.identity, apiKeyId: 'from-app' };
    second.identitySource = 'app';
    answer(resolved);
    await whenIdentityResolved(second, 10_000);
    expect(second.identity.apiKeyId).to.equal('from-app');
  });

  it('gives up waiting on a resolver that never answers, keeping the fingerprint', async () => {
    const factory = createRequestContextFactory({
      config: readIdentityConfig(FINGERPRINT_KEY),
      resolveApiKey: () => new Promise<undefined>(() => undefined),
    });
    const requestContext = factory(fakeRequest({ headers: { 'x-api-key': newKey() } }));
    expect(await whenIdentityResolved(requestContext, 20)).to.equal(false);
    expect(requestContext.identity.apiKeyFingerprint).to.match(/^[0-9a-f]{24}$/);
  });

  it('survives a resolver that throws or rejects with the key in its message', async () => {
    const key = newKey();
    const throwing = contextFor({ headers: { 'x-api-key': key } }, {}, (presented) => {
      throw new Error(`no such key ${presented}`);
    });
    expect(throwing.identity.apiKeyFingerprint).to.match(/^[0-9a-f]{24}$/);
    const rejecting = contextFor({ headers: { 'x-api-key': key } }, {}, (presented) =>
      Promise.reject(new Error(`no such key ${presented}`)),
    );
    expect(await whenIdentityResolved(rejecting, 10_000)).to.equal(true);
    expect(rejecting.identity).to.not.have.property('apiKeyId');
  });
});

describe('identity: resolver cache', () => {
  const resolved: ResolvedApiKey = { id: 'k-9', name: 'Resolver Key', tenantId: 't-9' };

  /** A factory whose resolver counts its calls per key (by digest, never keeping the key). */
  function countingFactory(resolverCache: { maxEntries?: number; ttlMs?: number }, env: Record<string, string> = {}) {
    const calls = new Map<string, number>();
    const factory = createRequestContextFactory({
      config: readIdentityConfig({ ...FINGERPRINT_KEY, ...env }),
      resolverCache,
      resolveApiKey: (presented) => {
        const digest = sha256Hex(presented);
        calls.set(digest, (calls.get(digest) ?? 0) + 1);
        return resolved;
      },
    });
    const present = (key: string) => factory(fakeRequest({ headers: { 'x-api-key': key } }));
    const callsFor = (key: string) => calls.get(sha256Hex(key)) ?? 0;
    return { present, callsFor };
  }

  it('forgets an entry once its time to live has passed', () => {
    let now = 1_000;
    const cache = new LruCache<string>(10, 500, () => now);
    cache.set('a', 'first');
    now += 499;
    expect(cache.get('a')).to.equal('first');
    now += 1;
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.size, 'an expired entry is dropped when found').to.equal(0);
  });

  it('evicts the least recently used entry, a read counting as a use', () => {
    const cache = new LruCache<number>(2, 60_000, () => 0);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).to.equal(1);
    cache.set('c', 3);
    expect(cache.get('b')).to.equal(undefined);
    expect(cache.get('a')).to.equal(1);
    expect(cache.get('c')).to.equal(3);
    expect(cache.size).to.equal(2);
  });

  it('asks the resolver again for a key evicted by newer keys', () => {
    const { present, callsFor } = countingFactory({ maxEntries: 2 });
    const [first, second, third] = [newKey(), newKey(), newKey()];
    present(first!);
    present(second!);
    present(first!);
    present(third!);
    expect(callsFor(first!), 'still cached: used more recently than the second').to.equal(1);
    present(second!);
    expect(callsFor(second!), 'evicted by the third').to.equal(2);
  });

  it('asks the resolver again once an answer has expired', () => {
    const { present, callsFor } = countingFactory({ ttlMs: 0 });
    const key = newKey();
    present(key);
    present(key);
    expect(callsFor(key)).to.equal(2);
    const cached = countingFactory({});
    cached.present(key);
    cached.present(key);
    expect(cached.callsFor(key), 'the default time to live keeps the answer').to.equal(1);
  });

  it('lets the resolver win over the registry file, and the registry answer when the resolver does not know', () => {
    const key = newKey();
    const unknownToResolver = newKey();
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'k-file', name: 'From File', tenant_id: 't-file', sha256: sha256Hex(key) },
        { id: 'k-file-2', name: 'Only In File', tenant_id: 't-file', sha256: sha256Hex(unknownToResolver) },
      ]),
    );
    const resolver: ApiKeyResolver = (presented) => (presented === key ? resolved : undefined);
    const both = contextFor({ headers: { 'x-api-key': key } }, { APITRAIL_API_KEYS_FILE: file }, resolver);
    expect(both.identity).to.include({ apiKeyId: 'k-9', apiKeyName: 'Resolver Key', tenantId: 't-9' });
    expect(both.identitySource).to.equal('resolver');
    const fileOnly = contextFor(
      { headers: { 'x-api-key': unknownToResolver } },
      { APITRAIL_API_KEYS_FILE: file },
      resolver,
    );
    expect(fileOnly.identity).to.include({ apiKeyId: 'k-file-2', tenantId: 't-file' });
    expect(fileOnly.identitySource).to.equal('registry');
    expect(authFailureReason(fileOnly)).to.equal(undefined);
  });
});

describe('identity: CachedApiKeyResolver', () => {
  const known: ResolvedApiKey = { id: 'k-cached' };

  it('asks the resolver once per digest, for a known key and for an unknown one alike', () => {
    const asked: string[] = [];
    const resolver = new CachedApiKeyResolver((key) => {
      asked.push(key);
      return key === 'known' ? known : undefined;
    });
    for (let n = 0; n < 3; n++) {
      expect(resolver.resolve('digest-known', 'known')).to.equal(known);
      expect(resolver.resolve('digest-unknown', 'unknown')).to.equal(null);
    }
    expect(asked).to.deep.equal(['known', 'unknown']);
  });

  it('caches nothing for a resolver that threw, and forgets a rejected answer once it settles', async () => {
    let calls = 0;
    const throwing = new CachedApiKeyResolver(() => {
      calls++;
      throw new Error('lookup failed');
    });
    expect(throwing.resolve('d', 'key')).to.equal(undefined);
    expect(throwing.resolve('d', 'key')).to.equal(undefined);
    expect(calls, 'asked again after a throw').to.equal(2);

    let rejections = 0;
    const rejecting = new CachedApiKeyResolver(() => {
      rejections++;
      return Promise.reject(new Error('lookup failed'));
    });
    const pending = rejecting.resolve('d', 'key');
    expect(rejecting.resolve('d', 'key'), 'the pending answer is shared').to.equal(pending);
    expect(await pending).to.equal(null);
    await rejecting.resolve('d', 'key');
    expect(rejections, 'asked again once the rejection settled').to.equal(2);
  });
});

describe('identity: tenant', () => {
  it('records an untrusted tenant header only as a claim', () => {
    const requestContext = contextFor({ headers: { 'x-tenant-id': 'tenant-b' } });
    expect(requestContext.claimedTenantId).to.equal('tenant-b');
    expect(requestContext.identity).to.not.have.property('tenantId');
  });

  it('takes the tenant header (name configurable) when APITRAIL_TRUST_TENANT_HEADER=true', () => {
    const requestContext = contextFor(
      { headers: { 'x-org': 'tenant-b' } },
      { APITRAIL_TRUST_TENANT_HEADER: 'true', APITRAIL_TENANT_HEADER: 'X-Org' },
    );
    expect(requestContext.identity.tenantId).to.equal('tenant-b');
    expect(requestContext).to.not.have.property('claimedTenantId');
  });
});

describe('identity: client address and trusted proxies', () => {
  const spoof = { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=7.7.7.7' };

  it('ignores forwarding headers from any peer when no proxy is trusted', () => {
    expect(contextFor({ headers: spoof, peer: '10.0.0.5' }).clientAddress).to.equal('10.0.0.5');
  });

  it('ignores forwarding headers from an untrusted peer', () => {
    const env = { APITRAIL_TRUSTED_PROXIES: '10.0.0.0/8' };
    expect(contextFor({ headers: { 'x-forwarded-for': '6.6.6.6' }, peer: '192.0.2.1' }, env).clientAddress).to.equal(
      '192.0.2.1',
    );
  });

  it('walks X-Forwarded-For past trusted proxies to the first untrusted hop', () => {
    const env = { APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32,10.0.0.0/8' };
    const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.2.3' };
    expect(contextFor({ headers, peer: '::ffff:127.0.0.1' }, env).clientAddress).to.equal('203.0.113.9');
    expect(
      contextFor({ headers: { forwarded: 'for="[2001:db8::1]:443", for=10.0.0.7' }, peer: '127.0.0.1' }, env)
        .clientAddress,
    ).to.equal('2001:db8::1');
  });

  it('stops at a garbled hop instead of believing what lies beyond it', () => {
    const env = { APITRAIL_TRUSTED_PROXIES: '10.0.0.0/8' };
    const headers = { 'x-forwarded-for': '6.6.6.6, not-an-ip\r\n, 10.0.0.2' };
    expect(contextFor({ headers, peer: '10.0.0.1' }, env).clientAddress).to.equal('10.0.0.2');
  });

  it('with a hop count, takes the address that many hops from the end', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' };
    expect(contextFor({ headers, peer: '10.0.0.1' }, { APITRAIL_TRUSTED_PROXIES: '1' }).clientAddress).to.equal(
      '203.0.113.9',
    );
    expect(contextFor({ headers, peer: '10.0.0.1' }, { APITRAIL_TRUSTED_PROXIES: '3' }).clientAddress).to.equal(
      '10.0.0.1',
    );
  });
});

describe('identity: configuration', () => {
  const bad: [string, string][] = [
    ['APITRAIL_API_KEY_HEADERS', 'x-api-key, bad header'],
    ['APITRAIL_TENANT_HEADER', 'x:tenant'],
    ['APITRAIL_TRUST_TENANT_HEADER', 'sometimes'],
    ['APITRAIL_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['APITRAIL_TRUSTED_PROXIES', 'localhost'],
    ['APITRAIL_TRUSTED_PROXIES', '0'],
    ['APITRAIL_AUDIT_SCOPE', 'some'],
    ['APITRAIL_JWT_IDENTITY_CLAIMS', 'sub,email'],
    ['APITRAIL_FINGERPRINT_KEY', 'short'],
  ];
  for (const [variable, value] of bad) {
    it(`refuses ${variable}=${JSON.stringify(value)} naming the variable`, () => {
      expect(() => readIdentityConfig({ [variable]: value })).to.throw(
        ApitrailConfigError,
        new RegExp(`^${variable}: `),
      );
    });
  }

  it('never echoes the fingerprint key in its error', () => {
    const secret = randomBytes(4).toString('hex');
    expect(() => readIdentityConfig({ APITRAIL_FINGERPRINT_KEY: secret }))
      .to.throw(ApitrailConfigError)
      .that.satisfies((error: Error) => !error.message.includes(secret));
  });

  it('has safe defaults', () => {
    const config: IdentityConfig = readIdentityConfig({});
    expect(config).to.include({
      trustTenantHeader: false,
      tenantHeader: 'x-tenant-id',
      auditScope: 'all',
      fingerprintKeyConfigured: false,
    });
    expect(config.apiKeyHeaders).to.deep.equal(['x-api-key']);
    expect(config).to.not.have.property('apiKeyQueryParam');
    expect(config.trustedProxies.kind).to.equal('none');
  });
});

/** A request presenting the key `bytes` (hex) in form 0: X-API-Key, 1: Bearer, 2: query parameter `k`. */
function requestCarrying(bytes: Buffer, form: number): IncomingMessage {
  const key = bytes.toString('hex');
  if (form === 0) return fakeRequest({ headers: { 'x-api-key': key } });
  if (form === 1) return fakeRequest({ headers: { authorization: `Bearer ${key}` } });
  return fakeRequest({ url: `/x?k=${key}` });
}

describe('identity: the raw key is not retained', () => {
  it('leaves no copy of presented keys in the heap once the requests are gone', async function () {
    const { setFlagsFromString, writeHeapSnapshot } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const keyBytes = [randomBytes(24), randomBytes(24), randomBytes(24)];
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([{ id: 'k-1', sha256: sha256Hex(keyBytes[0]!.toString('hex')) }]));
    const factory = createRequestContextFactory({
      config: readIdentityConfig({
        ...FINGERPRINT_KEY,
        APITRAIL_API_KEYS_FILE: file,
        APITRAIL_API_KEY_QUERY_PARAM: 'k',
      }),
      resolveApiKey: async (presented) => (presented.length > 0 ? { id: 'resolved' } : undefined),
    });
    // Key strings are built inside a helper: locals of this suspended async function would keep the last one alive.
    const contexts: RequestContext[] = keyBytes.map((bytes, form) => factory(requestCarrying(bytes, form)));
    await Promise.all(contexts.map((requestContext) => whenIdentityResolved(requestContext, 10_000)));
    gc();
    // writeHeapSnapshot, not the getHeapSnapshot stream: on Node 22.15 the stream never ends here.
    const heap = readFileSync(writeHeapSnapshot(join(dir, 'heap.heapsnapshot')), 'utf8');
    expect(heap.length).to.be.above(100_000);
    expect(contexts.every((requestContext) => requestContext.identity.apiKeyId !== undefined)).to.equal(true);
    const retained = keyBytes.map((bytes) => heap.includes(bytes.toString('hex')));
    expect(retained, 'presented keys (x-api-key, bearer, query) still in the heap').to.deep.equal([
      false,
      false,
      false,
    ]);
  });
});
