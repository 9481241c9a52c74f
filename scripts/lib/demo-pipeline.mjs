// `npm run demo -- --collector`: the demo's records through collector-config/'s real pipelines
// (agent.yaml + redaction.yaml, then gateway.yaml with siem-cef-syslog.yaml and siem-splunk.yaml) on
// loopback ports and temporary directories, and what each of the gateway's sinks received. The SIEMs
// are local stand-ins (scripts/lib/siem-stand-ins.mjs) with credentials generated per run; the
// Elasticsearch/ECS path runs against a real OpenSearch with --siem (scripts/lib/demo-siem.mjs).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  APITRAIL_EVENTS,
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_CLIENT_ADDRESS,
  EVENT_API_REQUEST,
  OWASP_EVENTS,
} from '@apitrail/core/internal';
import { buildCollector, collectorBinary } from './collector-dist.mjs';
import { archiveText, startAgent, startGateway } from './collector-pipeline.mjs';
import { readApitrailRecords, table } from './demo-report.mjs';
import { startSplunkHecPeer, startSyslogReceiver } from './siem-stand-ins.mjs';

const DELIVERY_TIMEOUT_MS = 30000;
const AUTH_FAILURE_EVENTS = new Set([OWASP_EVENTS.authnLoginFail, OWASP_EVENTS.authzFail]);
// The event names gateway.yaml routes to the SIEM pipelines (its generated condition's names).
const SECURITY_EVENT_NAMES = new Set([...Object.values(OWASP_EVENTS), ...Object.values(APITRAIL_EVENTS)]);
const SIEM_FILES = ['siem-cef-syslog.yaml', 'siem-splunk.yaml'];
// The event each sink's sample shows: the one every SIEM user looks for first.
const SAMPLE_EVENT = OWASP_EVENTS.authnLoginFail;
// Where siem-splunk.yaml copies the EventName: HEC events have none of their own.
const HEC_EVENT_NAME = 'event.name';
// What every exporter adds from the SDK's resource to each event, describing the machine and the
// process: left out of the samples, which are about the event.
const HOST_DESCRIPTION = new Set(['agent', 'host', 'os', 'process', 'telemetry']);
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

/** An OTLP-JSON AnyValue's value (int64 arrives as a JSON string). */
function anyValue(value = {}) {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

const attributeObject = (list) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValue(value)]));

/** HEC's event metadata keys, from the resource attributes the HEC receiver turns them into. */
const HEC_METADATA = {
  'com.splunk.index': 'index',
  'com.splunk.sourcetype': 'sourcetype',
  'com.splunk.source': 'source',
  'host.name': 'host',
};

/**
 * The events the HEC peer accepted, put back in the shape of the HEC event the gateway sent:
 * `time` (seconds), the metadata, `event` (the body) and `fields` (the attributes).
 */
function hecEvents(text) {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => JSON.parse(line).resourceLogs ?? [])
    .flatMap((resourceLogs) => {
      const resource = attributeObject(resourceLogs.resource?.attributes);
      const metadata = Object.fromEntries(
        Object.entries(HEC_METADATA)
          .filter(([attribute]) => resource[attribute] !== undefined)
          .map(([attribute, key]) => [key, resource[attribute]]),
      );
      return (resourceLogs.scopeLogs ?? []).flatMap((scopeLogs) =>
        (scopeLogs.logRecords ?? []).map((record) => ({
          time: Number(BigInt(record.timeUnixNano ?? 0) / 1_000_000n) / 1000,
          ...metadata,
          event: anyValue(record.body),
          fields: attributeObject(record.attributes),
        })),
      );
    });
}

/** A syslog message's CEF Signature ID (the EventName), unescaped; the message itself when not CEF. */
function cefSignatureId(message) {
  const match = /CEF:\d+\|(?:(?:[^\\|]|\\.)*\|){3}((?:[^\\|]|\\.)*)\|/.exec(message);
  return match === null ? message : match[1].replace(/\\(.)/g, '$1');
}

