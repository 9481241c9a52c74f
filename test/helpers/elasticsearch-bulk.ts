// A minimal HTTP endpoint speaking the part of the Elasticsearch REST API an exporter uses: it answers
// as Elasticsearch (the `X-Elastic-Product` header the official Go client checks) and accepts
// `POST /_bulk`, recording each request's credentials and its NDJSON body split into action/document
// pairs, and acknowledging every item. Stands in where no Elasticsearch-compatible store can be had.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface BulkRequest {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  /** The raw (decompressed) body, to check the NDJSON framing itself. */
  readonly body: string;
  readonly items: { action: Record<string, Record<string, unknown>>; document: Record<string, unknown> }[];
}

export interface RunningBulkEndpoint {
  readonly url: string;
  readonly requests: BulkRequest[];
  stop(): Promise<void>;
}

const ACTIONS_WITH_DOCUMENT = new Set(['index', 'create', 'update']);

function parseBulk(body: string): BulkRequest['items'] {
  const lines = body.split('\n').filter((line) => line !== '');
  const items: BulkRequest['items'] = [];
  for (let index = 0; index < lines.length; index++) {
    const action = JSON.parse(lines[index]!) as Record<string, Record<string, unknown>>;
    const [name] = Object.keys(action);
    if (Object.keys(action).length !== 1 || name === undefined) {
      throw new Error(`bulk line ${index + 1} is not an action: ${lines[index]}`);
    }
    const document = ACTIONS_WITH_DOCUMENT.has(name)
      ? (JSON.parse(lines[++index] ?? 'null') as Record<string, unknown>)
      : {};
    items.push({ action, document });
  }
  return items;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

/** An ECS field from an Elasticsearch document, whether the exporter nested it or kept it dotted. */
export function ecsField(document: Record<string, unknown>, path: string): unknown {
  if (path in document) return document[path];
  const [head, ...rest] = path.split('.');
  for (let split = 1; split <= rest.length; split++) {
    const key = [head, ...rest.slice(0, split - 1)].join('.');
    const child = document[key];
    if (child !== null && typeof child === 'object') {
      const found = ecsField(child as Record<string, unknown>, rest.slice(split - 1).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export async function startBulkEndpoint(): Promise<RunningBulkEndpoint> {
  const requests: BulkRequest[] = [];
  const server: Server = createServer((request, response) => {
    response.setHeader('X-Elastic-Product', 'Elasticsearch');
    response.setHeader('content-type', 'application/json');
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'POST' && path === '/_bulk') {
      readBody(request)
        .then((body) => {
          const items = parseBulk(body);
          requests.push({
            authorization: request.headers.authorization,
            contentType: request.headers['content-type'],
            body,
            items,
          });
          const results = items.map(({ action }) => {
            const [name, meta] = Object.entries(action)[0]!;
            return { [name]: { _index: meta._index, status: 201, result: 'created' } };
          });
          response.end(JSON.stringify({ took: 1, errors: false, items: results }));
        })
        .catch((error: Error) => {
          response.statusCode = 400;
          response.end(JSON.stringify({ error: { type: 'parse_exception', reason: error.message }, status: 400 }));
        });
      return;
    }
    if (path === '/') {
      response.end(JSON.stringify({ version: { number: '8.17.0' }, tagline: 'You Know, for Search' }));
      return;
    }
    response.statusCode = 404;
    response.end(JSON.stringify({ error: 'not found', status: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
