import { ERROR, INFO, WARN, type Severity } from '@apitrail/identity/internal';

/** INFO below 400, WARN for 4xx, ERROR for 5xx (and for a request the client aborted: 499 is 4xx). */
export function severityForStatus(statusCode: number): Severity {
  if (statusCode >= 500) return ERROR;
  if (statusCode >= 400) return WARN;
  return INFO;
}
