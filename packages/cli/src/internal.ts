// Every name the package's modules export, for apitrail's own packages, tests, scripts and bench.
// Not a public API: no semver promise; users import from '@apitrail/cli' (src/index.ts).
export * from './main.js';
export * from './analyze.js';
export * from './by-key.js';
export * from './input-formats.js';
export * from './byte-reader.js';
export * from './zstd-frames.js';
export * from './gateway-archive.js';
export * from './records.js';
export * from './ndjson-records.js';
export * from './logs.js';
export * from './verify.js';
export * from './witness.js';
export * from './prove.js';
export * from './keygen.js';
export * from './quarantine.js';
export * from './spool.js';
export * from './otlp-json.js';
export * from './siem-records.js';
export * from './output.js';
export * from './usage-error.js';
export * from './chunk-lines.js';
export * from './text-chunks.js';
export * from './verify-batches.js';
export * from './verify-pack.js';
