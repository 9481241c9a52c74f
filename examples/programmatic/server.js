// A node:http API whose OpenTelemetry setup is its own (./otel.js), with apitrail's parts in it.
// No register:
//   EXAMPLE_API_KEYS_FILE=keys.json OTEL_LOGS_EXPORTER=ndjson OTEL_TRACES_EXPORTER=none node examples/programmatic/server.js
'use strict';
require('./otel.js');
const http = require('node:http');
const { getCorrelationId } = require('@apitrail/identity');
const { presentedKey, verifyKey } = require('../shared/api-keys.js');

const json = (response, status, body) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const routes = {
  'GET /api/v1/scans': (request, response) => json(response, 200, { scans: [], requestId: getCorrelationId() }),
};

const server = http.createServer((request, response) => {
  // The app's own authorization; who the caller is reached apitrail through resolveApiKey.
  if (verifyKey(presentedKey(request.headers)) === undefined) return json(response, 401, { error: 'unauthorized' });
  const route = routes[`${request.method} ${new URL(request.url ?? '/', 'http://localhost').pathname}`];
  return route === undefined ? json(response, 404, { error: 'not found' }) : route(request, response);
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
