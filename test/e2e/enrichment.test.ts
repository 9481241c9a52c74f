// Offline source enrichment end to end: a plain node:http app under the zero-code register behind a
// trusted proxy (the test), clients played by X-Forwarded-For. The embedded default database places
// 8.8.8.8 in AS15169 / US; loopback and private addresses are tagged; a user's own MMDB files
// (GeoLite2-ASN and GeoLite2-Country layouts, written at test time) replace the default.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';
import { MmdbWriter } from '../../scripts/lib/mmdb-writer.mjs';

async function get(app: RunningApp, requestId: string, forwardedFor?: string): Promise<void> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const response = await fetch(`${app.baseUrl}/api/v1/scans`, { headers });
  await response.arrayBuffer();
  expect(response.status).to.equal(200);
}

const auditOf = (app: RunningApp, requestId: string) =>
  app.jsonLines().find((line) => line.event === 'apitrail.api_request' && line.request_id === requestId);

/**
 * A GeoLite2-ASN-shaped and a GeoLite2-Country-shaped file placing 185.199.108.0/24 (a public range
 * the embedded default places elsewhere; a documentation range would be reserved whatever a file says).
 */
function userDatabases(): string {
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-geoip-'));
  const asn = new MmdbWriter();
  asn.insertIpv4Range(
    0xb9c76c00,
    0xb9c76cff,
    asn.data({ autonomous_system_number: 64500, autonomous_system_organization: 'Example Transit' }),
  );
  const country = new MmdbWriter();
  country.insertIpv4Range(
    0xb9c76c00,
    0xb9c76cff,
    country.data({ country: { iso_code: 'NZ' }, registered_country: { iso_code: 'AU' } }),
  );
  const asnFile = join(dir, 'GeoLite2-ASN.mmdb');
  const countryFile = join(dir, 'GeoLite2-Country.mmdb');
  writeFileSync(asnFile, asn.toBuffer({ databaseType: 'GeoLite2-ASN', description: 'test', buildEpoch: 1 }));
  writeFileSync(
    countryFile,
    country.toBuffer({ databaseType: 'GeoLite2-Country', description: 'test', buildEpoch: 1 }),
  );
  return `${asnFile},${countryFile}`;
}

/** Addresses reserved for documentation (RFC 5737, RFC 3849): no client on the Internet has one. */
const DOCUMENTATION_ADDRESSES = [
  ['documentation-test-net-1', '192.0.2.10'],
  ['documentation-test-net-2', '198.51.100.7'],
  ['documentation-test-net-3', '203.0.113.9'],
  ['documentation-v6', '2001:db8::1'],
] as const;

