// For apps that bootstrap OpenTelemetry themselves, without the register. Here the app's logger
// module loads before the SDK starts (too early for any require-time patching), so one line opts
// the logger in: instrumentLogger(logger).
//   DEMO_API_KEY=... node examples/winston/explicit.js
// The logger also uses apitrail's formats: APITRAIL_LOG_FORMAT=ndjson|human_readable and
// APITRAIL_LOG_LEVEL pick the line format and the level.
'use strict';
const winston = require('winston');
const { apitrailLoggerOptions, instrumentLogger } = require('@apitrail/winston');

const logger = winston.createLogger({ ...apitrailLoggerOptions(), transports: [new winston.transports.Console()] });

// The app's own OpenTelemetry bootstrap, with apitrail's parts.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { apitrailComponents } = require('@apitrail/auto');

const apitrail = apitrailComponents();
const sdk = new NodeSDK({
  instrumentations: apitrail.instrumentations,
  spanProcessors: apitrail.spanProcessors,
  logRecordProcessors: apitrail.logRecordProcessors,
});
sdk.start();
apitrail.installRequestScope();
process.once('SIGTERM', () => void sdk.shutdown().finally(() => process.exit(0)));

instrumentLogger(logger);

const http = require('node:http');
const { authenticate, listScans, announce } = require('./api.js');

const server = http.createServer((request, response) => {
  const authorization = request.headers.authorization;
  if (!authenticate(logger, authorization)) {
    response.writeHead(401).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(listScans(logger, authorization, 'aws')));
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => announce(server));
