import { readBoolean, readNumber, type Environment } from '@apitrail/core/internal';

/** Thresholds and windows of the detection rules. Every threshold means "fires when the count is above it". */
export interface DetectConfig {
  readonly enabled: boolean;
  /** Sliding window of the per-key rules (distinct IPs, volume), in seconds. */
  readonly windowSeconds: number;
  readonly maxSourceIpsPerKey: number;
  readonly maxRequestsPerKey: number;
  /** Volume above `baselineFactor` × the key's own recent per-window average also fires... */
  readonly baselineFactor: number;
  /** ...once the window holds at least this many requests (so a quiet key going from 1 to 20 does not). */
  readonly baselineMinRequests: number;
  /** Sliding window of the burst rules (401/403, 404, tenant mismatch), in seconds. */
  readonly burstWindowSeconds: number;
  readonly maxAuthFailures: number;
  readonly maxNotFound: number;
  readonly maxTenantMismatches: number;
  /** After a rule fires for a key or IP, it stays silent for that key or IP this long. */
  readonly cooldownSeconds: number;
  /** A key's countries and AS numbers are learnt over its first this-many requests... */
  readonly geoBaselineRequests: number;
  /** ...and at least this many seconds; only then does a new one alert. */
  readonly geoBaselineSeconds: number;
  /** Impossible travel: faster than this between two countries' nearest plausible points. */
  readonly maxTravelKmh: number;
  /** Credential stuffing: distinct refused or unregistered keys from one IP per burst window. */
  readonly maxKeysPerIp: number;
  /** Tenant enumeration: distinct claimed tenants from one IP per burst window. */
  readonly maxTenantsPerIp: number;
  /** LRU caps: beyond these, the least recently seen key or IP is forgotten. */
  readonly maxTrackedKeys: number;
  readonly maxTrackedIps: number;
}

/** Defaults from the seeds: more than 5 distinct IPs or 1000 requests per key per hour. */
export const DETECT_DEFAULTS: DetectConfig = {
  enabled: true,
  windowSeconds: 3600,
  maxSourceIpsPerKey: 5,
  maxRequestsPerKey: 1000,
  baselineFactor: 10,
  baselineMinRequests: 100,
  burstWindowSeconds: 300,
  maxAuthFailures: 10,
  maxNotFound: 20,
  maxTenantMismatches: 3,
  cooldownSeconds: 3600,
  geoBaselineRequests: 20,
  geoBaselineSeconds: 3600,
  maxTravelKmh: 1000,
  maxKeysPerIp: 10,
  maxTenantsPerIp: 5,
  maxTrackedKeys: 10000,
  maxTrackedIps: 10000,
};

const DAY = 86400;

/** Reads `APITRAIL_DETECT_*`; throws ApitrailConfigError naming the variable on a bad value. */
export function readDetectConfig(env: Environment): DetectConfig {
  const d = DETECT_DEFAULTS;
  const count = (name: string, fallback: number, max = 1_000_000_000): number =>
    readNumber(env, name, fallback, { min: 1, max, integer: true });
  return {
    enabled: readBoolean(env, 'APITRAIL_DETECT_ENABLED', d.enabled),
    windowSeconds: count('APITRAIL_DETECT_WINDOW_SECONDS', d.windowSeconds, 7 * DAY),
    // The distinct-IP sketch keeps threshold + 1 entries per key, so the threshold is capped.
    maxSourceIpsPerKey: count('APITRAIL_DETECT_MAX_IPS_PER_KEY', d.maxSourceIpsPerKey, 63),
    maxRequestsPerKey: count('APITRAIL_DETECT_MAX_REQUESTS_PER_KEY', d.maxRequestsPerKey),
    baselineFactor: readNumber(env, 'APITRAIL_DETECT_BASELINE_FACTOR', d.baselineFactor, { min: 1.5, max: 1e6 }),
    baselineMinRequests: count('APITRAIL_DETECT_BASELINE_MIN_REQUESTS', d.baselineMinRequests),
    burstWindowSeconds: count('APITRAIL_DETECT_BURST_WINDOW_SECONDS', d.burstWindowSeconds, DAY),
    maxAuthFailures: count('APITRAIL_DETECT_MAX_AUTH_FAILURES', d.maxAuthFailures),
    maxNotFound: count('APITRAIL_DETECT_MAX_NOT_FOUND', d.maxNotFound),
    maxTenantMismatches: count('APITRAIL_DETECT_MAX_TENANT_MISMATCHES', d.maxTenantMismatches),
    cooldownSeconds: readNumber(env, 'APITRAIL_DETECT_COOLDOWN_SECONDS', d.cooldownSeconds, {
      min: 0,
      max: 30 * DAY,
      integer: true,
    }),
    geoBaselineRequests: count('APITRAIL_DETECT_GEO_BASELINE_REQUESTS', d.geoBaselineRequests),
    geoBaselineSeconds: readNumber(env, 'APITRAIL_DETECT_GEO_BASELINE_SECONDS', d.geoBaselineSeconds, {
      min: 0,
      max: 90 * DAY,
      integer: true,
    }),
    maxTravelKmh: count('APITRAIL_DETECT_MAX_TRAVEL_KMH', d.maxTravelKmh, 100_000),
    // The distinct sketches keep threshold + 1 entries per IP, so these thresholds are capped too.
    maxKeysPerIp: count('APITRAIL_DETECT_MAX_KEYS_PER_IP', d.maxKeysPerIp, 63),
    maxTenantsPerIp: count('APITRAIL_DETECT_MAX_TENANTS_PER_IP', d.maxTenantsPerIp, 63),
    maxTrackedKeys: count('APITRAIL_DETECT_MAX_KEYS', d.maxTrackedKeys, 10_000_000),
    maxTrackedIps: count('APITRAIL_DETECT_MAX_IPS', d.maxTrackedIps, 10_000_000),
  };
}
