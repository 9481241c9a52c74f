// Source enrichment: the processor in a real LoggerProvider (the programmatic path), address scopes,
// the MMDB layouts read, the bounded cache, and the MMDB writer the embedded database is built with.
import { expect } from 'chai';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  SourceEnricher,
  SourceEnrichmentLogRecordProcessor,
  addressScope,
  createSourceEnricher,
  normalizeAddress,
  readEnrichConfig,
  SourceDatabases,
} from '@apitrail/enrich/internal';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MmdbWriter, cidrs, type MmdbValue } from '../../scripts/lib/mmdb-writer.mjs';

describe('enrich: client address → AS and country', () => {
  const enricher = createSourceEnricher(readEnrichConfig({}))!;

  it('adds AS number, organisation and country to records with client.address, and nothing to others', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new SourceEnrichmentLogRecordProcessor(enricher), new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('test');
    logger.emit({ body: 'a', attributes: { 'client.address': '8.8.8.8' } });
    logger.emit({ body: 'b', attributes: { 'client.address': '8.8.8.8', 'geo.country.iso_code': 'ZZ' } });
    logger.emit({ body: 'c', attributes: { other: 1 } });
    logger.emit({ body: 'd', attributes: { 'client.address': 'garbage\u0000' } });
    const [placed, explicit, unrelated, hostile] = exporter.getFinishedLogRecords().map((record) => record.attributes);
    expect(placed).to.deep.equal({
      'client.address': '8.8.8.8',
      'apitrail.client.as.number': 15169,
      'apitrail.client.as.organization.name': 'Google LLC',
      'geo.country.iso_code': 'US',
    });
    expect(explicit!['geo.country.iso_code'], 'what the emitter set wins').to.equal('ZZ');
    expect(unrelated).to.deep.equal({ other: 1 });
    expect(hostile).to.deep.equal({ 'client.address': 'garbage\u0000' });
  });

  it('tags loopback, private, carrier-grade NAT, unique-local and link-local addresses; public ones get none', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', undefined],
      ['192.168.0.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12:3456::1', 'private'],
      ['169.254.169.254', 'link_local'],
      ['fe80::1', 'link_local'],
      ['8.8.8.8', undefined],
      ['2001:4860:4860::8888', undefined],
    ];
    for (const [address, scope] of cases) expect(addressScope(address), address).to.equal(scope);
    expect(normalizeAddress('::ffff:10.0.0.1')).to.equal('10.0.0.1');
    expect(normalizeAddress('8.8.8.8:443')).to.equal(undefined);
  });

  it('tags documentation, benchmarking, multicast and other reserved ranges, to their boundaries, and places none', () => {
    const cases: [string, string | undefined][] = [
      ['0.0.0.0', 'reserved'],
      ['0.255.255.255', 'reserved'],
      ['1.0.0.0', undefined],
      ['192.0.1.255', undefined],
      ['192.0.2.0', 'reserved'],
      ['192.0.2.255', 'reserved'],
      ['192.0.3.0', undefined],
      ['198.17.255.255', undefined],
      ['198.18.0.0', 'reserved'],
      ['198.19.255.255', 'reserved'],
      ['198.20.0.0', undefined],
      ['198.51.99.255', undefined],
      ['198.51.100.0', 'reserved'],
      ['198.51.100.255', 'reserved'],
      ['198.51.101.0', undefined],
      ['203.0.112.255', undefined],
      ['203.0.113.0', 'reserved'],
      ['203.0.113.255', 'reserved'],
      ['203.0.114.0', undefined],
      ['223.255.255.255', undefined],
      ['224.0.0.1', 'reserved'],
      ['239.255.255.255', 'reserved'],
      ['240.0.0.0', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['::', 'reserved'],
      ['::2', undefined],
      ['100::', 'reserved'],
      ['100::ffff:ffff:ffff:ffff', 'reserved'],
      ['100:0:0:1::', undefined],
      ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', undefined],
      ['2001:db8::', 'reserved'],
      ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
      ['2001:db9::', undefined],
      ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', undefined],
      ['3fff::', 'reserved'],
      ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
      ['3fff:1000::', undefined],
      ['ff02::1', 'reserved'],
      ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', undefined],
    ];
    for (const [address, scope] of cases) expect(addressScope(address), address).to.equal(scope);
    // The embedded country database has entries for some of them (AU, JP): none is claimed.
    for (const address of ['192.0.2.1', '198.51.100.7', '203.0.113.9', '2001:db8::1', '::ffff:198.51.100.7']) {
      expect(enricher.attributesOf(address), address).to.deep.equal([['apitrail.client.address_scope', 'reserved']]);
    }
  });

  it('reads the GeoLite2, IPinfo Lite and ip-location-db record layouts from real MMDB files', () => {
    const layouts: [number, MmdbValue][] = [
      [1, { autonomous_system_number: 64501, autonomous_system_organization: 'A', country: { iso_code: 'de' } }],
      [2, { asn: 'AS64502', as_name: 'B', country_code: 'FR', country: 'France' }],
      [3, { country_code: 'JP' }],
      [4, { registered_country: { iso_code: 'BR' } }],
      [5, { asn: 'not-a-number', country: 'nowhere' }],
    ];
    const writer = new MmdbWriter();
    for (const [last, record] of layouts)
      writer.insertIpv4Range(0xc0000200 + last, 0xc0000200 + last, writer.data(record));
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-mmdb-')), 'layouts.mmdb');
    writeFileSync(file, writer.toBuffer({ databaseType: 'test', description: 'layouts', buildEpoch: 1 }));
    const databases = new SourceDatabases([file]);
    expect(databases.locate('192.0.2.1')).to.deep.equal({ asNumber: 64501, asOrganization: 'A', countryIsoCode: 'DE' });
    expect(databases.locate('192.0.2.2')).to.deep.equal({ asNumber: 64502, asOrganization: 'B', countryIsoCode: 'FR' });
    expect(databases.locate('192.0.2.3')).to.deep.equal({ countryIsoCode: 'JP' });
    expect(databases.locate('192.0.2.4')).to.deep.equal({ countryIsoCode: 'BR' });
    expect(databases.locate('192.0.2.5')).to.deep.equal({});
    expect(databases.locate('192.0.2.9')).to.deep.equal({});
  });

  it('remembers at most cacheSize addresses, and asks the databases once per remembered address', () => {
    let asked = 0;
    const databases = {
      locate: () => {
        asked++;
        return { countryIsoCode: 'US' };
      },
    } as unknown as SourceDatabases;
    const small = new SourceEnricher(databases, 2);
    small.attributesOf('8.8.8.8');
    small.attributesOf('8.8.8.8');
    expect(asked).to.equal(1);
    small.attributesOf('8.8.4.4');
    small.attributesOf('1.1.1.1');
    small.attributesOf('8.8.8.8');
    expect(asked, 'the oldest address was forgotten').to.equal(4);
  });

  it('covers a range with exactly the CIDR blocks it needs', () => {
    expect(cidrs(0n, 255n, 32)).to.deep.equal([[0n, 24]]);
    expect(cidrs(1n, 6n, 32)).to.deep.equal([
      [1n, 32],
      [2n, 31],
      [4n, 31],
      [6n, 32],
    ]);
    expect(cidrs(0n, (1n << 128n) - 1n, 128)).to.deep.equal([[0n, 0]]);
  });
});
