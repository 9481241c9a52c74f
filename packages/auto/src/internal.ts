// Every name the package's modules export, for apitrail's own packages, tests, scripts and bench.
// Not a public API: no semver promise; users import from '@apitrail/auto' (src/index.ts).
export * from './start.js';
export * from './components.js';
export * from './config.js';
export * from './shutdown.js';
export * from './running.js';
export * from './replay.js';
export * from './exporters.js';
export * from './guarded-exporter.js';
export * from './drop-reporter.js';
export * from './export-failures.js';
export * from './unref-agent.js';
export * from './otlp-log-exporter.js';
export * from './root-sampling.js';
export * from './esm-entry.js';
export * from './spools-elsewhere.js';
