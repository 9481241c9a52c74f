// Builds packages/enrich/data/asn.mmdb, the embedded default IP → AS number database, from the
// @ip-location-db/asn CSV (RouteViews and DB-IP data, CC BY 4.0). MMDB records have the
// GeoLite2-ASN shape (autonomous_system_number, autonomous_system_organization), so the same reader
// serves it and a user's own GeoLite2-ASN file. Skipped when the output was built from the same
// CSV version. Run by `npm run build` and by the package's prepack.
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { MmdbWriter } from './lib/mmdb-writer.mjs';

const root = resolve(import.meta.dirname, '..');
const output = join(root, 'packages/enrich/data/asn.mmdb');
const stamp = `${output}.source`;
const require = createRequire(join(root, 'package.json'));
const sourceDir = dirname(require.resolve('@ip-location-db/asn/package.json'));
const { version } = JSON.parse(readFileSync(join(sourceDir, 'package.json'), 'utf8'));
const source = `@ip-location-db/asn@${version}`;

if (existsSync(output) && existsSync(stamp) && readFileSync(stamp, 'utf8') === source) process.exit(0);

/** One CSV line: fields separated by commas, quoted fields with doubled quotes inside. */
function csvFields(line) {
  const fields = [];
  let index = 0;
  while (index <= line.length) {
    if (line[index] === '"') {
      let value = '';
      index++;
      for (;;) {
        const quote = line.indexOf('"', index);
        value += line.slice(index, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          index = quote + 2;
        } else {
          index = quote + 2;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', index);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(index, end));
      index = end + 1;
    }
  }
  return fields;
}

async function load(writer, file, insert) {
  let ranges = 0;
  for await (const line of createInterface({ input: createReadStream(join(sourceDir, file)) })) {
    if (line === '') continue;
    const [first, last, asn, organization] = csvFields(line);
    const number = Number(asn);
    if (!Number.isInteger(number) || number <= 0) continue;
    const record = { autonomous_system_number: number };
    if (organization) record.autonomous_system_organization = organization;
    insert(first, last, writer.data(record));
    ranges++;
  }
  return ranges;
}

const started = Date.now();
const writer = new MmdbWriter();
const v4 = await load(writer, 'asn-ipv4-num.csv', (first, last, reference) =>
  writer.insertIpv4Range(Number(first), Number(last), reference),
);
const v6 = await load(writer, 'asn-ipv6-num.csv', (first, last, reference) =>
  writer.insertIpv6Range(BigInt(first), BigInt(last), reference),
);
const file = writer.toBuffer({
  databaseType: 'apitrail-ASN',
  description: `IP to AS number, built by apitrail from ${source} (RouteViews and DB-IP, CC BY 4.0)`,
  buildEpoch: Math.floor(Date.now() / 1000),
});
writeFileSync(output, file);
writeFileSync(stamp, source);
console.log(
  `asn.mmdb: ${v4} IPv4 and ${v6} IPv6 ranges from ${source}, ${(file.length / 1e6).toFixed(1)} MB in ${Date.now() - started} ms`,
);
