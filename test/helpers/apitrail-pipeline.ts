// The production pipeline of collector-config/ on loopback: an agent (agent.yaml + redaction.yaml)
// forwarding to a gateway (gateway.yaml + the SIEM files a test picks), each on its own ports and
// directories, so a test can kill and restart either one with its disk state intact.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { archiveDocuments } from '../../scripts/lib/otlp-archive.mjs';
import { startApp, type RunningApp } from './app.ts';
import { spawnCollector, type CollectorProcess } from './collector.ts';
import {
  decodeLogLines,
  decodeSumPointLines,
  encodeLogsRequest,
  type CraftedLogRecord,
  type ExportedLogRecord,
  type ExportedSumPoint,
} from './otlp-json.ts';
import { freePort } from './ports.ts';

export interface Tier {
  readonly otlpHttpEndpoint: string;
  /** The collector's own metrics, Prometheus text format. */
  readonly metricsUrl: string;
  /** Starts the collector again with the same ports, configuration and directories. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  diagnostics(): string;
}

async function tier(binary: string, configFiles: string[], env: Record<string, string>): Promise<Tier> {
  const otlpPort = await freePort();
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const tierEnv = {
    ...env,
    APITRAIL_COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
    APITRAIL_COLLECTOR_METRICS_PORT: String(metricsPort),
  };
  let running: CollectorProcess | undefined;
  let history = '';
  const self: Tier = {
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
  await self.start();
  return self;
}

/** Every file the file exporter wrote for `name` (the live one and rotated backups), decoded. */
async function archiveText(dir: string, name: string): Promise<string> {
  const stem = name.replace(/\.otlp\.jsonl$/, '');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.startsWith(stem)).sort();
  const documents: string[] = [];
  for (const file of files) documents.push(...archiveDocuments(await readFile(join(dir, file))));
  return documents.join('\n');
}

export interface Gateway extends Tier {
  /** OTLP/gRPC, what the loadbalancing exporter speaks. */
  readonly otlpGrpcHostPort: string;
  readonly archiveDir: string;
  /** Every log record in the retention archive (compressed on disk). */
  archivedLogs(): Promise<ExportedLogRecord[]>;
  /** The local security-events file. */
  securityEvents(): Promise<ExportedLogRecord[]>;
  authFailureCounts(): Promise<ExportedSumPoint[]>;
}

export async function startGateway(
  binary: string,
  siemFiles: string[] = [],
  env: Record<string, string> = {},
): Promise<Gateway> {
  const archiveDir = await mkdtemp(join(tmpdir(), 'apitrail-archive-'));
  const storageDir = await mkdtemp(join(tmpdir(), 'apitrail-gateway-queues-'));
  const otlpGrpcHostPort = `127.0.0.1:${await freePort()}`;
  const gateway = await tier(binary, ['gateway.yaml', ...siemFiles], {
    APITRAIL_COLLECTOR_OTLP_GRPC_ENDPOINT: otlpGrpcHostPort,
    APITRAIL_ARCHIVE_DIR: archiveDir,
    APITRAIL_GATEWAY_STORAGE_DIR: storageDir,
    ...env,
  });
  return {
    ...gateway,
    otlpGrpcHostPort,
    archiveDir,
    archivedLogs: async () => decodeLogLines(await archiveText(archiveDir, 'logs.otlp.jsonl')),
    securityEvents: async () => decodeLogLines(await archiveText(archiveDir, 'security-events.otlp.jsonl')),
    authFailureCounts: async () => decodeSumPointLines(await archiveText(archiveDir, 'auth-failures.otlp.jsonl')),
  };
}

/** An agent sending to one gateway, or spreading over several with agent-loadbalancing.yaml. */
export async function startAgent(binary: string, gateways: Gateway | Gateway[]): Promise<Tier> {
  const queueDir = await mkdtemp(join(tmpdir(), 'apitrail-agent-queue-'));
  if (!Array.isArray(gateways)) {
    return tier(binary, ['agent.yaml', 'redaction.yaml'], {
      APITRAIL_AGENT_QUEUE_DIR: queueDir,
      APITRAIL_GATEWAY_ENDPOINT: gateways.otlpHttpEndpoint,
    });
  }
  return tier(binary, ['agent.yaml', 'redaction.yaml', 'agent-loadbalancing.yaml'], {
    APITRAIL_AGENT_QUEUE_DIR: queueDir,
    APITRAIL_GATEWAY_HOSTS: `[${gateways.map((gateway) => gateway.otlpGrpcHostPort).join(', ')}]`,
    APITRAIL_GATEWAY_TLS_INSECURE: 'true',
  });
}

/** Sends hand-made log records over OTLP/HTTP JSON, exactly as an SDK would; fails on refusal. */
export async function sendLogs(
  endpoint: string,
  resource: Record<string, string>,
  scope: { name: string; version?: string },
  records: readonly CraftedLogRecord[],
): Promise<void> {
  const response = await fetch(`${endpoint}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: encodeLogsRequest(resource, scope, records),
  });
  if (!response.ok) throw new Error(`OTLP export refused: ${response.status} ${await response.text()}`);
}

/** An example app under the register, exporting its spans and logs to `agent`. */
export function startAppOnAgent(agent: Tier, script: string, env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp({
    script,
    env: {
      OTEL_SERVICE_NAME: 'pipeline-e2e',
      OTEL_EXPORTER_OTLP_ENDPOINT: agent.otlpHttpEndpoint,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_BLRP_SCHEDULE_DELAY: '50',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      ...env,
    },
  });
}

/**
 * Runs the node:http example against the agent, sends one request per id (`pauseMs` apart, to keep
 * a stream going while a collector is killed), then flushes.
 */
export async function sendRequests(agent: Tier, ids: string[], pauseMs = 0): Promise<void> {
  const app = await startAppOnAgent(agent, 'examples/node-http/server.js');
  for (const id of ids) {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { 'x-request-id': id } });
    if (response.status !== 200) throw new Error(`request ${id}: status ${response.status}`);
    if (pauseMs > 0) await sleep(pauseMs);
  }
  // SIGTERM flushes the SDK; its export succeeds only once the agent has the records on disk.
  await app.stop();
}
