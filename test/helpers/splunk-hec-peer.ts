// A real peer speaking Splunk's HTTP Event Collector protocol: a second instance of the project's
// collector running the contrib `splunk_hec` receiver (the HEC server side) and writing what it
// accepted to an OTLP-JSON file. HEC metadata arrives as resource attributes: `com.splunk.index`,
// `com.splunk.sourcetype`, `com.splunk.source`, `host.name`, and the token the sender presented as
// `com.splunk.hec.access_token` (passthrough), so a test can check all of them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIfPresent, spawnCollector } from './collector.ts';
import { decodeLogLines, type ExportedLogRecord } from './otlp-json.ts';
import { freePort } from './ports.ts';

export interface RunningHecPeer {
  /** The HEC event endpoint, for the sender's `endpoint`. */
  readonly endpoint: string;
  events(): Promise<ExportedLogRecord[]>;
  stop(): Promise<void>;
}

export async function startSplunkHecPeer(binary: string): Promise<RunningHecPeer> {
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
    events: async () => decodeLogLines(await readIfPresent(output)),
    stop: () => collector.stop(),
  };
}
