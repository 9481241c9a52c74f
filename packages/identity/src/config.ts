import { randomBytes } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import {
  ApitrailConfigError,
  HmacSha256,
  readBoolean,
  readEnum,
  readEnumList,
  readList,
  readString,
  type Environment,
} from '@apitrail/core/internal';
import type { KeyRegistry } from './key-registry.js';
import { KeyRegistryFile } from './key-lifecycle.js';
import { parseTrustedProxies, type TrustedProxies } from './trusted-proxies.js';

export const AUDIT_SCOPES = ['all', 'api_key'] as const;
export type AuditScope = (typeof AUDIT_SCOPES)[number];

export const JWT_IDENTITY_CLAIMS = ['sub', 'iss'] as const;
export type JwtIdentityClaim = (typeof JWT_IDENTITY_CLAIMS)[number];

export const DEFAULT_API_KEY_HEADERS: readonly string[] = ['x-api-key'];
export const DEFAULT_TENANT_HEADER = 'x-tenant-id';

/** Shortest fingerprint key accepted: HMAC-SHA256 keys below 128 bits invite brute force. */
const MIN_FINGERPRINT_KEY_BYTES = 16;

/** Everything `@apitrail/identity` reads from the environment, validated. */
export interface IdentityConfig {
  /** Headers (lowercase) that may carry a bare API key, in order of preference. */
  readonly apiKeyHeaders: readonly string[];
  /** Query parameter that may carry an API key; unset means keys in URLs are not looked for. */
  readonly apiKeyQueryParam?: string;
  /** From `APITRAIL_API_KEYS_FILE` (a {@link KeyRegistryFile}, which can watch the file), or given. */
  readonly keyRegistry?: KeyRegistry;
  /** The HMAC that turns unregistered keys into stable pseudonyms (and keys the cache). */
  readonly fingerprintMac: HmacSha256;
  /** False when the fingerprint key was generated at startup (fingerprints then differ per process). */
  readonly fingerprintKeyConfigured: boolean;
  readonly trustTenantHeader: boolean;
  readonly tenantHeader: string;
  readonly trustedProxies: TrustedProxies;
  readonly auditScope: AuditScope;
  /** JWT claims taken as identity (no signature check: verifying the token is the app's job). */
  readonly jwtIdentityClaims: readonly JwtIdentityClaim[];
}

function fingerprintKey(env: Environment): { key: Buffer; configured: boolean } {
  const value = readString(env, 'APITRAIL_FINGERPRINT_KEY');
  if (value === undefined) return { key: randomBytes(32), configured: false };
  const key = Buffer.from(value, 'utf8');
  if (key.length < MIN_FINGERPRINT_KEY_BYTES) {
    // The message gives the length only: the value is itself a secret.
    throw new ApitrailConfigError(
      'APITRAIL_FINGERPRINT_KEY',
      `must be at least ${MIN_FINGERPRINT_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
  return { key, configured: true };
}

function headerName(name: string, value: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(value)) {
    throw new ApitrailConfigError(name, `not an HTTP header name: ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

/** The identity settings of `env` (`APITRAIL_API_KEY_*`, tenant, proxies, JWT claims), validated. */
export function readIdentityConfig(env: Environment): IdentityConfig {
  const apiKeyHeaders = readList(env, 'APITRAIL_API_KEY_HEADERS', DEFAULT_API_KEY_HEADERS).map((value) =>
    headerName('APITRAIL_API_KEY_HEADERS', value),
  );
  const apiKeyQueryParam = readString(env, 'APITRAIL_API_KEY_QUERY_PARAM');
  const registryFile = readString(env, 'APITRAIL_API_KEYS_FILE');
  const fingerprint = fingerprintKey(env);
  return {
    apiKeyHeaders,
    ...(apiKeyQueryParam === undefined ? {} : { apiKeyQueryParam }),
    ...(registryFile === undefined ? {} : { keyRegistry: new KeyRegistryFile('APITRAIL_API_KEYS_FILE', registryFile) }),
    fingerprintMac: new HmacSha256(fingerprint.key),
    fingerprintKeyConfigured: fingerprint.configured,
    trustTenantHeader: readBoolean(env, 'APITRAIL_TRUST_TENANT_HEADER', false),
    tenantHeader: headerName(
      'APITRAIL_TENANT_HEADER',
      readString(env, 'APITRAIL_TENANT_HEADER', DEFAULT_TENANT_HEADER),
    ),
    trustedProxies: parseTrustedProxies('APITRAIL_TRUSTED_PROXIES', readString(env, 'APITRAIL_TRUSTED_PROXIES')),
    auditScope: readEnum(env, 'APITRAIL_AUDIT_SCOPE', AUDIT_SCOPES, 'all'),
    jwtIdentityClaims: readEnumList(env, 'APITRAIL_JWT_IDENTITY_CLAIMS', JWT_IDENTITY_CLAIMS, []),
  };
}

/** The startup diagnostic for a generated fingerprint key; once per configuration read. */
export function warnAboutEphemeralFingerprintKey(config: IdentityConfig): void {
  if (config.fingerprintKeyConfigured) return;
  diag.warn(
    'apitrail: APITRAIL_FINGERPRINT_KEY is not set; using a random per-process key, so api_key.fingerprint ' +
      'values will not match across processes or restarts',
  );
}
