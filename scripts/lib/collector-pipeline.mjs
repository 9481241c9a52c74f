// The production pipeline of collector-config/ on loopback: an agent (agent.yaml + redaction.yaml)
// forwarding to a gateway (gateway.yaml + the SIEM files a caller picks), each on its own ports and
// directories, so a caller can kill and restart either one with its disk state intact. Used by
// `npm run demo -- --collector` and by the end-to-end tests (test/helpers/apitrail-pipeline.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inputLines, openInput } from '@apitrail/cli/internal';

export const collectorConfigDir = resolve(import.meta.dirname, '..', '..', 'collector-config');

/** An ephemeral loopback port that was free a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const HEALTH_TIMEOUT_MS = 15000;

/**
 * Runs the collector with `configFiles` (names in collector-config/, or absolute paths) merged in
 * order, and waits until its health_check extension (on `healthPort`) answers.
 */
export async function spawnCollector(binary, configFiles, env, healthPort) {
  const args = configFiles.flatMap((file) => ['--config', resolve(collectorConfigDir, file)]);
  const child = spawn(binary, args, {
    env: { ...process.env, APITRAIL_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let diagnostics = '';
  child.stdout.on('data', (chunk) => (diagnostics += chunk.toString()));
  child.stderr.on('data', (chunk) => (diagnostics += chunk.toString()));
  const exited = new Promise((resolveExit) => child.once('exit', () => resolveExit()));
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`collector exited with ${child.exitCode}\n--- collector output ---\n${diagnostics}`);
    }
    const healthy = await fetch(`http://127.0.0.1:${healthPort}/`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`timed out waiting for collector health\n--- collector output ---\n${diagnostics}`);
    }
    await sleep(100);
  }
  return {
    process: child,
    diagnostics: () => diagnostics,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function startTier(binary, configFiles, env) {
  const otlpPort = await freePort();
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const tierEnv = {
    ...env,
    APITRAIL_COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
    APITRAIL_COLLECTOR_METRICS_PORT: String(metricsPort),
  };
  let running;
  let history = '';
  const tier = {
    otlpHttpEndpoint: `http://127.0.0.1:${otlpPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    start: async () => {
      running = await spawnCollector(binary, configFiles, tierEnv, healthPort);
    },
    stop: async (signal) => {
      await running?.stop(signal);
      history += running?.diagnostics() ?? '';
      running = undefined;
    },
    diagnostics: () => history + (running?.diagnostics() ?? ''),
  };
  await tier.start();
  return tier;
}

/** Every document the file exporter wrote for `name` (the live file and rotated backups), decoded. */
export async function archiveText(dir, name) {
  const stem = name.replace(/\.otlp\.jsonl$/, '');
  const files = (await readdir(dir).catch(() => [])).filter((file) => file.startsWith(stem)).sort();
  const documents = [];
  for (const file of files) {
    for await (const line of inputLines(openInput(join(dir, file)))) {
      if (typeof line !== 'string') throw new Error(`${file}: ${line.reason}`);
      if (line.trim() !== '') documents.push(line);
    }
  }
  return documents.join('\n');
}

/** gateway.yaml plus `siemFiles`, its archive and queues in fresh temporary directories. */
export async function startGateway(binary, siemFiles = [], env = {}) {
  const archiveDir = await mkdtemp(join(tmpdir(), 'apitrail-archive-'));
  const storageDir = await mkdtemp(join(tmpdir(), 'apitrail-gateway-queues-'));
  const otlpGrpcHostPort = `127.0.0.1:${await freePort()}`;
  const gateway = await startTier(binary, ['gateway.yaml', ...siemFiles], {
    APITRAIL_COLLECTOR_OTLP_GRPC_ENDPOINT: otlpGrpcHostPort,
    APITRAIL_ARCHIVE_DIR: archiveDir,
    APITRAIL_GATEWAY_STORAGE_DIR: storageDir,
    ...env,
  });
  return { ...gateway, otlpGrpcHostPort, archiveDir };
}

/** An agent sending to one gateway, or spreading over several with agent-loadbalancing.yaml. */
export async function startAgent(binary, gateways) {
  const queueDir = await mkdtemp(join(tmpdir(), 'apitrail-agent-queue-'));
  if (!Array.isArray(gateways)) {
    return startTier(binary, ['agent.yaml', 'redaction.yaml'], {
      APITRAIL_AGENT_QUEUE_DIR: queueDir,
      APITRAIL_GATEWAY_ENDPOINT: gateways.otlpHttpEndpoint,
    });
  }
  return startTier(binary, ['agent.yaml', 'redaction.yaml', 'agent-loadbalancing.yaml'], {
    APITRAIL_AGENT_QUEUE_DIR: queueDir,
    APITRAIL_GATEWAY_HOSTS: `[${gateways.map((gateway) => gateway.otlpGrpcHostPort).join(', ')}]`,
    APITRAIL_GATEWAY_TLS_INSECURE: 'true',
  });
}
