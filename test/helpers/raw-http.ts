// A raw-socket HTTP/1.1 client for hostile input: fetch refuses CR/LF, control characters and
// invalid UTF-8 in a request, which is exactly what these tests must send.
import { connect } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed the connection without an HTTP response. */
  status: number;
  headers: string;
  body: string;
}

/** Sends `head` (request line and headers, CRLF-separated, without the final blank line) and reads the answer. */
export function rawRequest(port: number, head: Buffer | string, body: Buffer | string = ''): Promise<RawResponse> {
  const payload = Buffer.concat([
    Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1'),
    Buffer.from(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`, 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headers = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
      resolve({ status, headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
    socket.end(payload);
  });
}
