#!/usr/bin/env node
// `npm run demo [-- --collector | --siem] [--json]`: the product in one command. Starts the Express example
// (and the winston one, for secrets in log messages) under `node --require @apitrail/auto/register`
// with the embedded defaults, drives a scripted scenario at them, then shows what apitrail saw.
//   --collector  also send everything through collector-config/'s agent and gateway (the built
//                collector binary, with siem-cef-syslog.yaml and siem-splunk.yaml, delivering to
//                local stand-ins for a syslog/CEF receiver and Splunk HEC) and show what each received
//   --siem       send everything through the agent and gateway into a real OpenSearch (the node
//                `npm run siem:start` left on APITRAIL_SIEM_PORT, 9200, or one started for the run)
//                and print, per Sigma rule in rules/, its hits in the index
//   --json       print only a machine-checkable summary (what the tests assert on)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApitrailConfigError, readEnum } from '@apitrail/core/internal';
import { startExample } from './lib/demo-apps.mjs';
import { createScenario, drive } from './lib/demo-scenario.mjs';
import { renderDeliveries, startWebhookReceiver } from './lib/demo-webhook.mjs';
import { leakedSecrets } from './lib/secret-search.mjs';
import {
  readApitrailRecords,
  renderAlerts,
  renderRedactions,
  renderScenario,
  renderSecurityEvents,
  renderStream,
  renderSummary,
  section,
  summarize,
} from './lib/demo-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: { collector: { type: 'boolean' }, siem: { type: 'boolean' }, json: { type: 'boolean' } },
});
if (options.collector && options.siem) {
  process.stderr.write('apitrail demo: --collector and --siem are two different pipelines: pick one\n');
  process.exit(64);
}
const defaultFormat = process.stdout.isTTY ? 'human_readable' : 'ndjson';
const say = options.json ? () => {} : (text) => process.stdout.write(`${text}\n`);

// How the stream is shown; the apps themselves always write NDJSON, which the report reads back.
const streamFormat = (() => {
  try {
    return readEnum(process.env, 'APITRAIL_LOG_FORMAT', ['ndjson', 'human_readable'], defaultFormat);
  } catch (error) {
    if (!(error instanceof ApitrailConfigError)) throw error;
    // As the register does: one line naming the variable, exit code 78 (EX_CONFIG).
    process.stderr.write(`apitrail demo: ${error.message}\n`);
    process.exit(78);
  }
})();
const scenario = createScenario();
const mode = options.siem ? 'siem' : options.collector ? 'collector' : 'local';
const pipeline = options.siem
  ? await (await import('./lib/demo-siem.mjs')).startSiemPipeline(say)
  : options.collector
    ? await (await import('./lib/demo-pipeline.mjs')).startPipeline(say)
    : undefined;

const webhook = await startWebhookReceiver();
const appEnv = {
  // Detector alerts are also POSTed, signed, to a local receiver standing in for a SIEM / SOAR webhook.
  ...webhook.env,
  // A short geography baseline, so that the key's country change shows within the demo.
  APITRAIL_DETECT_GEO_BASELINE_REQUESTS: '3',
  APITRAIL_DETECT_GEO_BASELINE_SECONDS: '0',
  OTEL_SERVICE_NAME: 'apitrail-demo',
  APITRAIL_LOG_FORMAT: 'ndjson',
  OTEL_TRACES_EXPORTER: pipeline ? 'otlp' : 'none',
  OTEL_LOGS_EXPORTER: pipeline ? 'otlp,ndjson' : 'ndjson',
  ...(pipeline ? { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.agentEndpoint } : {}),
  // The demo driver is the reverse proxy: only it may say, in X-Forwarded-For, who the client is.
  APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
  APITRAIL_API_KEYS_FILE: scenario.keysFile,
  APITRAIL_API_KEY_QUERY_PARAM: 'api_key',
  // One fingerprint key for both apps, generated per run, so unregistered keys compare across them.
  APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('base64url'),
  EXAMPLE_API_KEYS_FILE: scenario.keysFile,
  DEMO_API_KEY: scenario.winstonKey,
};

say('apitrail demo: which API key, which tenant, which request, without leaking the secret.');
say(`  keys generated for this run (sha256 entries only): ${scenario.keysFile}`);
say('  the driver is the trusted proxy (APITRAIL_TRUSTED_PROXIES=127.0.0.1/32): it sets X-Forwarded-For');
say('  to play clients at many addresses; apitrail believes that header from 127.0.0.1 only.');
if (pipeline)
  say(
    `  collector pipeline: app -> agent ${pipeline.agentEndpoint} -> gateway (archive in ${pipeline.archiveDir})\n` +
      (options.siem
        ? '    -> OpenSearch (siem-audit-records.yaml + siem-elasticsearch.yaml)'
        : '    -> local stand-ins for a syslog/CEF receiver and Splunk HEC (credentials generated per run)'),
  );

const apps = {};
try {
  await run();
} finally {
  await pipeline?.stop();
  await webhook.close();
}

async function run() {
  try {
    apps.express = await startExample(root, 'examples/express/server.js', appEnv);
    apps.winston = await startExample(root, 'examples/winston/express.js', appEnv);
    say(
      `  examples/express/server.js on ${apps.express.baseUrl}, examples/winston/express.js on ${apps.winston.baseUrl}`,
    );
    const baseUrls = Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, app.baseUrl]));
    const statuses = await drive(scenario.steps, baseUrls);
    say(section('The scenario'));
    say(renderScenario(scenario.steps, statuses));
  } finally {
    // Stopping flushes: after this every record is in the NDJSON files (and acknowledged by the agent).
    for (const app of Object.values(apps)) await app.stop();
  }

  const files = Object.values(apps).map((app) => app.ndjsonFile);
  const records = await readApitrailRecords(files);
  const apitrailOutput = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const sinks = pipeline ? await pipeline.collect(records) : undefined;
  const leaked = leakedSecrets(apitrailOutput + (sinks?.rawText ?? ''), scenario.secrets);
  const ownTransportLeaks = leakedSecrets(apps.winston.ownOutput(), scenario.secrets).length;
  const summary = { mode, ...summarize(records, scenario.secrets, leaked) };
  if (sinks) summary.sinks = sinks.summary;
  summary.webhook = {
    delivered: webhook.deliveries.length,
    verified: webhook.deliveries.filter((delivery) => delivery.verified).length,
  };

  const humanReadable = streamFormat === 'human_readable';
  say(section(`What apitrail recorded: ${records.length} records (${humanReadable ? 'human-readable' : 'NDJSON'})`));
  say(renderStream(records, humanReadable, process.stdout.isTTY === true));
  say(section('Security events (OWASP Logging Vocabulary, emitted automatically)'));
  say(renderSecurityEvents(records));
  say(section('Alerts from the in-process detector (@apitrail/detect)'));
  say(renderAlerts(records));
  say(section('Alerts delivered to the webhook (APITRAIL_ALERT_WEBHOOK_URL, HMAC-SHA256 signed)'));
  say(renderDeliveries(webhook.deliveries));
  say(section('Redactions'));
  say(renderRedactions(records, summary, ownTransportLeaks));
  if (sinks) {
    say(
      section(
        options.siem
          ? 'What OpenSearch indexed, and the Sigma rules run against it'
          : 'What each collector sink received',
      ),
    );
    say(sinks.report);
  }
  say(section('Summary'));
  say(renderSummary(summary));
  say(`\nThe same rules offline, over the files apitrail wrote: npx apitrail analyze ${files.join(' ')}`);
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (leaked.length > 0 || sinks?.summary.complete === false) process.exitCode = 1;
}
