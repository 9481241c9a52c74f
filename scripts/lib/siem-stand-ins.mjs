// Local stand-ins for the SIEMs collector-config/siem-*.yaml deliver to, needing nothing installed
// beyond the project's collector: a syslog receiver (RFC 6587 octet-counted TCP, no TLS), a Splunk
// HTTP Event Collector (a second collector running the contrib `splunk_hec` receiver, the HEC
// server side). Used by `npm run demo -- --collector` and by the end-to-end tests (which use a real
// rsyslog for syslog: test/helpers/rsyslog.ts). Elasticsearch has no stand-in: the tests and
// `npm run demo -- --siem` index into a real OpenSearch (scripts/lib/opensearch.mjs).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnCollector } from './collector-pipeline.mjs';

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
