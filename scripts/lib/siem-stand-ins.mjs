// Local stand-ins for the SIEMs collector-config/siem-*.yaml deliver to, needing nothing installed
// beyond the project's collector: a syslog receiver (RFC 6587 octet-counted TCP, no TLS), a Splunk
// HTTP Event Collector (a second collector running the contrib `splunk_hec` receiver, the HEC
// server side) and an Elasticsearch bulk endpoint. Used by `npm run demo -- --collector` and by the
// end-to-end tests (which use a real rsyslog for syslog: test/helpers/rsyslog.ts).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort, spawnCollector } from './collector-pipeline.mjs';

export { ecsField } from './ecs-document.mjs';

const listen = (server) =>
  new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen(server.address().port));
  });

const close = (server) => new Promise((resolveClose) => server.close(() => resolveClose()));

/** rsyslog's largest configurable message is far below this; a bigger count is a framing error. */
const MAX_SYSLOG_FRAME_BYTES = 1 << 20;
const MAX_LENGTH_DIGITS = String(MAX_SYSLOG_FRAME_BYTES).length;

const framingError = (bytes) =>
  new Error(`not an octet-counted syslog frame: ${JSON.stringify(bytes.subarray(0, 20).toString('latin1'))}`);

/**
 * Splits octet-counted syslog frames (`MSG-LEN SP SYSLOG-MSG`, RFC 6587 3.4.1) out of a TCP byte
 * stream: `push` each chunk as it arrives; `onFrame` gets every complete message, in order, however
 * the stream was cut into chunks. A malformed length throws: the stream cannot be resynchronised.
 */
export function octetCountedFrames(onFrame) {
  let pending = Buffer.alloc(0);
  return {
    push(chunk) {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const space = pending.indexOf(0x20);
        if (space === -1) {
          // The length is still arriving: only digits, and no more than the largest length has.
          if (pending.length > MAX_LENGTH_DIGITS || !/^[0-9]*$/.test(pending.toString('latin1'))) {
            throw framingError(pending);
          }
          return;
        }
        const lengthText = pending.subarray(0, space).toString('latin1');
        const length = Number(lengthText);
        if (!/^[1-9][0-9]*$/.test(lengthText) || length > MAX_SYSLOG_FRAME_BYTES) throw framingError(pending);
        const end = space + 1 + length;
        if (pending.length < end) return;
        onFrame(pending.subarray(space + 1, end).toString('utf8'));
        pending = pending.subarray(end);
      }
    },
  };
}

/**
 * A syslog receiver on a loopback TCP port, without TLS (the sender needs
 * APITRAIL_SYSLOG_TLS_INSECURE=true): the messages (RFC 5424 header and message) in arrival order.
 * A connection sending anything but octet-counted frames is closed and the reason kept.
 */
export async function startSyslogReceiver() {
  const messages = [];
  const errors = [];
  const connections = new Set();
  const server = createTcpServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    const frames = octetCountedFrames((message) => messages.push(message.replace(/\n$/, '')));
    socket.on('data', (chunk) => {
      try {
        frames.push(chunk);
      } catch (error) {
        errors.push(error.message);
        socket.destroy();
      }
    });
    socket.on('error', (error) => errors.push(error.message));
  });
  const port = await listen(server);
  return {
    host: '127.0.0.1',
    port,
    messages: () => [...messages],
    errors: () => [...errors],
    stop: async () => {
      // The exporter keeps its connection open: close() alone would wait for it forever.
      for (const socket of connections) socket.destroy();
      await close(server);
    },
  };
}

/**
 * A real peer speaking Splunk's HTTP Event Collector protocol: the project's collector running the
 * `splunk_hec` receiver and writing what it accepted to an OTLP-JSON file. HEC metadata arrives as
 * resource attributes: `com.splunk.index`, `com.splunk.sourcetype`, `com.splunk.source`, `host.name`,
 * and the token the sender presented as `com.splunk.hec.access_token` (passthrough).
 */
export async function startSplunkHecPeer(binary) {
  const dir = await mkdtemp(join(tmpdir(), 'apitrail-hec-peer-'));
  const port = await freePort();
  const output = join(dir, 'hec-events.jsonl');
  const config = join(dir, 'hec-peer.yaml');
  await writeFile(
    config,
    `extensions:
  health_check:
    endpoint: \${env:APITRAIL_COLLECTOR_HEALTH_ENDPOINT}
receivers:
  splunk_hec:
    endpoint: 127.0.0.1:${port}
    access_token_passthrough: true
exporters:
  file/hec:
    path: ${output}
    flush_interval: 100ms
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [splunk_hec]
      exporters: [file/hec]
`,
  );
  const collector = await spawnCollector(binary, [config], {}, await freePort());
  return {
    endpoint: `http://127.0.0.1:${port}/services/collector`,
    /** What the peer accepted so far: OTLP-JSON, one export per line. */
    text: () =>
      readFile(output, 'utf8').catch((error) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      }),
    stop: () => collector.stop(),
  };
}

const ACTIONS_WITH_DOCUMENT = new Set(['index', 'create', 'update']);

function parseBulk(body) {
  const lines = body.split('\n').filter((line) => line !== '');
  const items = [];
  for (let index = 0; index < lines.length; index++) {
    const action = JSON.parse(lines[index]);
    const [name] = Object.keys(action);
    if (Object.keys(action).length !== 1 || name === undefined) {
      throw new Error(`bulk line ${index + 1} is not an action: ${lines[index]}`);
    }
    const document = ACTIONS_WITH_DOCUMENT.has(name) ? JSON.parse(lines[++index] ?? 'null') : {};
    items.push({ action, document });
  }
  return items;
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * A minimal HTTP endpoint speaking the part of the Elasticsearch REST API an exporter uses: it answers
 * as Elasticsearch (the `X-Elastic-Product` header the official Go client checks) and accepts
 * `POST /_bulk`, recording each request's credentials and its NDJSON body split into action/document
 * pairs, and acknowledging every item.
 */
export async function startBulkEndpoint() {
  const requests = [];
  const server = createHttpServer((request, response) => {
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
            const [name, meta] = Object.entries(action)[0];
            return { [name]: { _index: meta._index, status: 201, result: 'created' } };
          });
          response.end(JSON.stringify({ took: 1, errors: false, items: results }));
        })
        .catch((error) => {
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
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => close(server),
  };
}
