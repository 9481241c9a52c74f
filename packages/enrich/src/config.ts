import { readList, readNumber, type Environment } from '@apitrail/core/internal';
import { EMBEDDED } from './source-databases.js';

/** The source enrichment settings (`APITRAIL_GEOIP_*`). */
export interface EnrichConfig {
  /** MMDB files asked in order; `embedded` stands for apitrail's default; empty: enrichment off. */
  readonly databases: readonly string[];
  /** Addresses whose answer is remembered (first in, first out). */
  readonly cacheSize: number;
}

/**
 * Reads `APITRAIL_GEOIP_DB` (comma-separated MMDB paths, `embedded` for the default, `none` to turn
 * enrichment off) and `APITRAIL_GEOIP_CACHE_SIZE`.
 */
export function readEnrichConfig(env: Environment): EnrichConfig {
  const databases = readList(env, 'APITRAIL_GEOIP_DB', [EMBEDDED]);
  return {
    databases: databases.length === 1 && databases[0]!.toLowerCase() === 'none' ? [] : databases,
    cacheSize: readNumber(env, 'APITRAIL_GEOIP_CACHE_SIZE', 10_000, { min: 1, max: 10_000_000, integer: true }),
  };
}
