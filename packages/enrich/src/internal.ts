// Every name the package's modules export, for apitrail's own packages, tests, scripts and bench.
// Not a public API: no semver promise; users import from '@apitrail/enrich' (src/index.ts).
export * from './config.js';
export * from './address-scope.js';
export * from './source-databases.js';
export * from './source-enricher.js';
export * from './processor.js';