async function readSinks(archiveDir, siem) {
  const archive = await archiveText(archiveDir, 'logs.otlp.jsonl');
  const spans = await archiveText(archiveDir, 'traces.otlp.jsonl');
  const security = await archiveText(archiveDir, 'security-events.otlp.jsonl');
  const counts = await archiveText(archiveDir, 'detection-metrics.otlp.jsonl');
  const syslog = siem.syslog.messages();
  const hec = await siem.hec.text();
  return {
    rawText: [archive, spans, security, counts, ...syslog, hec].join('\n'),
    archived: await recordsOf(archive),
    spans: spanCount(spans),
    securityEvents: await recordsOf(security),
    points: sumPoints(counts),
    syslog,
    hec: hecEvents(hec),
  };
}

/** The SIEM stand-ins, and the gateway environment that points siem-*.yaml at them. */
async function startSiemStandIns(collector) {
  const [syslog, hec] = await Promise.all([startSyslogReceiver(), startSplunkHecPeer(collector)]);
  return {
    syslog,
    hec,
    gatewayEnv: {
      APITRAIL_SYSLOG_HOST: syslog.host,
      APITRAIL_SYSLOG_PORT: String(syslog.port),
      // The stand-in speaks plain TCP; a real receiver gets TLS (the file's default).
      APITRAIL_SYSLOG_TLS_INSECURE: 'true',
      SPLUNK_HEC_ENDPOINT: hec.endpoint,
      SPLUNK_HEC_TOKEN: randomBytes(16).toString('hex'),
    },
    stop: () => Promise.all([syslog.stop(), hec.stop()]),
  };
}

/** What each SIEM received, by event name, and one sample of the first login failure each. */
function siemDeliveries(sinks) {
  const hecEventName = (event) => String(event.fields[HEC_EVENT_NAME]);
  return {
    syslogCef: {
      byEvent: tally(sinks.syslog, cefSignatureId),
      sample: sinks.syslog.find((message) => cefSignatureId(message) === SAMPLE_EVENT),
    },
    splunkHec: {
      byEvent: tally(sinks.hec, hecEventName),
      sample: sinks.hec.find((event) => hecEventName(event) === SAMPLE_EVENT),
    },
  };
}

function tally(items, keyOf) {
  const counts = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
}

const total = (counts) => Object.values(counts).reduce((sum, count) => sum + count, 0);

