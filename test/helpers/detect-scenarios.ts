// Scripted traffic for the detection tests. The same scenarios feed the Detector directly, the
// in-process processor, a real app under the register, and `apitrail analyze` over files.
import { randomBytes } from 'node:crypto';

export interface ScriptedRequest {
  /** Seconds after the scenario's start. */
  readonly offsetSeconds: number;
  readonly apiKeyId?: string;
  /** An unregistered key's fingerprint (what apitrail records instead of an id). */
  readonly apiKeyFingerprint?: string;
  /** A known key past the end of its life (what the key registry decides). */
  readonly apiKeyStatus?: 'revoked' | 'expired';
  readonly sourceIp: string;
  readonly statusCode: number;
  readonly path: string;
  readonly claimedTenant?: string;
  readonly tenant?: string;
}

const SCANS = '/api/v1/scans';

/** `count` requests `secondsApart` seconds apart, the nth as `request(n)` describes it. */
function series(
  count: number,
  secondsApart: number,
  request: (n: number) => Omit<ScriptedRequest, 'offsetSeconds'>,
): ScriptedRequest[] {
  return Array.from({ length: count }, (_, n) => ({ offsetSeconds: n * secondsApart, ...request(n) }));
}

/** Ids are random per run, so no test depends on a lucky hash. */
export function randomKeyId(): string {
  return `key_${randomBytes(6).toString('hex')}`;
}

export function testIp(index: number): string {
  // TEST-NET-3 (RFC 5737) and a second block, so more than 254 addresses are available.
  return index < 250 ? `203.0.113.${index + 1}` : `198.51.100.${(index % 250) + 1}`;
}

/** One key used from `ips` addresses, `perIp` successful requests each, spread over 10 minutes. */
export function leakedKey(keyId: string, ips: number, perIp = 2): ScriptedRequest[] {
  const requests: ScriptedRequest[] = [];
  for (let ip = 0; ip < ips; ip++) {
    for (let n = 0; n < perIp; n++) {
      requests.push({
        offsetSeconds: ip * 60 + n,
        apiKeyId: keyId,
        sourceIp: testIp(ip),
        statusCode: 200,
        path: SCANS,
      });
    }
  }
  return requests;
}

/** `count` 401s for one key from one IP, a second apart. */
export function authFailureBurst(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return series(count, 1, () => ({
    apiKeyId: keyId,
    sourceIp: ip,
    statusCode: 401,
    path: SCANS,
  }));
}

/** `count` 404s from one unauthenticated IP probing paths. */
export function notFoundScan(ip: string, count: number): ScriptedRequest[] {
  return series(count, 1, (n) => ({
    sourceIp: ip,
    statusCode: 404,
    path: `/probe/${n}`,
  }));
}

/** `count` requests by one key claiming a tenant it does not belong to. */
export function tenantMismatches(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return tenantRefusals(keyId, ip, count, () => 'tenant-b');
}

/** `count` 403s for a key of tenant-a claiming, each time, the tenant `claimed()` names. */
function tenantRefusals(keyId: string, ip: string, count: number, claimed: () => string): ScriptedRequest[] {
  return series(count, 1, () => ({
    apiKeyId: keyId,
    sourceIp: ip,
    statusCode: 403,
    path: SCANS,
    tenant: 'tenant-a',
    claimedTenant: claimed(),
  }));
}

/** `count` different unregistered keys tried from one IP, each refused once (credential stuffing). */
export function credentialStuffing(ip: string, count: number): ScriptedRequest[] {
  return series(count, 1, () => ({
    apiKeyFingerprint: randomBytes(8).toString('hex'),
    sourceIp: ip,
    statusCode: 401,
    path: SCANS,
  }));
}

/** One key claiming `count` different tenants in turn, each refused (tenant enumeration). */
export function tenantEnumeration(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return tenantRefusals(keyId, ip, count, () => `tenant-${randomBytes(3).toString('hex')}`);
}

/** `count` successful requests by one key from one IP (a scraper, or a leaked key in a script). */
export function excessVolume(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return series(count, 2, () => ({
    apiKeyId: keyId,
    sourceIp: ip,
    statusCode: 200,
    path: SCANS,
  }));
}

/** `count` requests with a key that was revoked, each refused. */
export function revokedKeyUse(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return series(count, 30, () => ({
    apiKeyId: keyId,
    apiKeyStatus: 'revoked' as const,
    sourceIp: ip,
    statusCode: 401,
    path: SCANS,
  }));
}

/**
 * Two successful requests by one key from each of `addresses`: public addresses, so the register's
 * enrichment gives each a country and an AS number (the embedded database).
 */
export function keyFromAddresses(keyId: string, addresses: readonly string[]): ScriptedRequest[] {
  return addresses.flatMap((sourceIp, n) =>
    [0, 1].map((k) => ({
      offsetSeconds: n * 600 + k,
      apiKeyId: keyId,
      sourceIp,
      statusCode: 200,
      path: SCANS,
    })),
  );
}

/**
 * `count` requests from one IP with a GitHub-shaped token in the query string (made at test time):
 * apitrail masks it, and with APITRAIL_REDACT_SUMMARY=true counts it on the audit record.
 */
export function secretsInQuery(keyId: string, ip: string, count: number): ScriptedRequest[] {
  return series(count, 1, () => ({
    apiKeyId: keyId,
    sourceIp: ip,
    statusCode: 200,
    path: `/api/v1/scans?access_token=ghp_${randomBytes(18).toString('hex')}`,
  }));
}

/**
 * Normal traffic: 50 keys, each from one or two fixed IPs, a handful of requests over an hour,
 * with the odd 404 and 401 a real client produces.
 */
export function normalTraffic(keys: readonly string[]): ScriptedRequest[] {
  const requests: ScriptedRequest[] = [];
  keys.forEach((keyId, k) => {
    for (let n = 0; n < 20; n++) {
      const statusCode = n === 7 ? 404 : n === 13 ? 401 : 200;
      requests.push({
        offsetSeconds: n * 170 + k,
        apiKeyId: keyId,
        sourceIp: testIp(100 + ((k * 2 + (n % 2)) % 100)),
        statusCode,
        path: statusCode === 404 ? '/api/v1/missing' : '/api/v1/scans',
        tenant: 'tenant-a',
      });
    }
  });
  return requests.sort((a, b) => a.offsetSeconds - b.offsetSeconds);
}
