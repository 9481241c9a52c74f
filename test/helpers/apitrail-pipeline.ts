// The production pipeline of collector-config/ on loopback: an agent (agent.yaml + redaction.yaml)
// forwarding to a gateway (gateway.yaml + the SIEM files a test picks), each on its own ports and
// directories, so a test can kill and restart either one with its disk state intact.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveDocuments } from '../../scripts/lib/otlp-archive.mjs';
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
  /** Starts the collector again with the same ports, configuration and directories. */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  diagnostics(): string;
}

async function tier(binary: string, configFiles: string[], env: Record<string, string>): Promise<Tier> {
  const otlpPort = await freePort();
  const healthPort = await freePort();
  const tierEnv = { ...env, APITRAIL_COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}` };
  let running: CollectorProcess | undefined;
  let history = '';
  const self: Tier = {
    otlpHttpEndpoint: `http://127.0.0.1:${otlpPort}`,
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
  const gateway = await tier(binary, ['gateway.yaml', ...siemFiles], {
    APITRAIL_COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${await freePort()}`,
    APITRAIL_ARCHIVE_DIR: archiveDir,
    APITRAIL_GATEWAY_STORAGE_DIR: storageDir,
    ...env,
  });
  return {
    ...gateway,
    archiveDir,
    archivedLogs: async () => decodeLogLines(await archiveText(archiveDir, 'logs.otlp.jsonl')),
    securityEvents: async () => decodeLogLines(await archiveText(archiveDir, 'security-events.otlp.jsonl')),
    authFailureCounts: async () => decodeSumPointLines(await archiveText(archiveDir, 'auth-failures.otlp.jsonl')),
  };
}

export async function startAgent(binary: string, gatewayEndpoint: string): Promise<Tier> {
  return tier(binary, ['agent.yaml', 'redaction.yaml'], {
    APITRAIL_AGENT_QUEUE_DIR: await mkdtemp(join(tmpdir(), 'apitrail-agent-queue-')),
    APITRAIL_GATEWAY_ENDPOINT: gatewayEndpoint,
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
