// A Fastify 5 API under apitrail. An onRequest hook runs the app's own key check and tells
// apitrail who is calling with setIdentity(); error responses become OWASP security events.
//   node --require @apitrail/auto/register examples/fastify/server.js
'use strict';
const { randomUUID } = require('node:crypto');
const Fastify = require('fastify');
const { logs } = require('@opentelemetry/api');
const { recordRequestException } = require('@apitrail/http');
const { getCorrelationId, securityEvents, setIdentity } = require('@apitrail/identity');
const { presentedKey, verifyKey } = require('../shared/api-keys.js');

const port = Number(process.env.PORT ?? 3000);
const logger = logs.getLogger('example-fastify');
const app = Fastify();

app.addHook('onRequest', async (request, reply) => {
  if (!request.url.startsWith('/api/')) return;
  const key = verifyKey(presentedKey(request.headers));
  if (key === undefined) {
    await reply.code(401).send({ error: 'unauthorized' });
    return reply;
  }
  setIdentity({ apiKeyId: key.id, apiKeyName: key.name, tenantId: key.tenant_id, authenticationMethod: 'api_key' });
  request.tenantId = key.tenant_id;
});

app.get('/health', async (request, reply) => reply.code(204).send());

app.get('/api/v1/scans', async () => {
  logger.emit({ body: 'listing scans' });
  return { scans: [], requestId: getCorrelationId() };
});

app.get('/api/v1/tenants/:tenant/scans', async (request, reply) => {
  if (request.params.tenant !== request.tenantId) return reply.code(403).send({ error: 'forbidden' });
  return { scans: [] };
});

app.post('/api/v1/scans', async (request, reply) => {
  if (typeof request.body?.provider !== 'string') return reply.code(422).send({ error: 'provider is required' });
  return reply.code(201).send({ id: randomUUID() });
});

app.post('/api/v1/tokens', async (request, reply) => {
  const tokenId = randomUUID();
  securityEvents.tokenCreated({ tokenId, description: 'API token created' });
  return reply.code(201).send({ id: tokenId });
});

app.get('/api/v1/limited', async (request, reply) =>
  reply.header('Retry-After', '60').code(429).send({ error: 'rate limit exceeded' }),
);

app.get('/api/v1/boom', async () => {
  throw new Error('scan backend unavailable');
});

// Fastify catches what a route throws; a server error is reported to apitrail with its (sanitised)
// exception, then answered by Fastify's default handler.
app.setErrorHandler((error, request, reply) => {
  if ((error.statusCode ?? 500) >= 500) recordRequestException(request.raw, error);
  reply.send(error);
});

app.listen({ port, host: '127.0.0.1' }).then(() => {
  process.stdout.write(`${JSON.stringify({ listening: app.server.address().port })}\n`);
});
