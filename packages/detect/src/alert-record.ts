import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ALERT_BASELINE,
  ATTR_ALERT_PREVIOUS_VALUE,
  ATTR_ALERT_VALUE,
  ATTR_ALERT_COUNT,
  ATTR_ALERT_SAMPLE_IPS,
  ATTR_ALERT_SOURCE_NETWORK,
  ATTR_ALERT_SUBJECT,
  ATTR_ALERT_THRESHOLD,
  ATTR_ALERT_WINDOW_SECONDS,
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_PREFIX,
  ATTR_CLIENT_ADDRESS,
  ATTR_EVENT_ACTION,
  ATTR_EVENT_CATEGORY,
  ATTR_EVENT_KIND,
  ATTR_SECURITY_RULE_DESCRIPTION,
  ATTR_SECURITY_RULE_NAME,
  ATTR_SECURITY_RULE_REFERENCE,
  ATTR_SECURITY_RULE_UUID,
  ATTR_SECURITY_RULE_VERSION,
  neutralizeControlCharacters,
} from '@apitrail/core/internal';
import type { Alert } from './alert.js';
import { FINGERPRINT_PREFIX, KEY_PREFIX_PREFIX } from './event.js';

function subjectAttribute(alert: Alert): Attributes {
  if (alert.subjectKind === 'source_ip') return { [ATTR_CLIENT_ADDRESS]: alert.subject };
  if (alert.subject.startsWith(FINGERPRINT_PREFIX)) {
    return { [ATTR_API_KEY_FINGERPRINT]: alert.subject.slice(FINGERPRINT_PREFIX.length) };
  }
  // A prefix claim is not the key: no api_key.id, so nothing downstream (quarantine) acts on the key.
  if (alert.subject.startsWith(KEY_PREFIX_PREFIX)) {
    return { [ATTR_API_KEY_PREFIX]: alert.subject.slice(KEY_PREFIX_PREFIX.length) };
  }
  return { [ATTR_API_KEY_ID]: alert.subject };
}

/** The alert's attributes: the rule (`security_rule.*`), the subject, the evidence, ECS event fields. */
export function alertAttributes(alert: Alert): Attributes {
  const { rule } = alert;
  return {
    [ATTR_SECURITY_RULE_NAME]: rule.name,
    [ATTR_SECURITY_RULE_UUID]: rule.uuid,
    [ATTR_SECURITY_RULE_VERSION]: rule.version,
    [ATTR_SECURITY_RULE_DESCRIPTION]: rule.description,
    [ATTR_SECURITY_RULE_REFERENCE]: rule.reference,
    [ATTR_ALERT_SUBJECT]: alert.subjectKind,
    ...subjectAttribute(alert),
    ...(alert.sourceNetwork === undefined ? {} : { [ATTR_ALERT_SOURCE_NETWORK]: alert.sourceNetwork }),
    [ATTR_ALERT_COUNT]: alert.count,
    [ATTR_ALERT_THRESHOLD]: alert.threshold,
    [ATTR_ALERT_WINDOW_SECONDS]: alert.windowSeconds,
    [ATTR_ALERT_SAMPLE_IPS]: [...alert.sampleIps],
    ...(alert.baseline === undefined ? {} : { [ATTR_ALERT_BASELINE]: alert.baseline }),
    ...(alert.value === undefined ? {} : { [ATTR_ALERT_VALUE]: alert.value }),
    ...(alert.previousValue === undefined ? {} : { [ATTR_ALERT_PREVIOUS_VALUE]: alert.previousValue }),
    [ATTR_EVENT_KIND]: 'alert',
    [ATTR_EVENT_CATEGORY]: 'intrusion_detection',
    [ATTR_EVENT_ACTION]: rule.eventName,
  };
}

/**
 * One line a human reads: `apitrail_key_multiple_source_ips (api_key k1): 6 > 5 in 3600 s`, and
 * `apitrail_not_found_scan (source_ip 2001:db8:1:2::7 in 2001:db8:1:2::/64): 21 > 20 in 300 s` for a
 * source counted by its network. Not
 * `rule: api_key k1`: redaction reads a `name: value` pair whose name looks like a key as a
 * secret, and would mask the subject.
 */
export function alertMessage(alert: Alert): string {
  const network = alert.sourceNetwork === undefined ? '' : ` in ${alert.sourceNetwork}`;
  const subject = `${neutralizeControlCharacters(alert.subject)}${network}`;
  if (alert.value !== undefined) {
    const value = neutralizeControlCharacters(alert.value);
    return alert.previousValue === undefined
      ? `${alert.rule.name} (${alert.subjectKind} ${subject}): ${value} not in its baseline`
      : `${alert.rule.name} (${alert.subjectKind} ${subject}): ${neutralizeControlCharacters(alert.previousValue)} then ${value} ${alert.count} s later`;
  }
  const baseline = alert.baseline === undefined ? '' : ` (baseline ${alert.baseline})`;
  return `${alert.rule.name} (${alert.subjectKind} ${subject}): ${alert.count} > ${alert.threshold} in ${alert.windowSeconds} s${baseline}`;
}
