// An Express 5 API under apitrail. The app's own auth middleware tells apitrail who is calling with
// setIdentity(); responses such as 401/403/422/429/500 become OWASP security events on their own.
//   node --require @apitrail/auto/register examples/express/server.js
'use strict';
const { randomUUID } = require('node:crypto');
const express = require('express');
const { logs } = require('@opentelemetry/api');
const { recordRequestException } = require('@apitrail/http');
const { getCorrelationId, securityEvents, setIdentity } = require('@apitrail/identity');
const { presentedKey, verifyKey } = require('../shared/api-keys.js');

const port = Number(process.env.PORT ?? 3000);
const logger = logs.getLogger('example-express');
const app = express();

app.get('/health', (request, response) => response.status(204).end());

app.use('/api', (request, response, next) => {
  const key = verifyKey(presentedKey(request.headers));
  if (key === undefined) {
    response.status(401).json({ error: 'unauthorized' });
    return;
  }
  setIdentity({ apiKeyId: key.id, apiKeyName: key.name, tenantId: key.tenant_id, authenticationMethod: 'api_key' });
  response.locals.tenantId = key.tenant_id;
  next();
});

app.get('/api/v1/scans', (request, response) => {
  logger.emit({ body: 'listing scans' });
  response.json({ scans: [], requestId: getCorrelationId() });
});

app.get('/api/v1/tenants/:tenant/scans', (request, response) => {
  if (request.params.tenant !== response.locals.tenantId) {
    response.status(403).json({ error: 'forbidden' });
    return;
  }
  response.json({ scans: [] });
});

app.post('/api/v1/scans', express.json(), (request, response) => {
  if (typeof request.body?.provider !== 'string') {
    response.status(422).json({ error: 'provider is required' });
    return;
  }
  response.status(201).json({ id: randomUUID() });
});

app.post('/api/v1/tokens', (request, response) => {
  const tokenId = randomUUID();
  securityEvents.tokenCreated({ tokenId, description: 'API token created' });
  response.status(201).json({ id: tokenId });
});

app.get('/api/v1/limited', (request, response) => {
  response.set('Retry-After', '60').status(429).json({ error: 'rate limit exceeded' });
});

app.get('/api/v1/boom', () => {
  throw new Error('scan backend unavailable');
});

// Malformed JSON bodies arrive here as 400s; everything else unexpected is a 500, reported to
// apitrail with its (sanitised) exception: Express caught it, so apitrail cannot see it by itself.
app.use((error, request, response, next) => {
  void next;
  if (error.status === 400) return response.status(400).json({ error: 'bad request' });
  recordRequestException(request, error);
  response.status(500).json({ error: 'internal' });
});

const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : port })}\n`,
  );
});