export async function startPipeline(say) {
  const collector = await binary(say);
  const siem = await startSiemStandIns(collector);
  const stopAll = async (...tiers) => {
    for (const tier of tiers) await tier.stop();
  };
  const gateway = await startGateway(collector, SIEM_FILES, siem.gatewayEnv).catch(async (error) => {
    await siem.stop();
    throw error;
  });
  const agent = await startAgent(collector, gateway).catch(async (error) => {
    await stopAll(gateway, siem);
    throw error;
  });
  return {
    agentEndpoint: agent.otlpHttpEndpoint,
    archiveDir: gateway.archiveDir,
    stop: () => stopAll(agent, gateway, siem),
    /**
     * Waits until the gateway archived as many log records as the app wrote locally and counted
     * every auth failure, and every SIEM received every security event, then reads every sink. A
     * shortfall is reported, never hidden.
     */
    async collect(localRecords) {
      const authFailures = localRecords.filter((record) => AUTH_FAILURE_EVENTS.has(record.eventName)).length;
      const securityEvents = localRecords.filter((record) => SECURITY_EVENT_NAMES.has(record.eventName)).length;
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      let sinks = await readSinks(gateway.archiveDir, siem);
      const complete = () => {
        const counted = total(totals(sinks.points, 'apitrail.auth.failures.by_source_ip', bySourceIp));
        return (
          sinks.archived.length >= localRecords.length &&
          counted >= authFailures &&
          [sinks.securityEvents, sinks.syslog, sinks.hec].every((received) => received.length >= securityEvents)
        );
      };
      while (!complete() && Date.now() < deadline) {
        await sleep(200);
        sinks = await readSinks(gateway.archiveDir, siem);
      }
      const siemReceived = siemDeliveries(sinks);
      const summary = {
        complete: complete(),
        archive: {
          logRecords: sinks.archived.length,
          auditRecords: sinks.archived.filter((record) => record.eventName === EVENT_API_REQUEST).length,
          spans: sinks.spans,
        },
        securityEvents: tally(sinks.securityEvents, (record) => record.eventName),
        authFailures: {
          byApiKey: totals(sinks.points, 'apitrail.auth.failures.by_api_key', byApiKey),
          bySourceIp: totals(sinks.points, 'apitrail.auth.failures.by_source_ip', bySourceIp),
        },
        siem: Object.fromEntries(Object.entries(siemReceived).map(([sink, { byEvent }]) => [sink, byEvent])),
      };
      const report = renderSinks(summary, localRecords.length, gateway.archiveDir, siemReceived, siem.syslog.errors());
      return { summary, rawText: sinks.rawText, report };
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

const SIEM_SINKS = {
  syslogCef: { name: 'syslog, CEF (siem-cef-syslog.yaml)', sample: 'one CEF message, as the syslog receiver got it' },
  splunkHec: { name: 'Splunk HEC (siem-splunk.yaml)', sample: 'one HEC event, as the HEC server got it' },
};

/** `object` without the host description, whether its keys are dotted (HEC) or nested (ECS). */
function withoutHostDescription(object) {
  const kept = Object.entries(object).filter(([key]) => !HOST_DESCRIPTION.has(key.split('.')[0]));
  return { kept: Object.fromEntries(kept), left: Object.keys(object).length - kept.length };
}

/** One sink's sample as printed: a string as it is, an event or document without its host description. */
export function renderSample(received) {
  if (typeof received === 'string') return received;
  // A HEC event carries the resource as dotted fields, an ECS document as nested objects.
  const hec = received.fields !== undefined;
  const { kept, left } = withoutHostDescription(hec ? received.fields : received);
  const shown = hec ? { ...received, fields: kept } : kept;
  const what = hec ? 'fields' : 'objects';
  return `${JSON.stringify(shown)}\n  (${left} more ${what} describing the host and process: ${[...HOST_DESCRIPTION].join(', ')})`;
}

function renderSamples(siemReceived) {
  return Object.entries(SIEM_SINKS).flatMap(([sink, { name, sample }]) => {
    const received = siemReceived[sink].sample;
    if (received === undefined) return [`\n${name}: no ${SAMPLE_EVENT} received`];
    return [`\n${name}, ${sample}:`, renderSample(received)];
  });
}

function renderSinks(summary, localCount, archiveDir, siemReceived, syslogErrors) {
  const rows = [
    ['archive (zstd NDJSON, rotated)', 'log records', `${summary.archive.logRecords} of ${localCount} written locally`],
    ['', 'of which audit records', summary.archive.auditRecords],
    ['', 'spans', summary.archive.spans],
    ...Object.entries(summary.securityEvents).map(([event, count]) => ['security-events stream', event, count]),
    ...Object.entries(SIEM_SINKS).flatMap(([sink, { name }]) =>
      Object.entries(summary.siem[sink]).map(([event, count]) => [name, event, count]),
    ),
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
    ...renderSamples(siemReceived),
    summary.complete
      ? ''
      : `\nINCOMPLETE: the gateway had not delivered everything after ${DELIVERY_TIMEOUT_MS / 1000} s`,
    ...syslogErrors.map((error) => `syslog receiver: ${error}`),
    `\narchive files: ${archiveDir} (read them with: node scripts/archive-cat.mjs ${archiveDir}/logs.otlp*.jsonl)`,
  ].join('\n');
}
