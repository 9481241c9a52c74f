#!/usr/bin/env node
// `npm run demo`: starts the example API under `node --require @apitrail/auto/register`, with the
// embedded defaults (NDJSON audit records on stdout, no collector needed), sends a few requests
// and shows what apitrail recorded.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const app = spawn(
  process.execPath,
  ['--require', '@apitrail/auto/register', join(root, 'examples/node-http/server.js')],
  {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      OTEL_SERVICE_NAME: 'apitrail-demo',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'ndjson',
      OTEL_BLRP_SCHEDULE_DELAY: '50',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);

const lines = createInterface({ input: app.stdout });
const port = await new Promise((resolve, reject) => {
  app.once('exit', (code) => reject(new Error(`the example app exited with ${code}`)));
  lines.on('line', (line) => {
    if (line.startsWith('{"listening"')) resolve(JSON.parse(line).listening);
    else process.stdout.write(`${line}\n`);
  });
});

const base = `http://127.0.0.1:${port}`;
const requests = [
  ['/api/v1/scans?provider=aws&limit=100', { 'user-agent': 'ProwlerClient/1.0', 'x-request-id': 'demo-request-1' }],
  ['/api/v1/scans?provider=gcp', { 'user-agent': 'curl/8.5.0' }],
  ['/api/v1/unknown', { 'user-agent': 'scanner/0.1', 'x-request-id': '../../etc/passwd <script>' }],
];
process.stderr.write(`apitrail demo: example API on ${base}; audit records follow (NDJSON, one per request)\n`);
for (const [path, headers] of requests) {
  const response = await fetch(`${base}${path}`, { headers });
  await response.arrayBuffer();
}
app.kill('SIGTERM');
await once(app, 'exit');
