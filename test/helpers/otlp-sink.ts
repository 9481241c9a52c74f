// A programmable stand-in for the collector's OTLP/HTTP endpoint, for outage tests: it forwards to
// a real collector when healthy, and can refuse connections (nothing listening), stall (accept the
// request, never answer), answer with an HTTP status such as 429 or 503, or hold requests until the
// next mode is set (a test decides when an export may finish).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type SinkMode =
  | { kind: 'forward' }
  | { kind: 'down' }
  | { kind: 'stall' }
  /** Keeps each request open until the next `setMode`, which then handles it as its mode says. */
  | { kind: 'hold' }
  | { kind: 'status'; status: number; retryAfterSeconds?: number };

export interface OtlpSink {
  /** What the app's OTEL_EXPORTER_OTLP_ENDPOINT points at; stable across outages. */
  readonly endpoint: string;
  /** Export requests that reached the sink while it was listening, per mode kind. */
  readonly received: Record<SinkMode['kind'], number>;
  setMode(mode: SinkMode): Promise<void>;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function forward(upstream: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const answer = await fetch(`${upstream}${request.url ?? '/'}`, {
    method: 'POST',
    headers: { 'content-type': request.headers['content-type'] ?? 'application/x-protobuf' },
    body,
  });
  const payload = Buffer.from(await answer.arrayBuffer());
  response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/x-protobuf' });
  response.end(payload);
}

export async function startOtlpSink(upstream: string): Promise<OtlpSink> {
  let mode: SinkMode = { kind: 'forward' };
  const received: Record<SinkMode['kind'], number> = { forward: 0, down: 0, stall: 0, status: 0, hold: 0 };
  const sockets = new Set<Socket>();
  let held: (() => void)[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    switch (mode.kind) {
      case 'hold':
        held.push(() => handle(request, response));
        return;
      case 'forward':
        forward(upstream, request, response).catch(() => response.destroy());
        return;
      case 'stall':
        request.resume();
        return;
      case 'status': {
        const headers = mode.retryAfterSeconds === undefined ? {} : { 'retry-after': String(mode.retryAfterSeconds) };
        readBody(request).then(
          () => response.writeHead(mode.kind === 'status' ? mode.status : 500, headers).end(),
          () => response.destroy(),
        );
        return;
      }
      case 'down':
        response.destroy();
    }
  };
  const server = createServer((request, response) => {
    received[mode.kind] += 1;
    handle(request, response);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  const port = await listen(0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    async setMode(next) {
      // Stalled requests are cut when the mode changes, as a collector restart would; held ones are
      // handled as the new mode says.
      if (mode.kind !== 'hold') for (const socket of sockets) socket.destroy();
      if (next.kind === 'down') await close();
      else if (!server.listening) await listen(port);
      mode = next;
      const release = held;
      held = [];
      for (const handleHeld of release) handleHeld();
    },
    stop: close,
  };
}
