// Zero-code: an Express API with its own winston logger, started under the register.
//   DEMO_API_KEY=... node --require @apitrail/auto/register examples/winston/express.js
// Its log lines gain trace_id, span_id, request_id, api_key_id and tenant_id, and reach the
// collector through the OTel log bridge; the logger's format and transport are the app's own.
'use strict';
const express = require('express');
const winston = require('winston');
const { authenticate, listScans, announce } = require('./api.js');

const logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.Console()],
});

const app = express();
app.get('/api/v1/scans', (request, response) => {
  if (!authenticate(logger, request.get('authorization'))) {
    response.status(401).json({ error: 'unauthorized' });
    return;
  }
  response.json(listScans(logger, request.get('authorization'), request.query.provider));
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => announce(server));
