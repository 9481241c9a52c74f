// Zero-code: a node:http API with its own winston logger, started under the register.
//   DEMO_API_KEY=... node --require @apitrail/auto/register examples/winston/node-http.js
'use strict';
const http = require('node:http');
const winston = require('winston');
const { authenticate, listScans, announce } = require('./api.js');

const logger = winston.createLogger({
  format: winston.format.simple(),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info'] })],
});

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== '/api/v1/scans') {
    response.writeHead(404).end();
    return;
  }
  const authorization = request.headers.authorization;
  if (!authenticate(logger, authorization)) {
    response.writeHead(401).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(listScans(logger, authorization, url.searchParams.get('provider'))));
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => announce(server));
