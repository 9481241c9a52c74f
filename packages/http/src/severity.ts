import { SeverityNumber } from '@opentelemetry/api';

export interface Severity {
  readonly number: SeverityNumber;
  readonly text: 'INFO' | 'WARN' | 'ERROR';
}

const INFO: Severity = { number: SeverityNumber.INFO, text: 'INFO' };
const WARN: Severity = { number: SeverityNumber.WARN, text: 'WARN' };
const ERROR: Severity = { number: SeverityNumber.ERROR, text: 'ERROR' };

/** INFO below 400, WARN for 4xx, ERROR for 5xx (and for a request the client aborted: 499 is 4xx). */
export function severityForStatus(statusCode: number): Severity {
  if (statusCode >= 500) return ERROR;
  if (statusCode >= 400) return WARN;
  return INFO;
}
