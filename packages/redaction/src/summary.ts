import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_REDACTION_MASKED_COUNT,
  ATTR_REDACTION_MASKED_KEYS,
  ATTR_REDACTION_REDACTED_COUNT,
  ATTR_REDACTION_REDACTED_KEYS,
} from '@apitrail/core/internal';
import type { RedactionTally } from './redactor.js';

/**
 * The Collector's `summary` attributes for what was redacted: key names and counts, never a
 * value. Empty when nothing was, so clean records carry no extra attributes.
 */
export function summaryAttributes(tally: RedactionTally): Attributes {
  const attributes: Attributes = {};
  if (tally.redacted > 0) {
    attributes[ATTR_REDACTION_REDACTED_KEYS] = [...tally.redactedKeys].sort().join(',');
    attributes[ATTR_REDACTION_REDACTED_COUNT] = tally.redacted;
  }
  if (tally.masked > 0) {
    attributes[ATTR_REDACTION_MASKED_KEYS] = [...tally.maskedKeys].sort().join(',');
    attributes[ATTR_REDACTION_MASKED_COUNT] = tally.masked;
  }
  return attributes;
}
