// A bare OTLP/HTTP endpoint that answers every export with 200 and keeps what it was sent: which
// path, which headers, which body. For tests of where and how apitrail exports, not of what a
// collector does with it.
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface RecordedExport {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface OtlpRecorder {
  readonly endpoint: string;
  readonly exports: readonly RecordedExport[];
  stop(): Promise<void>;
}

/** The body of a 200 answer to an export; empty (a full success) unless a test says otherwise. */
export type RecorderAnswer = (recorded: RecordedExport) => Buffer | string;

/** `delayMs`: how long each answer takes (a collector some way off). */
export async function startOtlpRecorder(answer: RecorderAnswer = () => '', delayMs = 0): Promise<OtlpRecorder> {
  const exports: RecordedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      const reply = (): void => {
        exports.push(recorded);
        response
          .writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' })
          .end(answer(recorded));
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The register's environment for sending spans to `recorder` as OTLP/JSON (what `decodeSpanLines` reads). */
export function jsonTracesTo(recorder: OtlpRecorder): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${recorder.endpoint}/v1/traces`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
  };
}
