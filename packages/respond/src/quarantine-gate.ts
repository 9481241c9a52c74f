import { ROOT_CONTEXT, SeverityNumber, diag, logs, type Attributes, type Logger } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_ALERT_SUBJECT,
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_EVENT_ACTION,
  ATTR_EVENT_CATEGORY,
  ATTR_EVENT_KIND,
  ATTR_EVENT_OUTCOME,
  ATTR_EVENT_REASON,
  ATTR_EVENT_TYPE,
  INSTRUMENTATION_VERSION,
  OWASP_EVENTS,
  SECURITY_LOGGER_NAME,
  neutralizeControlCharacters,
  ATTR_QUARANTINE_BY,
  ATTR_QUARANTINE_UNTIL,
  ATTR_SECURITY_RULE_NAME,
  guard,
  type RequestContext,
} from '@apitrail/core/internal';
import type { Quarantine, QuarantineEntry } from './quarantine.js';
import type { ResponseConfig } from './response-config.js';

const FINGERPRINT_PREFIX = 'fingerprint:';

/**
 * Unregistered keys (fingerprints) the detector keeps quarantined at once. Anyone can make up keys
 * and have each flagged (six requests from six addresses), so without a bound the list, and the
 * file rewritten on each change, grow with the attacker's effort and every change blocks the event
 * loop longer. Registered keys are not counted: their number is the registry's, not the caller's.
 */
export const MAX_DETECTOR_FINGERPRINTS = 1000;

/** The quarantine key of a request's identity: its key id, or `fingerprint:<fp>` for an unregistered key. */
export function quarantineKeyOf(requestContext: RequestContext): string | undefined {
  return keyOf(requestContext.identity);
}

function keyOf(identity: Pick<RequestContext['identity'], 'apiKeyId' | 'apiKeyFingerprint'>): string | undefined {
  if (identity.apiKeyId !== undefined) return identity.apiKeyId;
  return identity.apiKeyFingerprint === undefined ? undefined : FINGERPRINT_PREFIX + identity.apiKeyFingerprint;
}

const TITLE: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

/**
 * The RFC 9457 problem document of a refused request. It says the key is blocked and for how to get
 * help, never why or until when: the caller may be the attacker the quarantine is for.
 */
export function problemDocument(status: number, correlationId: string): string {
  return JSON.stringify({
    type: 'tag:apitrail.dev,2026:problem:api-key-quarantined',
    title: `${TITLE[status] ?? 'Refused'}: API key temporarily blocked`,
    status,
    detail:
      'This API key is temporarily blocked after suspicious use. Contact the API operator, quoting the request id.',
    request_id: correlationId,
  });
}

/**
 * The entry that blocks the request: its identity's key, or any other key it carries. Checking only
 * the identity let a quarantined key through beside a decoy `Authorization` (another key, Basic, a
 * JWT, or one too long to read) whenever the app reads its key from `X-API-Key`.
 */
