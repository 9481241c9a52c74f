// `npm run demo -- --collector`: the demo's records through collector-config/'s real pipelines
// (agent.yaml + redaction.yaml, then gateway.yaml) on loopback ports and temporary directories,
// and what each of the gateway's sinks received.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_CLIENT_ADDRESS,
  EVENT_API_REQUEST,
  OWASP_EVENTS,
} from '@apitrail/core';
import { buildCollector, collectorBinary } from './collector-dist.mjs';
import { archiveText, startAgent, startGateway } from './collector-pipeline.mjs';
import { readApitrailRecords, table } from './demo-report.mjs';

const DELIVERY_TIMEOUT_MS = 30000;
const AUTH_FAILURE_EVENTS = new Set([OWASP_EVENTS.authnLoginFail, OWASP_EVENTS.authzFail]);
// The count connector's default_value for a missing attribute (collector-config/gateway.yaml).
const byApiKey = (attributes) =>
  attributes[ATTR_API_KEY_ID] === 'none'
    ? `fingerprint ${attributes[ATTR_API_KEY_FINGERPRINT]}`
    : String(attributes[ATTR_API_KEY_ID]);
const bySourceIp = (attributes) => String(attributes[ATTR_CLIENT_ADDRESS]);

async function binary(say) {
  const built = await collectorBinary();
  if (built !== undefined) return built;
  say('  building the project\u2019s collector distribution (first time only: needs Go, takes a few minutes)');
  return buildCollector();
}

/** The data points of every Sum metric the count connector wrote, one row per point. */
function sumPoints(text) {
  const attributes = (list) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, value?.stringValue]));
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => JSON.parse(line).resourceMetrics ?? [])
    .flatMap((resourceMetrics) => resourceMetrics.scopeMetrics ?? [])
    .flatMap((scopeMetrics) => scopeMetrics.metrics ?? [])
    .flatMap((metric) =>
      (metric.sum?.dataPoints ?? []).map((point) => ({
        metric: metric.name,
        attributes: attributes(point.attributes),
        value: point.asInt === undefined ? (point.asDouble ?? 0) : Number(point.asInt),
      })),
    );
}

/** Sums the points of `metric` by subject. */
function totals(points, metric, subjectOf) {
  const sums = {};
  for (const point of points.filter((candidate) => candidate.metric === metric)) {
    const subject = subjectOf(point.attributes);
    sums[subject] = (sums[subject] ?? 0) + point.value;
  }
  return sums;
}

const spanCount = (text) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => JSON.parse(line).resourceSpans ?? [])
    .flatMap((resourceSpans) => resourceSpans.scopeSpans ?? [])
    .reduce((count, scopeSpans) => count + (scopeSpans.spans ?? []).length, 0);

/** Reads OTLP-JSON text with the same reader as the local NDJSON, through a temporary file. */
async function recordsOf(text) {
  const file = join(mkdtempSync(join(tmpdir(), 'apitrail-demo-sink-')), 'sink.otlp.jsonl');
  writeFileSync(file, text);
  return readApitrailRecords([file]);
}

async function readSinks(archiveDir) {
  const archive = await archiveText(archiveDir, 'logs.otlp.jsonl');
  const spans = await archiveText(archiveDir, 'traces.otlp.jsonl');
  const security = await archiveText(archiveDir, 'security-events.otlp.jsonl');
  const counts = await archiveText(archiveDir, 'detection-metrics.otlp.jsonl');
  return {
    rawText: [archive, spans, security, counts].join('\n'),
    archived: await recordsOf(archive),
    spans: spanCount(spans),
    securityEvents: await recordsOf(security),
    points: sumPoints(counts),
  };
}

export async function startPipeline(say) {
  const collector = await binary(say);
  const gateway = await startGateway(collector);
  const agent = await startAgent(collector, gateway).catch(async (error) => {
    await gateway.stop();
    throw error;
  });
  return {
    agentEndpoint: agent.otlpHttpEndpoint,
    archiveDir: gateway.archiveDir,
    async stop() {
      await agent.stop();
      await gateway.stop();
    },
    /**
     * Waits until the gateway archived as many log records as the app wrote locally and counted
     * every auth failure, then reads every sink. A shortfall is reported, never hidden.
     */
    async collect(localRecords) {
      const authFailures = localRecords.filter((record) => AUTH_FAILURE_EVENTS.has(record.eventName)).length;
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      let sinks = await readSinks(gateway.archiveDir);
      const complete = () => {
        const counted = Object.values(totals(sinks.points, 'apitrail.auth.failures.by_source_ip', bySourceIp));
        return sinks.archived.length >= localRecords.length && counted.reduce((a, b) => a + b, 0) >= authFailures;
      };
      while (!complete() && Date.now() < deadline) {
        await sleep(200);
        sinks = await readSinks(gateway.archiveDir);
      }
      const byEvent = {};
      for (const record of sinks.securityEvents) byEvent[record.eventName] = (byEvent[record.eventName] ?? 0) + 1;
      const summary = {
        complete: complete(),
        archive: {
          logRecords: sinks.archived.length,
          auditRecords: sinks.archived.filter((record) => record.eventName === EVENT_API_REQUEST).length,
          spans: sinks.spans,
        },
        securityEvents: byEvent,
        authFailures: {
          byApiKey: totals(sinks.points, 'apitrail.auth.failures.by_api_key', byApiKey),
          bySourceIp: totals(sinks.points, 'apitrail.auth.failures.by_source_ip', bySourceIp),
        },
      };
      return { summary, rawText: sinks.rawText, report: renderSinks(summary, localRecords.length, gateway.archiveDir) };
    },
  };
}

/** Unregistered keys (one fingerprint each in a brute force) as one row, registered ones by id. */
function groupFingerprints(byKey) {
  const entries = Object.entries(byKey);
  const unregistered = entries.filter(([key]) => key.startsWith('fingerprint '));
  const registered = entries.filter(([key]) => !key.startsWith('fingerprint '));
  if (unregistered.length === 0) return registered;
  const total = unregistered.reduce((sum, [, count]) => sum + count, 0);
  return [...registered, [`${unregistered.length} unregistered keys (by fingerprint)`, total]];
}

function renderSinks(summary, localCount, archiveDir) {
  const rows = [
    ['archive (zstd NDJSON, rotated)', 'log records', `${summary.archive.logRecords} of ${localCount} written locally`],
    ['', 'of which audit records', summary.archive.auditRecords],
    ['', 'spans', summary.archive.spans],
    ...Object.entries(summary.securityEvents).map(([event, count]) => ['security-events stream', event, count]),
    ...groupFingerprints(summary.authFailures.byApiKey).map(([key, count]) => [
      'count connector: by api_key.id',
      key,
      count,
    ]),
    ...Object.entries(summary.authFailures.bySourceIp).map(([ip, count]) => [
      'count connector: by client.address',
      ip,
      count,
    ]),
  ];
  return [
    table(['sink', 'what', 'received'], rows),
    summary.complete
      ? ''
      : `\nINCOMPLETE: the gateway had not received everything after ${DELIVERY_TIMEOUT_MS / 1000} s`,
    `\narchive files: ${archiveDir} (read them with: node scripts/archive-cat.mjs ${archiveDir}/logs*.otlp.jsonl)`,
  ].join('\n');
}
