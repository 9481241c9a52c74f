// An ES-module app, started with the ESM entry of the register:
//   node --import @apitrail/auto/register examples/esm/server.mjs
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  response.writeHead(request.url?.startsWith('/api/') ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ module: 'esm', url: request.url }));
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
});
