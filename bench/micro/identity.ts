// Identity on the request path with a key registry file (APITRAIL_API_KEYS_FILE): the request
// context of a request presenting a registered key, a revoked key (recognised as that key, with its
// status: the key lifecycle's request-path part) and an unregistered one (fingerprint only). The
// revoked key's authn_token_reuse event goes to the global LoggerProvider, a no-op here: what its
// export costs is the emit path's, measured by the request-path and ndjson benchmarks.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createRequestContextFactory, readIdentityConfig } from '@apitrail/identity';
import { nsPerOp, report } from './harness.ts';
import { writeKeysFile } from '../../scripts/lib/secret-search.mjs';

const secret = () => `sk_${randomBytes(24).toString('base64url')}`;
const active = { id: 'key-active', name: 'Active', tenantId: 'acme', secret: secret() };
const revoked = {
  id: 'key-revoked',
  name: 'Revoked',
  tenantId: 'acme',
  secret: secret(),
  lifecycle: { revoked_at: '2026-01-01T00:00:00Z', revoked_by: 'ops', revocation_reason: 'leaked' },
};
// A registry of 1000 keys, as a service with many customers has.
const others = Array.from({ length: 998 }, (_, i) => ({
  id: `key-${i}`,
  name: `Key ${i}`,
  tenantId: 't',
  secret: secret(),
}));
const config = readIdentityConfig({
  APITRAIL_API_KEYS_FILE: writeKeysFile([active, revoked, ...others]),
  APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
});
const factory = createRequestContextFactory({ config });
const socket = new Socket();

function requestWith(key: string): IncomingMessage {
  const incoming = new IncomingMessage(socket);
  incoming.method = 'GET';
  incoming.url = '/api/v1/scans';
  incoming.headers = { host: 'api.example.test', 'x-api-key': key };
  return incoming;
}

const cost = (key: string, expectedId: string | undefined, expectedStatus?: string) => {
  const request = requestWith(key);
  const { identity } = factory(request);
  if (identity.apiKeyId !== expectedId) throw new Error(`expected key ${expectedId}, identified ${identity.apiKeyId}`);
  if (identity.apiKeyStatus !== expectedStatus)
    throw new Error(`expected status ${expectedStatus}, got ${identity.apiKeyStatus}`);
  return nsPerOp(() => factory(request));
};

report({
  identity: {
    registered_key: cost(active.secret, active.id),
    revoked_key: cost(revoked.secret, revoked.id, 'revoked'),
    unregistered_key: cost(secret(), undefined),
  },
});
