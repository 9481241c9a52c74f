// The seed document's own analysis scripts (Prowler's API key activity log: three jq pipelines and
// the pandas `analyze_api_key_activity`) run unmodified on apitrail's NDJSON output. They are read
// from ../shared/seeds at test time, never copied into the repository; the expected answers are
// computed here independently from the same NDJSON lines.
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../helpers/app.ts';
import { newKey, newSecret, writeKeysFile, type TestKey } from '../helpers/identity-keys.ts';
import { requirePandas, run, seedCodeBlocks, seedPandasAnalysis } from '../helpers/seed-doc.ts';

type Line = Record<string, unknown>;

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/** `uniq -c`-style lines `count rest`, parsed back into [rest, count]. */
function counted(output: string): [string, number][] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, count, rest] = /^\s*(\d+) (.*)$/.exec(line)!;
      return [rest!, Number(count)];
    });
}

describe("the seed's jq pipelines and pandas analysis on apitrail's NDJSON", function () {
  const workDir = mkdtempSync(join(tmpdir(), 'apitrail-seed-'));
  const logFile = join(workDir, 'api.log');
  // key-one: one proxy-reported IP, 9 requests (2 of them 404); key-two: 4 IPs × 2 requests, one
  // 404; key-three: 1001 requests from one IP. Plus an unregistered key and anonymous traffic,
  // which is_api_key_request must separate correctly.
  const keyOne = newKey('key-one', 'Key One', 'tenant-a');
  const keyTwo = newKey('key-two', 'Key Two', 'tenant-a');
  const keyThree = newKey('key-three', 'Key Three', 'tenant-b');
  let lines: Line[];

  before(async function () {
    this.timeout(180_000);
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: logFile,
        APITRAIL_API_KEYS_FILE: writeKeysFile([keyOne, keyTwo, keyThree]),
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
      },
    });
    const get = async (path: string, ip: string, key?: TestKey | string): Promise<void> => {
      const secret = typeof key === 'string' ? key : key?.secret;
      const headers: Record<string, string> = { 'x-forwarded-for': ip, 'user-agent': 'ProwlerClient/1.0' };
      if (secret !== undefined) headers['x-api-key'] = secret;
      const response = await fetch(`${app.baseUrl}${path}`, { headers });
      await response.arrayBuffer();
    };
    for (let i = 0; i < 7; i++) await get('/api/v1/scans?provider=aws', '203.0.113.1', keyOne);
    for (let i = 0; i < 2; i++) await get('/api/v1/missing', '203.0.113.1', keyOne);
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
      await get('/api/v1/scans', ip, keyTwo);
      await get(ip === '198.51.100.4' ? '/nope' : '/api/v1/scans', ip, keyTwo);
    }
    const unregistered = newSecret();
    for (let i = 0; i < 2; i++) await get('/api/v1/scans', '192.0.2.50', unregistered);
    for (let i = 0; i < 3; i++) await get('/api/v1/scans', '192.0.2.60');
    for (let batch = 0; batch < 1001; batch += 25) {
      const size = Math.min(25, 1001 - batch);
      await Promise.all(Array.from({ length: size }, () => get('/api/v1/scans', '198.51.100.9', keyThree)));
    }
    await app.stop();
    lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Line);
  });

  const apiKeyLines = () => lines.filter((line) => line.is_api_key_request === true);

  it('wrote one audit record per request, with the seed field set', () => {
    const audits = lines.filter((line) => line.event === 'apitrail.api_request');
    expect(audits).to.have.length(9 + 8 + 2 + 3 + 1001);
    expect(apiKeyLines()).to.have.length(9 + 8 + 2 + 1001);
    expect(apiKeyLines().every((line) => line.event === 'apitrail.api_request')).to.equal(true);
    expect(audits.find((line) => line.api_key_id === 'key-one')).to.include({
      api_key_name: 'Key One',
      tenant_id: 'tenant-a',
      authentication_method: 'api_key',
      is_api_key_request: true,
      source_ip: '203.0.113.1',
      user_agent: 'ProwlerClient/1.0',
      logger: 'api',
      message: 'API Request: GET /api/v1/scans [API Key: Key One]',
    });
  });

  it('runs the jq pipelines unmodified: requests per key-IP pair, volume, failures', () => {
    const blocks = seedCodeBlocks('bash').filter((block) => block.includes('jq'));
    expect(blocks, 'the seed has two jq blocks').to.have.length(2);
    const [patterns, failures] = blocks.map((block) => run('bash', ['-o', 'pipefail', '-c', block], workDir));

    // "multiple IPs": despite its wording it counts requests per (key, IP) pair above 5.
    const perPair = countBy(apiKeyLines(), (line) => `${String(line.api_key_id ?? null)} ${String(line.source_ip)}`);
    const expectedPairs = [...perPair]
      .filter(([, count]) => count > 5)
      .map(([pair, count]) => `${pair.split(' ')[0]} used from ${count} different IPs`);
    const perKey = countBy(apiKeyLines(), (line) => String(line.api_key_id ?? null));
    const expectedVolume = [...perKey]
      .filter(([, count]) => count > 1000)
      .map(([key, count]) => `${key} made ${count} requests in last hour`);
    const output = patterns!.split('\n').filter((line) => line !== '');
    expect(output.toSorted()).to.deep.equal([...expectedPairs, ...expectedVolume].toSorted());
    expect(output).to.include.members([
      'key-one used from 9 different IPs',
      'key-three used from 1001 different IPs',
      'key-three made 1001 requests in last hour',
    ]);

    const failed = countBy(
      apiKeyLines().filter((line) => (line.status_code as number) >= 400),
      (line) => `${String(line.api_key_id ?? null)} ${String(line.status_code)}`,
    );
    expect(counted(failures!)).to.deep.equal([...failed].toSorted((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    expect(counted(failures!)).to.deep.equal([
      ['key-one 404', 2],
      ['key-two 404', 1],
    ]);
  });

  it('runs the pandas analyze_api_key_activity unmodified and gets the right answers', function () {
    requirePandas(this);
    const result = seedPandasAnalysis(logFile);

    const withId = apiKeyLines().filter((line) => typeof line.api_key_id === 'string');
    const perHour = countBy(withId, (line) => `${String(line.timestamp).slice(0, 13)} ${String(line.api_key_id)}`);
    const highVolume = [...perHour]
      .filter(([, count]) => count > 100)
      .map(([hourKey, count]) => [hourKey.split(' ')[1], count]);
    const ipsPerKey = new Map<string, Set<string>>();
    for (const line of withId) {
      const ips = ipsPerKey.get(line.api_key_id as string) ?? new Set<string>();
      ips.add(line.source_ip as string);
      ipsPerKey.set(line.api_key_id as string, ips);
    }
    const suspicious = [...ipsPerKey].filter(([, ips]) => ips.size > 3).map(([key, ips]) => [key, ips.size]);
    expect(result.high_volume_keys).to.deep.equal(highVolume.toSorted((a, b) => String(a).localeCompare(String(b))));
    expect(result.high_volume_keys!.map(([key]) => key)).to.include('key-three');
    expect(result.suspicious_ip_patterns).to.deep.equal(suspicious);
    expect(result.suspicious_ip_patterns).to.deep.equal([['key-two', 4]]);
    expect(result.failed_requests).to.deep.equal([
      ['key-one', 404],
      ['key-one', 404],
      ['key-two', 404],
    ]);
  });
});
