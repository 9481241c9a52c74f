// `npm run demo -- --siem`: the demo's records through the real agent and gateway collectors into a
// real OpenSearch (gateway.yaml + siem-audit-records.yaml + siem-elasticsearch.yaml), then every
// Sigma rule in rules/ converted by pySigma's OpenSearch backend and run against the index. Uses the
// node `npm run siem:start` left on APITRAIL_SIEM_PORT (9200), or starts one there for the run.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as core from '@apitrail/core/internal';
import { buildCollector, collectorBinary } from './collector-dist.mjs';
import { startAgent, startGateway } from './collector-pipeline.mjs';
import { renderSample } from './demo-pipeline.mjs';
import { table } from './demo-report.mjs';
import { openSearchGet, startOpenSearch } from './opensearch.mjs';
import { putIndexTemplate } from './siem-index-template.mjs';
import { convertRulesForOpenSearch, runRulesInOpenSearch } from './sigma-opensearch.mjs';

const DELIVERY_TIMEOUT_MS = 60_000;
const DEFAULT_SIEM_PORT = 9200;
// The event names gateway.yaml routes to the SIEM pipelines, and the audit records.
const INDEXED_EVENTS = new Set([
  core.EVENT_API_REQUEST,
  ...Object.values(core.OWASP_EVENTS),
  ...Object.values(core.APITRAIL_EVENTS),
]);

function siemPort() {
  const text = process.env.APITRAIL_SIEM_PORT;
  if (text === undefined || text === '') return DEFAULT_SIEM_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new core.ApitrailConfigError(`APITRAIL_SIEM_PORT must be a TCP port (1-65535), got ${JSON.stringify(text)}`);
  }
  return port;
}

/** The node on the SIEM port: the running one, or one started (and later stopped) for this run. */
async function openSearchNode(say) {
  const port = siemPort();
  const url = `http://127.0.0.1:${port}`;
  const answer = await openSearchGet(url, '/');
  if (answer !== undefined) {
    if (
      !answer.body.includes('"distribution" : "opensearch"') &&
      !answer.body.includes('"distribution":"opensearch"')
    ) {
      throw new Error(`${url} answers, but not as OpenSearch: stop it or set APITRAIL_SIEM_PORT`);
    }
    say(`  OpenSearch: using the node already running on ${url} (npm run siem:start)`);
    return { url, stop: async () => {} };
  }
  say(`  OpenSearch: starting a node on ${url} for this run (first run builds it with Maven)`);
  const node = await startOpenSearch({ port });
  const rss = await node.residentBytes();
  say(
    `  OpenSearch ready in ${node.startSeconds.toFixed(1)} s` +
      `${rss === undefined ? '' : `, RSS ${Math.round(rss / 2 ** 20)} MiB`}; stopped and its data removed at the end`,
  );
  return node;
}

async function countDocuments(url, index) {
  await fetch(new URL(`/${index}/_refresh`, url), { method: 'POST' });
  const response = await fetch(new URL(`/${index}/_count`, url));
  return response.ok ? (await response.json()).count : 0;
}

/** The first document of `index` whose event.action is `eventName`, as OpenSearch stores it. */
async function sampleDocument(url, index, eventName) {
  const response = await fetch(new URL(`/${index}/_search`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 1, query: { term: { 'event.action': eventName } }, sort: [{ '@timestamp': 'asc' }] }),
  });
  return response.ok ? (await response.json()).hits.hits[0]?._source : undefined;
}

async function allDocumentsText(url, index) {
  const response = await fetch(new URL(`/${index}/_search`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 10_000, query: { match_all: {} } }),
  });
  return response.ok ? await response.text() : '';
}

function renderRules(results, index) {
  const rows = results.map(({ rule, hits, groups, unsupported }) => [
    rule.name,
    rule.kind === 'base' ? 'selection' : `${rule.type} by ${rule.groupBy.join(', ')}`,
    hits === undefined ? `not run: ${unsupported}` : `${hits}${groups?.length ? ` (${groups.join(', ')})` : ''}`,
  ]);
  return [
    `Sigma rules in rules/, converted by pySigma's OpenSearch backend, run against ${index}:`,
    table(['rule', 'kind', 'hits (documents, or groups a correlation fires for)'], rows),
    'A selection counts the documents it matches; a correlation counts the keys or addresses it fires for',
    '(OpenSearch aggregation over the selections, per window of the rule).',
  ].join('\n');
}

export async function startSiemPipeline(say) {
  const collector = (await collectorBinary()) ?? (await buildCollector());
  const node = await openSearchNode(say);
  const index = `apitrail-demo-${randomBytes(4).toString('hex')}`;
  const stopAll = async (...tiers) => {
    for (const tier of tiers) await tier.stop();
  };
  let gateway;
  let agent;
  try {
    await putIndexTemplate(node.url, core);
    gateway = await startGateway(collector, ['siem-audit-records.yaml', 'siem-elasticsearch.yaml'], {
      ELASTICSEARCH_ENDPOINT: node.url,
      ELASTICSEARCH_LOGS_INDEX: index,
      ELASTICSEARCH_FLUSH_TIMEOUT: '200ms',
    });
    agent = await startAgent(collector, gateway);
  } catch (error) {
    await stopAll(...[agent, gateway, node].filter(Boolean));
    throw error;
  }
  say(`  SIEM index: ${index} on ${node.url}`);
  return {
    agentEndpoint: agent.otlpHttpEndpoint,
    archiveDir: gateway.archiveDir,
    stop: () => stopAll(agent, gateway, node),
    /**
     * Waits until the index holds every audit record and security event the apps wrote, then runs
     * every Sigma rule against it. A shortfall is reported, never hidden.
     */
    async collect(localRecords) {
      const expected = localRecords.filter((record) => INDEXED_EVENTS.has(record.eventName)).length;
      const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
      let indexed = await countDocuments(node.url, index);
      while (indexed < expected && Date.now() < deadline) {
        await sleep(250);
        indexed = await countDocuments(node.url, index);
      }
      const results = await runRulesInOpenSearch(node.url, index, await convertRulesForOpenSearch());
      const sample = await sampleDocument(node.url, index, core.OWASP_EVENTS.authnLoginFail);
      const summary = {
        complete: indexed >= expected,
        index,
        indexed,
        expected,
        rules: Object.fromEntries(results.map(({ rule, hits }) => [rule.name, hits ?? null])),
        sample,
      };
      const report = [
        `${index}: ${indexed} documents (${expected} audit records and security events written by the apps)`,
        summary.complete ? '' : `INCOMPLETE: not all indexed after ${DELIVERY_TIMEOUT_MS / 1000} s`,
        sample === undefined
          ? `no ${core.OWASP_EVENTS.authnLoginFail} indexed`
          : `one ${core.OWASP_EVENTS.authnLoginFail} document, as OpenSearch stores it:\n${renderSample(sample)}\n`,
        renderRules(results, index),
      ]
        .filter((line) => line !== '')
        .join('\n');
      return { rawText: await allDocumentsText(node.url, index), summary, report };
    },
  };
}
