// Zero-code for an ES-module app: node --import @apitrail/auto/register examples/winston/esm.mjs
// winston is CommonJS inside, so the same require-time patch applies.
import { createServer } from 'node:http';
import winston from 'winston';

const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Console()] });

const server = createServer((request, response) => {
  logger.info('esm handler', { path: request.url });
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
