// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/winston' (src/index.ts).
export { readWinstonConfig, localRedactor, LOG_FORMATS, type WinstonConfig, type LogFormatName } from './config.js';
export {
  apitrailContext,
  ndjsonFormat,
  humanReadableFormat,
  apitrailFormat,
  apitrailLoggerOptions,
  type HumanReadableOptions,
  type ContextFormatOptions,
} from './formats.js';
export { colourOnTerminal } from './terminal-colour.js';
export { ApitrailLogTransport, type ApitrailLogTransportOptions } from './transport.js';
export { instrumentLogger } from './instrument-logger.js';
export { ApitrailWinstonInstrumentation, type ApitrailWinstonInstrumentationConfig } from './instrumentation.js';
export { contextFields } from './context-fields.js';
export { redactorFromEnvironment } from './redaction.js';
export { severityOf, KNOWN_LEVELS } from './levels.js';
export { DEFAULT_BOUNDS, type Bounds } from './bounded.js';
export type { LineOptions } from './line.js';
