// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/redaction' (src/index.ts).
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RedactionConfig } from './config.js';
import { RedactingLogRecordProcessor } from './log-processor.js';
import { createRedactor, type Redactor } from './redactor.js';
import { RedactingSpanExporter } from './span-exporter.js';
import { RedactingSpanProcessor } from './span-processor.js';

export { REDACTED, REDACTION_MODES, type RedactionMode } from './censor.js';
export { readRedactionConfig, type RedactionConfig } from './config.js';
export {
  catalogueRe2,
  collectorRedactionConfig,
  pathTokenRe2,
  PATH_TOKEN_MARK_REPLACEMENT,
  PATH_TOKEN_SETTLE_REPLACEMENT,
} from './collector-config.js';
export {
  CHARSETS,
  CREDENTIAL_FORMATS,
  type Charset,
  type Checksum,
  type CredentialFormat,
  type Run,
  type Segment,
} from './catalogue.js';
export { patternProblem } from './pattern-safety.js';
export { CREDENTIAL_KEYWORDS, SHORT_WORDS } from './scanner.js';
export { SQL_PASSWORD_LITERAL_SOURCES } from './sql-password.js';
export { MAX_KEY_LENGTH } from './key-matcher.js';
export {
  createRedactor,
  newTally,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_LENGTH,
  DEFAULT_MAX_NODES,
  type RedactionTally,
  type Redactor,
  type RedactorOptions,
} from './redactor.js';
export {
  DEFAULT_ALLOWED_KEYS,
  DEFAULT_PATTERNS,
  DEFAULT_RULES,
  DEFAULT_SENSITIVE_KEYS,
  EMAIL_PATTERN,
  type RedactionRules,
  type ValuePattern,
} from './rules.js';
export { RedactingLogRecordProcessor, type RedactingLogRecordProcessorOptions } from './log-processor.js';
export { RedactingSpanExporter } from './span-exporter.js';
export { RedactingSpanProcessor, type RedactingSpanProcessorOptions } from './span-processor.js';

/** The processors and exporter wrapper of one configuration, sharing one compiled redactor. */
export interface Redaction {
  readonly redactor: Redactor;
  readonly spanProcessor: RedactingSpanProcessor;
  readonly logRecordProcessor: RedactingLogRecordProcessor;
  wrapSpanExporter(exporter: SpanExporter): SpanExporter;
}

/** The span processor, log record processor and exporter backstop of `config`, sharing one compiled redactor. */
export function createRedaction(config: RedactionConfig): Redaction {
  const redactor = createRedactor(config);
  return {
    redactor,
    spanProcessor: new RedactingSpanProcessor(redactor, { summary: config.summary }),
    logRecordProcessor: new RedactingLogRecordProcessor(redactor, { summary: config.summary }),
    wrapSpanExporter: (exporter) => new RedactingSpanExporter(exporter, redactor),
  };
}
