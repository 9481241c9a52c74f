import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_PREFIX,
  ATTR_API_KEY_STATUS,
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_AS_NUMBER,
  ATTR_GEO_COUNTRY_ISO_CODE,
  ATTR_EVENT_REASON,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_TENANT_CLAIMED_ID,
  ATTR_TENANT_ID,
} from '@apitrail/core/internal';

/**
 * What the rules look at in one audit record. Both paths build it from attributes under their
 * OTel names: the in-process processor from the log record, `apitrail analyze` from NDJSON or
 * OTLP-JSON lines, so the rules cannot drift apart.
 */
export interface DetectionEvent {
  readonly timeMs: number;
  /**
   * `api_key.id`; `fingerprint:<api_key.fingerprint>` for an unregistered key; `prefix:<api_key.prefix>`
   * for a key the registry knew by its public prefix alone.
   */
  readonly apiKey: string | undefined;
  readonly sourceIp: string | undefined;
  readonly statusCode: number;
  readonly tenantMismatch: boolean;
  /** The key was revoked or expired when it was presented (`api_key.status`). */
  readonly keyEnded?: boolean;
  /** Where the client address is (from @apitrail/enrich), when known. */
  readonly country?: string;
  readonly asNumber?: number;
  /** The tenant the client claimed in a header, when any. */
  readonly claimedTenant?: string;
}

/** Prefix of a detection subject that is an unknown key's fingerprint rather than a registered key id. */
export const FINGERPRINT_PREFIX = 'fingerprint:';

/**
 * Prefix of a detection subject that is a public key prefix: the registry named the key from the
 * first characters of what was presented, which anyone who has seen the prefix can type with a
 * wrong secret. Such a request is evidence about a claim, not a use of the key, so it counts
 * under its own subject and never under the key id: otherwise six strangers typing `pk_ABC…`
 * followed by garbage would flag (and in block mode quarantine) the paying customer's key.
 */
export const KEY_PREFIX_PREFIX = 'prefix:';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The reason identity gives; an audit record whose claimed tenant differs from the trusted one counts too. */
const TENANT_MISMATCH = 'tenant_mismatch';

/** The DetectionEvent of one audit record at `timeMs`, from its attributes under their OTel names. */
export function eventFromAttributes(timeMs: number, attributes: Readonly<Record<string, unknown>>): DetectionEvent {
  const keyPrefix = text(attributes[ATTR_API_KEY_PREFIX]);
  const keyId = keyPrefix === undefined ? text(attributes[ATTR_API_KEY_ID]) : undefined;
  const fingerprint = keyId === undefined ? text(attributes[ATTR_API_KEY_FINGERPRINT]) : undefined;
  const claimed = text(attributes[ATTR_TENANT_CLAIMED_ID]);
  const trusted = text(attributes[ATTR_TENANT_ID]);
  const status = attributes[ATTR_HTTP_RESPONSE_STATUS_CODE];
  return {
    timeMs,
    apiKey:
      keyPrefix !== undefined
        ? KEY_PREFIX_PREFIX + keyPrefix
        : (keyId ?? (fingerprint === undefined ? undefined : FINGERPRINT_PREFIX + fingerprint)),
    sourceIp: text(attributes[ATTR_CLIENT_ADDRESS]),
    statusCode: typeof status === 'number' ? status : Number(status ?? 0),
    tenantMismatch:
      attributes[ATTR_EVENT_REASON] === TENANT_MISMATCH ||
      (claimed !== undefined && trusted !== undefined && claimed !== trusted),
    keyEnded: attributes[ATTR_API_KEY_STATUS] !== undefined,
    country: text(attributes[ATTR_GEO_COUNTRY_ISO_CODE]),
    asNumber: typeof attributes[ATTR_CLIENT_AS_NUMBER] === 'number' ? attributes[ATTR_CLIENT_AS_NUMBER] : undefined,
    claimedTenant: claimed,
  };
}
