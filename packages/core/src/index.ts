export * from './semconv.js';
export * from './context.js';
export { ApitrailConfigError } from './config-error.js';
export * from './env.js';
export { neutralizeControlCharacters, truncate } from './sanitize.js';
export { guard, recordFault, faultCounts, recordDropped, droppedCounts } from './diagnostics.js';
export { HmacSha256 } from './hmac.js';
export * from './layout.js';
