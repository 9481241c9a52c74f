// Telemetry that never went through apitrail's processors: crafted logs and spans posted straight to
// a collector's OTLP/HTTP receiver as JSON, as an app without apitrail would send them.
import { expect } from 'chai';
import type { RunningCollector } from './collector.ts';
import { waitFor } from './wait.ts';
import { encodeLogsRequest, encodeSpansRequest, type CraftedLogRecord, type CraftedSpan } from './otlp-json.ts';

const SCOPE = { name: 'raw-client' };

async function post(collector: RunningCollector, path: string, body: string): Promise<void> {
  const response = await fetch(`${collector.otlpHttpEndpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(response.status, await response.text()).to.equal(200);
}

/**
 * Posts `logRecords` and `spans` (under resource `service.name` = `serviceName`) to `collector`,
 * and returns everything it wrote once every record and span has arrived.
 */
export async function sendRawTelemetry(
  collector: RunningCollector,
  serviceName: string,
  logRecords: readonly CraftedLogRecord[],
  spans: readonly CraftedSpan[],
): Promise<string> {
  const resource = { 'service.name': serviceName };
  await post(collector, '/v1/logs', encodeLogsRequest(resource, SCOPE, logRecords));
  await post(collector, '/v1/traces', encodeSpansRequest(resource, SCOPE, spans));
  return waitFor('every log record and span written by the collector', async () => {
    const [logs, writtenSpans] = [await collector.logs(), await collector.spans()];
    return logs.length >= logRecords.length && writtenSpans.length >= spans.length ? collector.rawOutput() : undefined;
  });
}
