import { readEnum, readList, readNumber, readString, type Environment } from '@apitrail/core/internal';

export const RESPONSE_MODES = ['observe', 'block'] as const;
/** What `APITRAIL_RESPONSE` asks of alerts: `observe` records only, `block` refuses quarantined keys. */
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/** Rules whose alerts quarantine the key they are about, by default. */
export const DEFAULT_QUARANTINE_RULES: readonly string[] = [
  'apitrail_revoked_key_reuse',
  'apitrail_key_multiple_source_ips',
  'apitrail_impossible_travel',
];

/** What `@apitrail/respond` reads from `APITRAIL_RESPONSE` and `APITRAIL_QUARANTINE_*`. */
export interface ResponseConfig {
  /** `observe` (default): record only. `block`: quarantined keys are refused before the app. */
  readonly mode: ResponseMode;
  readonly quarantineSeconds: number;
  /** 403 (default) or 401. */
  readonly status: 401 | 403;
  /** `security_rule.name`s whose key alerts quarantine the key. */
  readonly rules: readonly string[];
  /** Shared with `apitrail quarantine`; unset: the list lives in memory only. */
  readonly file?: string;
}

/** `APITRAIL_RESPONSE` and `APITRAIL_QUARANTINE_*`, validated; throws ApitrailConfigError naming a bad variable. */
export function readResponseConfig(env: Environment): ResponseConfig {
  const file = readString(env, 'APITRAIL_QUARANTINE_FILE');
  return {
    mode: readEnum(env, 'APITRAIL_RESPONSE', RESPONSE_MODES, 'observe'),
    quarantineSeconds: readNumber(env, 'APITRAIL_QUARANTINE_SECONDS', 3600, {
      min: 1,
      max: 365 * 86400,
      integer: true,
    }),
    status: Number(readEnum(env, 'APITRAIL_QUARANTINE_STATUS', ['403', '401'], '403')) as 401 | 403,
    rules: readList(env, 'APITRAIL_QUARANTINE_RULES', DEFAULT_QUARANTINE_RULES),
    ...(file === undefined ? {} : { file }),
  };
}
