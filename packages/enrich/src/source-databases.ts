import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import { ApitrailConfigError } from '@apitrail/core';

/** What the databases know about one address. */
export interface SourceLocation {
  readonly asNumber?: number;
  readonly asOrganization?: string;
  /** ISO 3166-1 alpha-2. */
  readonly countryIsoCode?: string;
}

/** The fields of the MMDB layouts apitrail reads (GeoLite2 / DB-IP, IPinfo Lite, ip-location-db). */
interface KnownRecord {
  autonomous_system_number?: unknown;
  autonomous_system_organization?: unknown;
  asn?: unknown;
  as_name?: unknown;
  country?: { iso_code?: unknown } | unknown;
  registered_country?: { iso_code?: unknown };
  country_code?: unknown;
}

/** What starts an MMDB file's metadata section, within its last 128 KiB (the MaxMind DB spec). */
const METADATA_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');
const METADATA_MAX_SIZE = 128 * 1024;

/**
 * Why `buffer` cannot be an MMDB file before a reader is asked, in words an operator can act on
 * (the reader's own error for a file cut short reads "Invalid Extended Type at offset 0").
 */
function unreadableBecause(buffer: Buffer): string | undefined {
  if (buffer.length === 0) return 'is empty (0 bytes)';
  const tail = buffer.subarray(Math.max(0, buffer.length - METADATA_MAX_SIZE));
  if (tail.lastIndexOf(METADATA_MARKER) === -1) {
    return `has no MaxMind DB metadata section at its end: truncated (a copy or download cut short), or not an MMDB file (${buffer.length} bytes)`;
  }
  return undefined;
}

/** The word that stands for the embedded default in `APITRAIL_GEOIP_DB`. */
export const EMBEDDED = 'embedded';

/**
 * The embedded default: an IP → AS number database apitrail builds from @ip-location-db/asn
 * (RouteViews and DB-IP, CC BY 4.0) and ip-location-db's geo-whois-asn-country (CC0) for countries.
 */
export function embeddedDatabasePaths(): string[] {
  const country = join(
    dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')),
    'geo-whois-asn-country.mmdb',
  );
  return [join(__dirname, '..', 'data', 'asn.mmdb'), country];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function asNumberOf(record: KnownRecord): number | undefined {
  if (typeof record.autonomous_system_number === 'number') return record.autonomous_system_number;
  // IPinfo writes `AS15169`.
  const asn = text(record.asn);
  const digits = asn === undefined ? undefined : /^AS(\d+)$/i.exec(asn)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

function countryOf(record: KnownRecord): string | undefined {
  const country = record.country;
  const nested =
    typeof country === 'object' && country !== null ? text((country as { iso_code?: unknown }).iso_code) : undefined;
  return (
    nested ??
    text(record.country_code) ??
    text(record.registered_country?.iso_code) ??
    (typeof country === 'string' && country.length === 2 ? country : undefined)
  )?.toUpperCase();
}

/** The fields of one database record, in apitrail's shape. */
export function locationOf(record: KnownRecord): SourceLocation {
  const asNumber = asNumberOf(record);
  const asOrganization = text(record.autonomous_system_organization) ?? text(record.as_name);
  const countryIsoCode = countryOf(record);
  return {
    ...(asNumber === undefined ? {} : { asNumber }),
    ...(asOrganization === undefined ? {} : { asOrganization }),
    ...(countryIsoCode === undefined ? {} : { countryIsoCode }),
  };
}

/**
 * One or more MMDB files read into memory at startup and asked in order: each field comes from the
 * first database that has it, so an ASN file and a country file combine.
 */
export class SourceDatabases {
  private readonly readers: Reader<Response>[];

  constructor(
    readonly paths: readonly string[],
    setting = 'APITRAIL_GEOIP_DB',
  ) {
    this.readers = paths.map((path) => {
      let buffer: Buffer;
      try {
        buffer = readFileSync(path);
      } catch (error) {
        throw new ApitrailConfigError(
          setting,
          `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      const because = unreadableBecause(buffer);
      if (because !== undefined) throw new ApitrailConfigError(setting, `${path} ${because}`);
      try {
        return new Reader<Response>(buffer);
      } catch (error) {
        // The marker is there (unreadableBecause): what follows it, or the tree it describes, is not.
        throw new ApitrailConfigError(
          setting,
          `${path} is a truncated or damaged MaxMind DB (MMDB) file: its metadata section cannot be read (${(error as Error).message})`,
        );
      }
    });
  }

  /** What the databases say about a (valid, normalised) address; `{}` when none places it. */
  locate(address: string): SourceLocation {
    let merged: SourceLocation = {};
    for (const reader of this.readers) {
      const record = reader.get(address) as KnownRecord | null;
      if (record === null) continue;
      merged = { ...locationOf(record), ...merged };
      if (merged.asNumber !== undefined && merged.countryIsoCode !== undefined && merged.asOrganization !== undefined) {
        break;
      }
    }
    return merged;
  }
}
