// Every name the package's modules export, for apitrail's own packages, tests, scripts and bench.
// Not a public API: no semver promise; users import from '@apitrail/http' (src/index.ts).
export * from './request-tracker.js';
export * from './request-scope.js';
export * from './request-state.js';
export * from './instrumentation-config.js';
export * from './request-context-log-processor.js';
export * from './identity-attributes.js';
export * from './audit-record.js';
export * from './audit-log-record.js';
export * from './audit-record-pipeline.js';
export * from './automatic-security-events.js';
export * from './record-request-exception.js';
export * from './request-url.js';
export * from './trace-context.js';
export * from './severity.js';
export * from './version.js';
