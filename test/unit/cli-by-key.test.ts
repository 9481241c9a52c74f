// `apitrail analyze --by-key`: per-key usage (IPs, ASNs, countries, first/last seen, statuses,
// alerts) from NDJSON audit records, as a table, one JSON object per key and line, or CSV.
import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@apitrail/cli';

const START_MS = Date.UTC(2026, 0, 15, 9, 0, 0);

function auditLine(offsetSeconds: number, fields: Record<string, unknown>): string {
  return JSON.stringify({
    timestamp: new Date(START_MS + offsetSeconds * 1000).toISOString(),
    level: 'INFO',
    message: 'API Request: GET /api/v1/scans',
    logger: 'api',
    event: 'apitrail.api_request',
    method: 'GET',
    path: '/api/v1/scans',
    status_code: 200,
    ...fields,
  });
}

async function run(args: string[], lines: string[]): Promise<{ code: number; out: string; err: string }> {
  const file = join(await mkdtemp(join(tmpdir(), 'apitrail-by-key-')), 'audit.ndjson');
  await writeFile(file, `${lines.join('\n')}\n`);
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString()));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(['analyze', ...args, file], {}, { out: stdout, err: stderr });
  return { code, out, err };
}

describe('cli: analyze --by-key', () => {
  // One key from three addresses (one recorded with enrichment, two without: the CLI places them
  // with the embedded database), an unregistered key, a revoked key, and a leaked key that trips
  // the distinct-IP rule.
  const leaked = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '81.2.69.160', '4.2.2.2', '77.88.8.8'];
  const lines = [
    auditLine(0, {
      api_key_id: 'k1',
      api_key_name: 'CI',
      tenant_id: 't1',
      source_ip: '203.0.113.5',
      source_as_number: 64500,
      source_country: 'NZ',
    }),
    auditLine(60, { api_key_id: 'k1', source_ip: '8.8.8.8' }),
    auditLine(120, { api_key_id: 'k1', source_ip: '8.8.8.8', status_code: 401 }),
    auditLine(180, { api_key_id: 'k1', source_ip: '81.2.69.160' }),
    auditLine(30, { api_key_fingerprint: 'ab'.repeat(12), source_ip: '10.0.0.7' }),
    auditLine(40, { api_key_id: 'old', api_key_status: 'revoked', source_ip: '1.1.1.1' }),
    ...leaked.map((ip, index) => auditLine(200 + index, { api_key_id: 'leaked', source_ip: ip })),
    JSON.stringify({
      timestamp: new Date(START_MS).toISOString(),
      level: 'INFO',
      message: 'not an audit record',
      logger: 'app',
    }),
  ];

  it('--json prints one object per key and line, with its source IPs, ASNs, countries, times, statuses and alerts', async () => {
    const { code, out } = await run(['--by-key', '--json'], lines);
    expect(code, 'alerts were found').to.equal(1);
    const rows = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => row.key)).to.deep.equal(['leaked', 'k1', 'fingerprint:' + 'ab'.repeat(12), 'old']);
    const k1 = rows.find((row) => row.key === 'k1')!;
    expect(k1).to.deep.include({
      api_key_id: 'k1',
      api_key_name: 'CI',
      tenant_id: 't1',
      requests: 4,
      first_seen: '2026-01-15T09:00:00.000Z',
      last_seen: '2026-01-15T09:03:00.000Z',
      status_codes: { '200': 3, '401': 1 },
      source_ips: ['8.8.8.8', '203.0.113.5', '81.2.69.160'],
      source_ip_count: 3,
      source_as_numbers: [15169, 20712, 64500],
      source_countries: ['US', 'GB', 'NZ'],
    });
    expect(rows.find((row) => row.api_key_fingerprint === 'ab'.repeat(12))).to.deep.include({
      source_ips: ['10.0.0.7'],
      source_countries: [],
    });
    expect(rows.find((row) => row.key === 'old')).to.deep.include({ api_key_statuses: ['revoked'] });
    const leakedRow = rows.find((row) => row.key === 'leaked')!;
    expect(leakedRow.alerts).to.deep.equal({ apitrail_key_multiple_source_ips: 1 });
    expect(leakedRow.source_ip_count).to.equal(6);
    expect(k1.alerts, 'control: a key with few IPs has no alert').to.deep.equal({});
  });

  it('--csv writes one row per key, neutralising cells a spreadsheet would evaluate', async () => {
    const hostile = [...lines, auditLine(300, { api_key_id: '=HYPERLINK("http://x")', source_ip: '8.8.4.4' })];
    const { out } = await run(['--by-key', '--csv'], hostile);
    const rows = out.trimEnd().split('\r\n');
    expect(rows[0]).to.equal(
      'key,api_key_name,tenant_id,requests,first_seen,last_seen,status_codes,source_ip_count,source_ips,source_as_numbers,source_countries,api_key_statuses,alerts',
    );
    expect(rows).to.have.length(6);
    expect(rows.find((row) => row.startsWith('k1,'))).to.include(',200:3 401:1,3,8.8.8.8 203.0.113.5 81.2.69.160,');
    const injected = rows.find((row) => row.includes('HYPERLINK'))!;
    expect(injected.startsWith(`"'=HYPERLINK(""http://x"")"`), injected).to.equal(true);
  });

  it('prints a table and the detection summary on a terminal, and refuses --csv without --by-key', async () => {
    const { out } = await run(['--by-key'], lines);
    expect(out).to.match(/^key\s+name\s+tenant\s+requests/);
    expect(out).to.include('key_multiple_source_ips:1');
    expect(out).to.match(/records, \d+ audit records/);
    const refused = await run(['--csv'], lines);
    expect(refused.code).to.equal(2);
    expect(refused.err).to.include('--csv goes with --by-key');
  });

  it('reports requests the registry named by a public prefix alone apart from the key, and the key’s alerts without them', async () => {
    // Six strangers typed k1's public prefix with wrong secrets: the audit records name k1 and the prefix.
    const claims = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '81.2.69.160', '4.2.2.2', '77.88.8.8'].map((ip, n) =>
      auditLine(n, { api_key_id: 'k1', api_key_prefix: 'pk_abc', source_ip: ip, status_code: 401 }),
    );
    const { out } = await run(
      ['--by-key', '--json'],
      [auditLine(0, { api_key_id: 'k1', source_ip: '203.0.113.5' }), ...claims],
    );
    const rows = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const claimed = rows.find((row) => row.api_key_prefix === 'pk_abc');
    expect(claimed, 'the prefix claims are a row of their own').to.deep.include({ requests: 6 });
    expect(claimed).to.not.have.property('api_key_id');
    expect(claimed!.alerts).to.have.property('apitrail_key_multiple_source_ips');
    const key = rows.find((row) => row.api_key_id === 'k1');
    expect(key).to.deep.include({ requests: 1, alerts: {} });
  });
});
