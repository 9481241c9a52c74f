// `apitrail analyze` through the real bin on records whose times the detector's windows cannot
// hold: its stamps are unsigned 32-bit seconds, so a time before 1970 or from 2106-02-07T06:28:15Z
// on (year 275759, an OTLP time_unix_nano near 2^63) wrapped around and was counted in the wrong
// bucket, silently: six source IPs for one key raised nothing. Such a record is reported as
// malformed at its line (and record, in an OTLP-JSON payload) and counted nowhere; the records
// beside it are analysed as usual.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { randomKeyId } from '../helpers/detect-scenarios.ts';

/** One more than the detector's default threshold of distinct source IPs per key. */
const IPS = 6;

interface Report {
  records: number;
  auditRecords: number;
  malformedLines: number;
  alerts: { event: string; attributes: Record<string, unknown> }[];
}

function ndjsonLine(timestamp: string, key: string, index: number): string {
  return JSON.stringify({
    timestamp,
    event: 'apitrail.api_request',
    is_api_key_request: true,
    api_key_id: key,
    source_ip: `203.0.113.${index + 1}`,
    status_code: 200,
  });
}

function otlpRecord(timeUnixNano: string, key: string, index: number): Record<string, unknown> {
  return {
    timeUnixNano,
    eventName: 'apitrail.api_request',
    attributes: [
      { key: 'api_key.id', value: { stringValue: key } },
      { key: 'client.address', value: { stringValue: `198.51.100.${index + 1}` } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
    ],
  };
}

function alertedKeys(report: Report): unknown[] {
  return report.alerts.map((alert) => alert.attributes['api_key.id']);
}

describe('apitrail analyze: times outside the detector’s range are malformed records, never mis-bucketed (real bin)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-time-range-'));
  const now = Date.now() - 60_000;
  const iso = (index: number) => new Date(now + index * 1000).toISOString();

  const ndjsonCases: Record<string, (index: number) => string> = {
    'year 275759': (index) => `+275759-01-01T00:00:0${index}.000Z`,
    'before 1970': (index) => `1969-12-31T23:59:0${index}.000Z`,
    '2106-02-07T06:28:15Z on (2^32 seconds)': (index) => `2106-02-07T06:28:${15 + index}.000Z`,
  };
  for (const [name, timestamp] of Object.entries(ndjsonCases)) {
    it(`NDJSON, ${name}`, async () => {
      const good = randomKeyId();
      const bad = randomKeyId();
      // Lines 1-6: in range, one key from six IPs (an alert); lines 7-12: out of range, another key.
      const lines = [
        ...Array.from({ length: IPS }, (_, index) => ndjsonLine(iso(index), good, index)),
        ...Array.from({ length: IPS }, (_, index) => ndjsonLine(timestamp(index), bad, index)),
      ];
      const file = join(dir, `${name.replace(/\W+/g, '-')}.ndjson`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const { code, stdout, stderr } = await runApitrail(['analyze', '--json', file]);
      const report = JSON.parse(stdout) as Report;
      expect(report, stderr).to.include({ records: IPS, auditRecords: IPS, malformedLines: IPS });
      expect(alertedKeys(report)).to.deep.equal([good]);
      for (let line = IPS + 1; line <= 2 * IPS; line++) {
        expect(stderr).to.match(new RegExp(`${file}:${line}: skipped, time .* outside`));
      }
      expect(stderr).not.to.match(new RegExp(`${file}:${IPS}:`));
      expect(code).to.equal(2);
    });
  }

  const otlpCases: Record<string, (index: number) => string> = {
    'time_unix_nano near 2^63': (index) => String(2n ** 63n - 1n - BigInt(IPS - index) * 1_000_000_000n),
    'negative time_unix_nano': (index) => String(-6_000_000_000 + index * 1_000_000_000),
  };
  for (const [name, nanos] of Object.entries(otlpCases)) {
    it(`OTLP-JSON, ${name}`, async () => {
      const good = randomKeyId();
      const bad = randomKeyId();
      const payload = {
        resourceLogs: [
          {
            scopeLogs: [
              {
                scope: { name: 'apitrail' },
                logRecords: [
                  ...Array.from({ length: IPS }, (_, index) =>
                    otlpRecord(String(BigInt(now + index * 1000) * 1_000_000n), good, index),
                  ),
                  ...Array.from({ length: IPS }, (_, index) => otlpRecord(nanos(index), bad, index)),
                ],
              },
            ],
          },
        ],
      };
      const file = join(dir, `${name.replace(/\W+/g, '-')}.otlp.json`);
      writeFileSync(file, `${JSON.stringify(payload)}\n`);
      const { code, stdout, stderr } = await runApitrail(['analyze', '--json', file]);
      const report = JSON.parse(stdout) as Report;
      expect(report, stderr).to.include({ records: IPS, auditRecords: IPS, malformedLines: IPS });
      expect(alertedKeys(report)).to.deep.equal([good]);
      for (let record = IPS + 1; record <= 2 * IPS; record++) {
        expect(stderr).to.match(new RegExp(`${file}:1#${record}: skipped, time .* outside`));
      }
      expect(code).to.equal(2);
    });
  }

  it('the last second the windows hold (2106-02-07T06:28:14Z) is still counted, --by-key too', async () => {
    const key = randomKeyId();
    const lines = Array.from({ length: IPS }, (_, index) =>
      ndjsonLine(`2106-02-07T06:28:${String(9 + index).padStart(2, '0')}.999Z`, key, index),
    );
    const file = join(dir, 'last-second.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { stdout, stderr } = await runApitrail(['analyze', '--json', file]);
    const report = JSON.parse(stdout) as Report;
    expect(report, stderr).to.include({ records: IPS, auditRecords: IPS, malformedLines: 0 });
    expect(alertedKeys(report)).to.deep.equal([key]);
    const byKey = await runApitrail(['analyze', '--by-key', '--json', file]);
    expect(byKey.stdout, byKey.stderr).to.include('"last_seen":"2106-02-07T06:28:14.999Z"');
  });
});
