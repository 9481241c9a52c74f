import { SeverityNumber } from '@opentelemetry/api';
import { APITRAIL_EVENTS, OWASP_EVENTS } from '@apitrail/core/internal';

/** One detection rule as alerts and the Sigma rules in `rules/` describe it (`security_rule.*`). */
export interface RuleDefinition {
  readonly name: string;
  readonly uuid: string;
  readonly version: string;
  readonly description: string;
  readonly reference: string;
  /** The alert record's EventName: the OWASP word when there is one. */
  readonly eventName: string;
  readonly severityNumber: SeverityNumber;
  readonly severityText: string;
}

const REFERENCE = 'https://github.com/apitrail/apitrail/tree/main/packages/detect#rules';

/** The rule set. UUIDs and names are stable: the Sigma rules in `rules/` carry the same ones. */
export const RULES = {
  keyMultipleSourceIps: {
    name: 'apitrail_key_multiple_source_ips',
    uuid: '419b2b2f-5342-4650-a237-a4945195c4bf',
    version: '1',
    description: 'An API key was used from more distinct source IPs than the threshold within the window (leaked key).',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.keyMultipleSourceIps,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
  },
  keyExcessVolume: {
    name: 'apitrail_key_excess_volume',
    uuid: '9eb67fbe-131a-4704-864a-2e3af01925ea',
    version: '1',
    description:
      "Requests per API key above the ceiling, or far above the key's own recent baseline, within the window.",
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.keyExcessVolume,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
  },
  authFailureBurst: {
    name: 'apitrail_auth_failure_burst',
    uuid: '973d996b-c905-4cf4-9c7b-e65823b09ec0',
    version: '1',
    description: 'More 401/403 responses for one API key or one source IP than the threshold within the burst window.',
    reference: REFERENCE,
    eventName: OWASP_EVENTS.authnLoginFailMax,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
  },
  notFoundScan: {
    name: 'apitrail_not_found_scan',
    uuid: 'a572aa83-f73f-490a-8c62-adccdf5bbf67',
    version: '1',
    description:
      'More 404 responses for one source IP or API key than the threshold within the burst window (scanning).',
    reference: REFERENCE,
    eventName: OWASP_EVENTS.maliciousExcess404,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
  },
  tenantMismatchStreak: {
    name: 'apitrail_tenant_mismatch_streak',
    uuid: 'c7e8d922-99de-440d-9dcb-9e3167c31433',
    version: '1',
    description:
      'More requests claiming a tenant other than the trusted one than the threshold, per API key or source IP, within the burst window.',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.tenantMismatchStreak,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
  },
  revokedKeyReuse: {
    name: 'apitrail_revoked_key_reuse',
    uuid: '866d99d4-e7da-4259-8074-89371dafa0e5',
    version: '1',
    description:
      'A known API key was presented after it was revoked or expired (`api_key.status`): the key leaked, or a client was never updated.',
    reference: REFERENCE,
    eventName: OWASP_EVENTS.authnTokenReuse,
    severityNumber: SeverityNumber.FATAL,
    severityText: 'CRITICAL',
  },
  keyNewCountry: {
    name: 'apitrail_key_new_country',
    uuid: '0fe67bab-f823-42dc-9365-2ad29c85d0ed',
    version: '1',
    description:
      'An API key was used from a country (geo.country.iso_code) not in its baseline, after the baseline was learnt.',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.keyNewCountry,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
  },
  keyNewAsn: {
    name: 'apitrail_key_new_asn',
    uuid: 'affcd1be-6ff5-4205-a476-2e6d216010a5',
    version: '1',
    description:
      'An API key was used from an autonomous system (apitrail.client.as.number) not in its baseline, after the baseline was learnt.',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.keyNewAsn,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
  },
  impossibleTravel: {
    name: 'apitrail_impossible_travel',
    uuid: '151406d9-2cc6-4bac-a473-2832531e0ce8',
    version: '1',
    description:
      'An API key was used from two countries further apart than a traveller could cover in the time between the requests.',
    reference: REFERENCE,
    eventName: OWASP_EVENTS.authnImpossibleTravel,
    severityNumber: SeverityNumber.FATAL,
    severityText: 'CRITICAL',
  },
  credentialStuffing: {
    name: 'apitrail_credential_stuffing',
    uuid: '5ef1d46f-62cd-4926-92dc-80f7bd0bd813',
    version: '1',
    description:
      'More distinct API keys than the threshold were tried from one source IP within the burst window (refused with 401/403, or unregistered).',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.credentialStuffing,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
  },
  tenantEnumeration: {
    name: 'apitrail_tenant_enumeration',
    uuid: '4613f9d8-9cb7-4d64-834d-fcd3696b91a9',
    version: '1',
    description:
      'More distinct claimed tenants (tenant.claimed_id) than the threshold from one source IP within the burst window.',
    reference: REFERENCE,
    eventName: APITRAIL_EVENTS.tenantEnumeration,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
  },
} as const satisfies Record<string, RuleDefinition>;
