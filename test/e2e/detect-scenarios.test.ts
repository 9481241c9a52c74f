// Scripted attack scenarios against a real node:http app under the register: the in-process
// detector raises exactly the expected alerts (into NDJSON and, over OTLP, into the real
// collector), and `apitrail analyze` finds the same incidents in both exported files.
import { expect } from 'chai';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APITRAIL_EVENTS, EVENT_API_REQUEST, OWASP_EVENTS } from '@apitrail/core/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startApp } from '../helpers/app.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import {
  authFailureBurst,
  leakedKey,
  normalTraffic,
  notFoundScan,
  randomKeyId,
  tenantMismatches,
  testIp,
  type ScriptedRequest,
} from '../helpers/detect-scenarios.ts';
import { replay } from '../helpers/detect-traffic.ts';
import { waitFor } from '../helpers/wait.ts';

const ALERT_EVENTS: ReadonlySet<string> = new Set([
  APITRAIL_EVENTS.keyMultipleSourceIps,
  APITRAIL_EVENTS.keyExcessVolume,
  APITRAIL_EVENTS.tenantMismatchStreak,
  OWASP_EVENTS.authnLoginFailMax,
  OWASP_EVENTS.maliciousExcess404,
]);

describe('detection scenarios through the register, the collector and apitrail analyze', function () {
  let collector: RunningCollector;
  let ndjsonFile: string;
  const leaked = randomKeyId();
  const bruteForced = randomKeyId();
  const crossTenant = randomKeyId();
  const normalKeys = Array.from({ length: 50 }, randomKeyId);
  const scanner = testIp(77);
  const guesser = testIp(88);
  const tenantHopper = testIp(99);
  // Subject → alert event: exactly these, once each, and nothing for the 50 normal keys.
  const expected = [
    `${APITRAIL_EVENTS.keyMultipleSourceIps} ${leaked}`,
    `${OWASP_EVENTS.authnLoginFailMax} ${bruteForced}`,
    `${OWASP_EVENTS.authnLoginFailMax} ${guesser}`,
    `${OWASP_EVENTS.maliciousExcess404} ${scanner}`,
    `${APITRAIL_EVENTS.tenantMismatchStreak} ${crossTenant}`,
    `${APITRAIL_EVENTS.tenantMismatchStreak} ${tenantHopper}`,
  ];
  let requests: ScriptedRequest[];

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, 'local-file.yaml');
    ndjsonFile = join(await mkdtemp(join(tmpdir(), 'apitrail-detect-')), 'audit.ndjson');
    const app = await startApp({
      script: 'test/fixtures/detect-app.cjs',
      env: {
        OTEL_SERVICE_NAME: 'detect-e2e',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'otlp,ndjson',
        APITRAIL_NDJSON_FILE: ndjsonFile,
        OTEL_BLRP_SCHEDULE_DELAY: '100',
        OTEL_BLRP_MAX_QUEUE_SIZE: '10000',
      },
    });
    requests = [
      ...normalTraffic(normalKeys),
      ...leakedKey(leaked, 8),
      ...authFailureBurst(bruteForced, guesser, 15),
      ...notFoundScan(scanner, 30),
      ...tenantMismatches(crossTenant, tenantHopper, 4),
    ];
    await replay(app.baseUrl, requests);
    await app.stop();
    await waitFor('every audit record in the collector', async () => {
      const audits = (await collector.logs()).filter((record) => record.eventName === EVENT_API_REQUEST);
      return audits.length === requests.length ? true : undefined;
    });
  });

  after(async () => {
    await collector?.stop();
  });

  const subjects = (alerts: readonly { event: unknown; subject: unknown }[]): string[] =>
    alerts.map((alert) => `${String(alert.event)} ${String(alert.subject)}`);

  it('the in-process detector wrote exactly the expected alerts to NDJSON, with their evidence', async () => {
    const lines = (await readFile(ndjsonFile, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.event === EVENT_API_REQUEST)).to.have.length(requests.length);
    const alerts = lines.filter((line) => ALERT_EVENTS.has(String(line.event)));
    expect(
      subjects(alerts.map((line) => ({ event: line.event, subject: line.api_key_id ?? line.source_ip }))),
    ).to.have.members(expected);
    const leakAlert = alerts.find((line) => line.event === APITRAIL_EVENTS.keyMultipleSourceIps)!;
    expect(leakAlert).to.include({
      level: 'ERROR',
      logger: 'apitrail.security',
      'security_rule.name': 'apitrail_key_multiple_source_ips',
      'security_rule.uuid': '419b2b2f-5342-4650-a237-a4945195c4bf',
      'apitrail.alert.count': 6,
      'apitrail.alert.threshold': 5,
      'apitrail.alert.window_seconds': 3600,
      event_kind: 'alert',
    });
    // Requests are sent concurrently, so which 6 of the 8 IPs tipped the count varies.
    const sample = leakAlert['apitrail.alert.sample_ips'] as string[];
    expect(new Set(sample).size).to.equal(6);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(testIp)).to.include.members(sample);
  });

  it('the alerts reached the collector as OTLP log records with their EventName', async () => {
    const alerts = (await collector.logs()).filter((record) => ALERT_EVENTS.has(record.eventName ?? ''));
    expect(
      subjects(
        alerts.map((record) => ({
          event: record.eventName,
          subject: record.attributes['api_key.id'] ?? record.attributes['client.address'],
        })),
      ),
    ).to.have.members(expected);
  });

  for (const source of ['ndjson', 'otlp-json'] as const) {
    it(`apitrail analyze finds the same incidents in the ${source} export`, async () => {
      const file = source === 'ndjson' ? ndjsonFile : join(collector.outputDir, 'logs.jsonl');
      const result = await runApitrail(['analyze', '--json', file]);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(1);
      const report = JSON.parse(result.stdout) as {
        auditRecords: number;
        alerts: { event: string; attributes: Record<string, unknown> }[];
      };
      expect(report.auditRecords).to.equal(requests.length);
      expect(
        subjects(
          report.alerts.map((alert) => ({
            event: alert.event,
            subject: alert.attributes['api_key.id'] ?? alert.attributes['client.address'],
          })),
        ),
      ).to.have.members(expected);
    });
  }
});
