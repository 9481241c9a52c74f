// A minimal OTLP/HTTP receiver that accepts and discards everything: the export destination shared
// by configurations B, C and D, so that none of them pays for a collector the others don't. It runs
// in its own process and counts what it received (GET /stats), so the benchmark can show that each
// configuration really exported rather than silently failing.
import { createServer } from 'node:http';

interface SignalStats {
  requests: number;
  bytes: number;
}

const stats: Record<string, SignalStats> = {};

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const signal = (stats[request.url ?? '/'] ??= { requests: 0, bytes: 0 });
  signal.requests += 1;
  request.on('data', (chunk: Buffer) => (signal.bytes += chunk.length));
  request.on('end', () => {
    // An empty Export*ServiceResponse: zero bytes in protobuf, `{}` in JSON.
    const json = request.headers['content-type']?.includes('json') === true;
    response
      .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
      .end(json ? '{}' : '');
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
