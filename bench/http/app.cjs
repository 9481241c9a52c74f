// The server under test: the same trivial handler for every configuration. BENCH_APP=node is a bare
// node:http handler; BENCH_APP=express is an Express 5 route with path parameters and a JSON body,
// the "realistic route" variant. BENCH_ACCESS_LOG=pino_http|morgan puts that access logger in front
// of the handler, writing one line per request to BENCH_ACCESS_LOG_FILE: the loggers apitrail's
// audit-only configuration is compared with. Prints {"listening":port} like the examples do.
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

/**
 * Each logger as its documentation sets it up to write to a file, with its defaults: pino-http with
 * pino's own file destination (sonic-boom, asynchronous), morgan's `combined` format (the Apache
 * access-log line) on an appending file stream.
 */
function withAccessLog(handler) {
  const logger = process.env.BENCH_ACCESS_LOG;
  if (logger === undefined || logger === '') return handler;
  const file = process.env.BENCH_ACCESS_LOG_FILE;
  if (file === undefined || file === '') throw new Error('BENCH_ACCESS_LOG needs BENCH_ACCESS_LOG_FILE');
  let log;
  if (logger === 'pino_http') {
    const pino = require('pino');
    log = require('pino-http')({ logger: pino(pino.destination(file)) });
  } else if (logger === 'morgan') {
    log = require('morgan')('combined', { stream: require('node:fs').createWriteStream(file, { flags: 'a' }) });
  } else {
    throw new Error(`BENCH_ACCESS_LOG must be pino_http or morgan, got ${logger}`);
  }
  return logger === 'morgan'
    ? (request, response) => log(request, response, () => handler(request, response))
    : (request, response) => {
        log(request, response);
        handler(request, response);
      };
}

const server = http.createServer(withAccessLog(process.env.BENCH_APP === 'express' ? expressApp() : plainHandler));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