function blockingEntry(quarantine: Quarantine, requestContext: RequestContext): QuarantineEntry | undefined {
  const key = quarantineKeyOf(requestContext);
  const entry = key === undefined ? undefined : quarantine.blocking(key);
  if (entry !== undefined || requestContext.otherApiKeys === undefined) return entry;
  for (const other of requestContext.otherApiKeys) {
    const otherKey = keyOf(other);
    const found = otherKey === undefined ? undefined : quarantine.blocking(otherKey);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The request gate `@apitrail/http`'s tracker asks on arrival (block mode only). */
export function quarantineGate(
  quarantine: Quarantine,
  status: number,
): {
  refusal(
    requestContext: RequestContext,
  ): { status: number; body: string; reason: string; attributes: Attributes } | undefined;
} {
  return {
    refusal(requestContext) {
      const entry = blockingEntry(quarantine, requestContext);
      if (entry === undefined) return undefined;
      return {
        status,
        body: problemDocument(status, requestContext.correlationId),
        reason: 'quarantined',
        attributes: { [ATTR_QUARANTINE_UNTIL]: new Date(entry.untilMs).toISOString(), [ATTR_QUARANTINE_BY]: entry.by },
      };
    },
  };
}

/** Quarantines the key of every alert from one of the configured rules (key subjects only). */
export class QuarantineLogRecordProcessor implements LogRecordProcessor {
  private readonly rules: ReadonlySet<string>;
  private logger: Logger | undefined;
  private warnedFull = false;

  constructor(
    readonly quarantine: Quarantine,
    private readonly config: ResponseConfig,
  ) {
    this.rules = new Set(config.rules);
  }

  onEmit(record: ReadWriteLogRecord): void {
    const { attributes } = record;
    if (attributes[ATTR_EVENT_KIND] !== 'alert' || attributes[ATTR_ALERT_SUBJECT] !== 'api_key') return;
    const rule = attributes[ATTR_SECURITY_RULE_NAME];
    if (typeof rule !== 'string' || !this.rules.has(rule)) return;
    guard(
      'quarantine',
      () => {
        const id = attributes[ATTR_API_KEY_ID];
        const fingerprint = attributes[ATTR_API_KEY_FINGERPRINT];
        const key =
          typeof id === 'string' ? id : typeof fingerprint === 'string' ? FINGERPRINT_PREFIX + fingerprint : undefined;
        if (key === undefined || this.fingerprintsFull(key)) return;
        const previous = this.quarantine.blocking(key);
        const entry = this.quarantine.add(key, this.config.quarantineSeconds, rule, 'detector');
        if (entry !== previous) this.reportLock(entry, attributes);
      },
      undefined,
    );
  }

  /** True (warned once) when `key` is a fingerprint and the detector's fingerprints are at their cap. */
  private fingerprintsFull(key: string): boolean {
    if (!key.startsWith(FINGERPRINT_PREFIX) || this.quarantine.size < MAX_DETECTOR_FINGERPRINTS) return false;
    if (this.quarantine.blocking(key) !== undefined) return false;
    const held = this.quarantine
      .list()
      .filter((entry) => entry.by === 'detector' && entry.key.startsWith(FINGERPRINT_PREFIX)).length;
    if (held < MAX_DETECTOR_FINGERPRINTS) return false;
    if (!this.warnedFull) {
      this.warnedFull = true;
      diag.warn(
        `apitrail: ${MAX_DETECTOR_FINGERPRINTS} unregistered keys are quarantined; further ones are alerted but not quarantined`,
      );
    }
    return true;
  }

  /**
   * The detector's quarantine is a decision nobody took by hand, refusing a key that may be a paying
   * customer's: it is recorded as it happens, as OWASP's `authn_login_lock` (an account locked after
   * suspicious use), about the key and in the root context (not the request that tipped the alert).
   */
  private reportLock(entry: QuarantineEntry, alert: Attributes): void {
    const subject =
      alert[ATTR_API_KEY_ID] === undefined
        ? { [ATTR_API_KEY_FINGERPRINT]: alert[ATTR_API_KEY_FINGERPRINT] }
        : { [ATTR_API_KEY_ID]: alert[ATTR_API_KEY_ID] };
    const until = new Date(entry.untilMs).toISOString();
    this.logger ??= logs.getLogger(SECURITY_LOGGER_NAME, INSTRUMENTATION_VERSION);
    this.logger.emit({
      context: ROOT_CONTEXT,
      eventName: OWASP_EVENTS.authnLoginLock,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: `${OWASP_EVENTS.authnLoginLock}: API key ${neutralizeControlCharacters(entry.key)} quarantined until ${until} after ${entry.reason}`,
      attributes: {
        ...subject,
        [ATTR_QUARANTINE_UNTIL]: until,
        [ATTR_QUARANTINE_BY]: entry.by,
        [ATTR_EVENT_REASON]: 'quarantined',
        [ATTR_EVENT_KIND]: 'event',
        [ATTR_EVENT_CATEGORY]: 'authentication',
        [ATTR_EVENT_TYPE]: 'change',
        [ATTR_EVENT_OUTCOME]: 'success',
        [ATTR_EVENT_ACTION]: OWASP_EVENTS.authnLoginLock,
      },
    });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
