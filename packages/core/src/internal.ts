// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/core' (src/index.ts).
// Only `export *` here: for a named re-export tsc first writes the name, then redefines it as a
// getter, and that redefinition drops the whole exports object into dictionary mode. Every read of
// a core name from another package (dozens per request) then costs a hash lookup and a getter call
// that V8 cannot inline: ~50 times a read from a fast-mode object (test/unit/core-exports.test.ts).
export * from './semconv.js';
export * from './context.js';
export * from './config-error.js';
export * from './env.js';
export * from './sanitize.js';
export * from './diagnostics.js';
export * from './logger.js';
export * from './hmac.js';
export * from './layout.js';
export * from './config-variables.js';
export * from './processes.js';
export * from './config-file.js';
export * from './process-end.js';
