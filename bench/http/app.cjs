// The server under test: the same trivial handler for every configuration. BENCH_APP=node is a bare
// node:http handler; BENCH_APP=express is an Express 5 route with path parameters and a JSON body,
// the "realistic route" variant. Prints {"listening":port} like the examples do.
'use strict';
const http = require('node:http');

function plainHandler(request, response) {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('ok');
}

function expressApp() {
  const express = require('express');
  const app = express();
  app.get('/api/v1/tenants/:tenant/scans/:scan', (request, response) => {
    response.json({ tenant: request.params.tenant, scan: request.params.scan, provider: request.query.provider });
  });
  return app;
}

const server = http.createServer(process.env.BENCH_APP === 'express' ? expressApp() : plainHandler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
