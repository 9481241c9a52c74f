// The public API of @apitrail/redaction: what users call or configure (listed in its README).
export {
  createRedaction,
  readRedactionConfig,
  createRedactor,
  RedactingSpanProcessor,
  RedactingLogRecordProcessor,
  RedactingSpanExporter,
  REDACTED,
  type Redaction,
  type RedactionConfig,
  type Redactor,
} from './internal.js';
