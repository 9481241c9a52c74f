import { SeverityNumber } from '@opentelemetry/api';

export interface Severity {
  readonly number: SeverityNumber;
  readonly text: 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL';
}

export const INFO: Severity = { number: SeverityNumber.INFO, text: 'INFO' };
export const WARN: Severity = { number: SeverityNumber.WARN, text: 'WARN' };
export const ERROR: Severity = { number: SeverityNumber.ERROR, text: 'ERROR' };
/** OWASP's CRITICAL level; OTel's highest severity range is FATAL. */
export const CRITICAL: Severity = { number: SeverityNumber.FATAL, text: 'CRITICAL' };
