// A node:http API whose OpenTelemetry setup is its own (./otel.js), with apitrail's parts in it.
// No register:
//   EXAMPLE_API_KEYS_FILE=keys.json OTEL_LOGS_EXPORTER=ndjson OTEL_TRACES_EXPORTER=none node examples/programmatic/server.js
'use strict';
require('./otel.js');
const http = require('node:http');
const { getCorrelationId } = require('@apitrail/identity');
const { presentedKey, verifyKey } = require('../shared/api-keys.js');

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') {
    response.writeHead(204).end();
    return;
  }
  if (verifyKey(presentedKey(request.headers)) === undefined) {
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    return;
  }
  if (url.pathname === '/api/v1/scans') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ scans: [], requestId: getCorrelationId() }));
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : port })}\n`,
  );
});