describe('source enrichment end to end: register → real collector', function () {
  let collector: RunningCollector;
  let app: RunningApp;
  let logs: ExportedLogRecord[];

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'enrichment-e2e',
      logsExporters: 'otlp,ndjson',
      env: { APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32' },
    }));
    await get(app, 'google', '8.8.8.8');
    await get(app, 'google-again', '8.8.8.8');
    await get(app, 'google-v6', '2001:4860:4860::8888');
    await get(app, 'cloudflare', '1.1.1.1');
    await get(app, 'private', '10.20.30.40');
    await get(app, 'direct');
    for (const [requestId, address] of DOCUMENTATION_ADDRESSES) await get(app, requestId, address);
    await app.stop();
    logs = await waitFor('the audit records at the collector', async () => {
      const records = await collector.logs();
      return records.filter((record) => record.eventName === 'apitrail.api_request').length >=
        6 + DOCUMENTATION_ADDRESSES.length
        ? records
        : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  const atCollector = (requestId: string) =>
    logs.find((log) => log.eventName === 'apitrail.api_request' && log.attributes['correlation.id'] === requestId)!;

  it('places 8.8.8.8 in AS15169 (Google) and the US from the embedded database, in NDJSON and at the collector', () => {
    expect(auditOf(app, 'google')).to.include({
      source_ip: '8.8.8.8',
      source_as_number: 15169,
      source_as_organization: 'Google LLC',
      source_country: 'US',
    });
    expect(atCollector('google').attributes).to.include({
      'client.address': '8.8.8.8',
      'apitrail.client.as.number': 15169,
      'geo.country.iso_code': 'US',
    });
    expect(auditOf(app, 'google-again')).to.include({ source_as_number: 15169, source_country: 'US' });
    expect(auditOf(app, 'google-v6')).to.include({ source_as_number: 15169, source_country: 'US' });
    expect(auditOf(app, 'cloudflare')).to.include({ source_as_number: 13335 });
    expect(auditOf(app, 'cloudflare')).to.not.include({ source_as_number: 15169 });
  });

  it('tags loopback and private addresses instead of placing them', () => {
    expect(auditOf(app, 'private')).to.include({ source_ip: '10.20.30.40', source_address_scope: 'private' });
    expect(auditOf(app, 'direct')).to.include({ source_ip: '127.0.0.1', source_address_scope: 'loopback' });
    for (const requestId of ['private', 'direct']) {
      expect(auditOf(app, requestId)).to.not.have.property('source_country');
      expect(auditOf(app, requestId)).to.not.have.property('source_as_number');
      expect(atCollector(requestId).attributes['apitrail.client.address_scope']).to.be.a('string');
    }
  });

  it('places no documentation address (TEST-NET-1/2/3, 2001:db8::/32): no AS, no country, scope reserved', () => {
    for (const [requestId, address] of DOCUMENTATION_ADDRESSES) {
      const audit = auditOf(app, requestId);
      expect(audit, requestId).to.include({ source_ip: address, source_address_scope: 'reserved' });
      for (const absent of ['source_country', 'source_as_number', 'source_as_organization']) {
        expect(audit, `${requestId}: ${absent}`).to.not.have.property(absent);
      }
      expect(atCollector(requestId).attributes, requestId).to.not.have.property('geo.country.iso_code');
    }
  });

  /** An NDJSON-only app with `env`, asked for 8.8.8.8 and for `others`; returns the audit records by request id. */
  async function auditsUnder(
    env: Record<string, string>,
    others: Record<string, string> = {},
  ): Promise<Record<string, Record<string, unknown>>> {
    const own = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
        ...env,
      },
    });
    try {
      const addresses: Record<string, string> = { google: '8.8.8.8', ...others };
      for (const [requestId, address] of Object.entries(addresses)) await get(own, requestId, address);
      return await waitFor('the audit records', () => {
        const found = Object.keys(addresses).map((requestId) => [requestId, auditOf(own, requestId)] as const);
        return found.every(([, audit]) => audit !== undefined)
          ? (Object.fromEntries(found) as Record<string, Record<string, unknown>>)
          : undefined;
      });
    } finally {
      await own.stop();
    }
  }

  it("reads a user's own MMDB files (APITRAIL_GEOIP_DB) instead of the default, each field from the first that has it", async () => {
    const audits = await auditsUnder({ APITRAIL_GEOIP_DB: userDatabases() }, { 'user-range': '185.199.108.9' });
    expect(audits['user-range']).to.include({
      source_as_number: 64500,
      source_as_organization: 'Example Transit',
      source_country: 'NZ',
    });
    // Not in the user's files, and the embedded default is not consulted unless listed.
    expect(audits.google).to.not.have.property('source_as_number');
  });

  it('falls back on the embedded default when the list names it', async () => {
    const audits = await auditsUnder(
      { APITRAIL_GEOIP_DB: `${userDatabases()},embedded` },
      { 'user-range': '185.199.108.9' },
    );
    expect(audits['user-range']).to.include({ source_as_number: 64500, source_country: 'NZ' });
    expect(audits.google).to.include({ source_as_number: 15169, source_country: 'US' });
  });

  it('turns off with APITRAIL_GEOIP_DB=none', async () => {
    const audits = await auditsUnder({ APITRAIL_GEOIP_DB: 'none' });
    expect(audits.google).to.include({ source_ip: '8.8.8.8' });
    expect(audits.google).to.not.have.property('source_as_number');
  });
});
