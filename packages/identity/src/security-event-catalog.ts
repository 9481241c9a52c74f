import { APITRAIL_EVENTS, OWASP_EVENTS, type OwaspEventName } from '@apitrail/core/internal';
import { CRITICAL, ERROR, INFO, WARN, type Severity } from './severity.js';

/** ECS classification and level of one security event. */
export interface SecurityEventKind {
  readonly severity: Severity;
  readonly category: string;
  readonly type: string;
  readonly outcome: 'success' | 'failure' | 'unknown';
}

/** The OWASP vocabulary, plus apitrail's own names for what it has no word for. */
export type SecurityEventName =
  | OwaspEventName
  | typeof APITRAIL_EVENTS.serverError
  | typeof APITRAIL_EVENTS.apiKeyInQuery
  | typeof APITRAIL_EVENTS.quarantineBlock;

function kind(severity: Severity, category: string, type: string, outcome: SecurityEventKind['outcome']) {
  return { severity, category, type, outcome };
}

const E = OWASP_EVENTS;

/**
 * Levels follow the OWASP Logging Vocabulary where it gives one (authn_login_fail WARN,
 * authz_fail CRITICAL, ...); the `malicious_*` events, for which it gives none, are WARN, and
 * everything else is INFO. Categories and types are ECS allowed values.
 */
const CATALOG: Readonly<Record<SecurityEventName, SecurityEventKind>> = {
  [E.authnLoginSuccess]: kind(INFO, 'authentication', 'start', 'success'),
  [E.authnLoginSuccessAfterFail]: kind(INFO, 'authentication', 'start', 'success'),
  [E.authnLoginFail]: kind(WARN, 'authentication', 'start', 'failure'),
  [E.authnLoginFailMax]: kind(WARN, 'authentication', 'start', 'failure'),
  [E.authnLoginLock]: kind(WARN, 'authentication', 'change', 'success'),
  [E.authnTokenCreated]: kind(INFO, 'iam', 'creation', 'success'),
  [E.authnTokenRevoked]: kind(INFO, 'iam', 'deletion', 'success'),
  [E.authnTokenReuse]: kind(CRITICAL, 'authentication', 'denied', 'failure'),
  [E.authnTokenDelete]: kind(INFO, 'iam', 'deletion', 'success'),
  [E.authnImpossibleTravel]: kind(CRITICAL, 'authentication', 'indicator', 'unknown'),
  [E.authzFail]: kind(CRITICAL, 'iam', 'denied', 'failure'),
  [E.authzChange]: kind(INFO, 'iam', 'change', 'success'),
  [E.authzAdmin]: kind(INFO, 'iam', 'admin', 'success'),
  [E.excessRateLimitExceeded]: kind(WARN, 'web', 'denied', 'failure'),
  [E.inputValidationFail]: kind(WARN, 'web', 'denied', 'failure'),
  [E.maliciousExcess404]: kind(WARN, 'intrusion_detection', 'indicator', 'unknown'),
  [E.maliciousExtraneous]: kind(WARN, 'intrusion_detection', 'indicator', 'unknown'),
  [E.maliciousAttackTool]: kind(WARN, 'intrusion_detection', 'indicator', 'unknown'),
  [E.maliciousCors]: kind(WARN, 'intrusion_detection', 'indicator', 'unknown'),
  [E.maliciousDirectReference]: kind(WARN, 'intrusion_detection', 'indicator', 'unknown'),
  [E.sessionCreated]: kind(INFO, 'session', 'start', 'success'),
  [E.sessionRenewed]: kind(INFO, 'session', 'change', 'success'),
  [E.sessionExpired]: kind(INFO, 'session', 'end', 'success'),
  [E.sessionUseAfterExpire]: kind(WARN, 'session', 'denied', 'failure'),
  [E.sysStartup]: kind(INFO, 'process', 'start', 'success'),
  [E.sysShutdown]: kind(INFO, 'process', 'end', 'success'),
  [E.sysRestart]: kind(INFO, 'process', 'change', 'success'),
  [E.sysCrash]: kind(ERROR, 'process', 'end', 'failure'),
  [E.sysMonitorDisabled]: kind(WARN, 'configuration', 'change', 'success'),
  [E.sysMonitorEnabled]: kind(INFO, 'configuration', 'change', 'success'),
  [APITRAIL_EVENTS.serverError]: kind(ERROR, 'web', 'error', 'failure'),
  [APITRAIL_EVENTS.apiKeyInQuery]: kind(WARN, 'authentication', 'info', 'unknown'),
  [APITRAIL_EVENTS.quarantineBlock]: kind(WARN, 'intrusion_detection', 'denied', 'failure'),
};

export function securityEventKind(name: SecurityEventName): SecurityEventKind {
  return CATALOG[name];
}
