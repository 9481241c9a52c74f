// A plain node:http API. Run it under apitrail with no code change:
//   node --require @apitrail/auto/register examples/node-http/server.js
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') {
    response.writeHead(204).end();
    return;
  }
  if (url.pathname.startsWith('/api/v1/scans')) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ scans: [], provider: url.searchParams.get('provider') }));
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
