// `apitrail analyze` through the real bin: the per-IP rules count an IPv6 source by its /64, as the
// in-process detector does (they share it). One host holds a /64 (2^64 addresses): counted per
// address, 50 failed logins or 50 404s from 50 addresses of it raised nothing. The alert names the
// address that tipped the count (client.address) and the network counted (apitrail.alert.source_network).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';

interface Report {
  auditRecords: number;
  alerts: { event: string; message: string; attributes: Record<string, unknown> }[];
}

const interfaceId = () => Array.from({ length: 4 }, () => randomBytes(2).toString('hex')).join(':');

function ndjsonLine(timestamp: string, sourceIp: string, statusCode: number): string {
  return JSON.stringify({ timestamp, event: 'apitrail.api_request', source_ip: sourceIp, status_code: statusCode });
}

describe('apitrail analyze: per-IP rules count an IPv6 source by its /64 (real bin)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-ipv6-networks-'));
  const now = Date.now() - 120_000;
  const iso = (index: number) => new Date(now + index * 1000).toISOString();

  async function analyze(name: string, addresses: readonly string[], statusCode: number): Promise<Report> {
    const file = join(dir, `${name}.ndjson`);
    writeFileSync(file, `${addresses.map((ip, index) => ndjsonLine(iso(index), ip, statusCode)).join('\n')}\n`);
    const { code, stdout, stderr } = await runApitrail(['analyze', '--json', file]);
    expect(code, stderr).to.be.oneOf([0, 1]);
    const report = JSON.parse(stdout) as Report;
    expect(report.auditRecords).to.equal(addresses.length);
    return report;
  }

  it('50 failed logins and 50 404s from 50 addresses of one /64 raise one alert each, naming an address and the /64', async () => {
    const oneSlash64 = Array.from({ length: 50 }, () => `2001:db8:5:6:${interfaceId()}`);
    for (const [statusCode, event] of [
      [401, 'authn_login_fail_max'],
      [404, 'malicious_excess_404'],
    ] as const) {
      const report = await analyze(`one-64-${statusCode}`, oneSlash64, statusCode);
      expect(report.alerts.map((alert) => alert.event)).to.deep.equal([event]);
      const [alert] = report.alerts;
      const address = alert!.attributes['client.address'] as string;
      expect(oneSlash64).to.include(address);
      expect(alert!.attributes['apitrail.alert.source_network']).to.equal('2001:db8:5:6::/64');
      expect(alert!.attributes['apitrail.alert.sample_ips']).to.deep.equal([address]);
      expect(alert!.message).to.include(`(source_ip ${address} in 2001:db8:5:6::/64)`);
    }
    // The text report's id column says the same.
    const { stdout } = await runApitrail(['analyze', join(dir, 'one-64-401.ndjson')]);
    expect(stdout).to.match(/source_ip +2001:db8:5:6:\S+ in 2001:db8:5:6::\/64 +11 > 10/);
  });

  it('controls: 50 /64s and 50 IPv4 addresses of one /24 raise nothing; one IPv4 address alerts as before', async () => {
    const fiftySlash64s = Array.from({ length: 50 }, (_, n) => `2001:db8:${n.toString(16)}:6:${interfaceId()}`);
    expect((await analyze('fifty-64s', fiftySlash64s, 401)).alerts).to.deep.equal([]);
    const oneSlash24 = Array.from({ length: 50 }, (_, n) => `198.51.100.${n + 1}`);
    expect((await analyze('one-24', oneSlash24, 401)).alerts).to.deep.equal([]);
    const report = await analyze(
      'one-ipv4',
      oneSlash24.map(() => '198.51.100.7'),
      401,
    );
    expect(report.alerts.map((alert) => alert.attributes['client.address'])).to.deep.equal(['198.51.100.7']);
    expect(report.alerts[0]!.attributes).not.to.have.property('apitrail.alert.source_network');
  });
});
