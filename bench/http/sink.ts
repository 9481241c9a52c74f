// A minimal OTLP/HTTP receiver that accepts and discards everything: the export destination shared
// by configurations B, C and D, so that none of them pays for a collector the others don't. It runs
// in its own process and counts what it received (GET /stats), so the benchmark can show that each
// configuration really exported rather than silently failing.
//
// The outage benchmark points C at a failing collector through the same process: an endpoint whose
// first path segment names a failure (OTEL_EXPORTER_OTLP_ENDPOINT=http://<sink>/stalled, so exports
// go to /stalled/v1/logs) gets that failure instead of a success.
import { createServer, type ServerResponse } from 'node:http';

/** How the sink answers an export under /<failure>/, once the request body has been read. */
export const SINK_FAILURES = {
  /** Accepts the request and never answers: the exporter's timeout is all that ends it. */
  stalled: () => {},
  '503': (response: ServerResponse) => response.writeHead(503).end(),
  /** A collector pushing back says when to come again; the OTLP exporter honours Retry-After. */
  '429': (response: ServerResponse) => response.writeHead(429, { 'retry-after': '1' }).end(),
} as const satisfies Record<string, (response: ServerResponse) => void>;

export type SinkFailure = keyof typeof SINK_FAILURES;

interface SignalStats {
  requests: number;
  bytes: number;
}

function isSinkFailure(name: string | undefined): name is SinkFailure {
  return name !== undefined && Object.hasOwn(SINK_FAILURES, name);
}

function startSink(): void {
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
      const failure = request.url?.split('/')[1];
      if (isSinkFailure(failure)) {
        SINK_FAILURES[failure](response);
        return;
      }
      // An empty Export*ServiceResponse: zero bytes in protobuf, `{}` in JSON.
      const json = request.headers['content-type']?.includes('json') === true;
      response
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
    });
  });

  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`,
    );
  });
}

if (import.meta.main) startSink();
