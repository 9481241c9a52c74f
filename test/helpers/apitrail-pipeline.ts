// The production pipeline of collector-config/ on loopback: an agent (agent.yaml + redaction.yaml)
// forwarding to a gateway (gateway.yaml + the SIEM files a test picks), each on its own ports and
// directories, so a test can kill and restart either one with its disk state intact.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  archiveText,
  startAgent,
  startGateway as startGatewayTier,
  type GatewayTier,
  type Tier,
} from '../../scripts/lib/collector-pipeline.mjs';
import { APITRAIL_EVENTS, ATTR_INTEGRITY_FINAL } from '@apitrail/core/internal';
import { startApp, type RunningApp } from './app.ts';
import { requireCollector } from './collector.ts';
import { waitFor } from './wait.ts';
import {
  decodeLogLines,
  decodeSumPointLines,
  encodeLogsRequest,
  type CraftedLogRecord,
  type ExportedLogRecord,
  type ExportedSumPoint,
} from './otlp-json.ts';

export { startAgent, type Tier };

export interface Gateway extends GatewayTier {
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
  const gateway = await startGatewayTier(binary, siemFiles, env);
  const { archiveDir } = gateway;
  return {
    ...gateway,
    archivedLogs: async () => decodeLogLines(await archiveText(archiveDir, 'logs.otlp.jsonl')),
    securityEvents: async () => decodeLogLines(await archiveText(archiveDir, 'security-events.otlp.jsonl')),
    authFailureCounts: async () => decodeSumPointLines(await archiveText(archiveDir, 'detection-metrics.otlp.jsonl')),
  };
}

/**
 * The pipeline most tests run: a gateway (no SIEM files) and an agent forwarding to it. The calling
 * suite is skipped where the collector cannot be built; when the agent fails to start, the gateway
 * is stopped before the error is thrown.
 */
export async function startGatewayAndAgent(context: Mocha.Context): Promise<{ gateway: Gateway; agent: Tier }> {
  const binary = await requireCollector(context);
  const gateway = await startGateway(binary);
  try {
    return { gateway, agent: await startAgent(binary, gateway) };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

/**
 * A gateway sending audit records and security events to Splunk HEC at `hecEndpoint` and to the
 * Elasticsearch API at `elasticsearchUrl` (OpenSearch in the tests) (siem-audit-records, siem-splunk
 * and siem-elasticsearch.yaml), with credentials generated per run.
 */
export function startAuditSiemGateway(binary: string, hecEndpoint: string, elasticsearchUrl: string): Promise<Gateway> {
  return startGateway(binary, ['siem-audit-records.yaml', 'siem-splunk.yaml', 'siem-elasticsearch.yaml'], {
    SPLUNK_HEC_TOKEN: randomBytes(16).toString('hex'),
    SPLUNK_HEC_ENDPOINT: hecEndpoint,
    ELASTICSEARCH_ENDPOINT: elasticsearchUrl,
    ELASTICSEARCH_USERNAME: `apitrail-${randomBytes(4).toString('hex')}`,
    ELASTICSEARCH_PASSWORD: randomBytes(18).toString('base64url'),
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

/** Waits until the archive holds a chain's closing checkpoint (the signing app has shut down), then returns every archived record. */
export function archivedThroughClosingCheckpoint(gateway: Gateway): Promise<ExportedLogRecord[]> {
  return waitFor('the closing checkpoint in the archive', async () => {
    const records = await gateway.archivedLogs();
    const closed = records.some(
      (record) =>
        record.eventName === APITRAIL_EVENTS.integrityCheckpoint && record.attributes[ATTR_INTEGRITY_FINAL] === true,
    );
    return closed ? records : undefined;
  });
}
