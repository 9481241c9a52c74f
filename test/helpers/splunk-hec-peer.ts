// A real peer speaking Splunk's HTTP Event Collector protocol: a second instance of the project's
// collector running the contrib `splunk_hec` receiver (scripts/lib/siem-stand-ins.mjs, shared with
// `npm run demo -- --collector`). HEC metadata arrives as resource attributes: `com.splunk.index`,
// `com.splunk.sourcetype`, `com.splunk.source`, `host.name`, and the token the sender presented as
// `com.splunk.hec.access_token` (passthrough), so a test can check all of them.
import { startSplunkHecPeer as startPeerProcess } from '../../scripts/lib/siem-stand-ins.mjs';
import { decodeLogLines, type ExportedLogRecord } from './otlp-json.ts';

export interface RunningHecPeer {
  /** The HEC event endpoint, for the sender's `endpoint`. */
  readonly endpoint: string;
  events(): Promise<ExportedLogRecord[]>;
  stop(): Promise<void>;
}

export async function startSplunkHecPeer(binary: string): Promise<RunningHecPeer> {
  const peer = await startPeerProcess(binary);
  return {
    endpoint: peer.endpoint,
    events: async () => decodeLogLines(await peer.text()),
    stop: () => peer.stop(),
  };
}
