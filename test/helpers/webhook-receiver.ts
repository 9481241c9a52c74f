// A real HTTP webhook receiver on a loopback port: records each POST's headers and raw body, and
// answers with the statuses it is told to (then 200).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  readonly status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly posts: ReceivedPost[];
  /** Only the POSTs answered 2xx. */
  accepted(): ReceivedPost[];
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one); answers the first POSTs with `statuses`, the rest with 200. */
export async function startWebhookReceiver(port = 0, statuses: number[] = []): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const pending = [...statuses];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = pending.shift() ?? 200;
      posts.push({ headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/hooks/apitrail`,
    posts,
    accepted: () => posts.filter((post) => post.status < 300),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
