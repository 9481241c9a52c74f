import { existsSync } from 'node:fs';
import { diag, type AttributeValue } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS_SCOPE,
  ATTR_CLIENT_AS_NUMBER,
  ATTR_CLIENT_AS_ORGANIZATION_NAME,
  ATTR_GEO_COUNTRY_ISO_CODE,
} from '@apitrail/core/internal';
import { addressScope, normalizeAddress } from './address-scope.js';
import { EMBEDDED, SourceDatabases, embeddedDatabasePaths } from './source-databases.js';
import type { EnrichConfig } from './config.js';

/** The attributes one address adds to a record, as name/value pairs. */
export type SourceAttributes = readonly (readonly [string, AttributeValue])[];

const NOTHING: SourceAttributes = Object.freeze([]);

/**
 * Client address → AS number, AS organisation and country (or the scope of a non-public address),
 * as record attributes. Answers are remembered per address in a bounded map, first in first out:
 * a remembered address costs one Map lookup, a new one a database walk (see the benchmark).
 */
export class SourceEnricher {
  private readonly cache = new Map<string, SourceAttributes>();

  constructor(
    private readonly databases: SourceDatabases,
    private readonly cacheSize = 10_000,
  ) {}

  attributesOf(address: string): SourceAttributes {
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached;
    const computed = this.compute(address);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(address, computed);
    return computed;
  }

  private compute(address: string): SourceAttributes {
    const normalized = normalizeAddress(address);
    if (normalized === undefined) return NOTHING;
    const scope = addressScope(normalized);
    if (scope !== undefined) return Object.freeze([[ATTR_CLIENT_ADDRESS_SCOPE, scope] as const]);
    const location = this.databases.locate(normalized);
    const pairs: [string, AttributeValue][] = [];
    if (location.asNumber !== undefined) pairs.push([ATTR_CLIENT_AS_NUMBER, location.asNumber]);
    if (location.asOrganization !== undefined) pairs.push([ATTR_CLIENT_AS_ORGANIZATION_NAME, location.asOrganization]);
    if (location.countryIsoCode !== undefined) pairs.push([ATTR_GEO_COUNTRY_ISO_CODE, location.countryIsoCode]);
    return Object.freeze(pairs);
  }
}

/**
 * The enricher `APITRAIL_GEOIP_DB` describes, or `undefined` when it is `none`. A user's file that
 * cannot be read stops startup (ApitrailConfigError); an embedded database missing from a source
 * checkout that was compiled but not built (`npm run build` makes it) is left out with a warning.
 */
export function createSourceEnricher(config: EnrichConfig): SourceEnricher | undefined {
  if (config.databases.length === 0) return undefined;
  const paths = config.databases.flatMap((entry) => {
    if (entry.toLowerCase() !== EMBEDDED) return [entry];
    const embedded = embeddedDatabasePaths();
    const missing = embedded.filter((path) => !existsSync(path));
    if (missing.length > 0) {
      diag.warn(`apitrail: embedded enrichment database missing (${missing.join(', ')}); run \`npm run build\``);
    }
    return embedded.filter((path) => existsSync(path));
  });
  return new SourceEnricher(new SourceDatabases(paths), config.cacheSize);
}
