// Every name the package's modules export, for apitrail's own packages, tests, scripts and bench.
// Not a public API: no semver promise; users import from '@apitrail/export' (src/index.ts).
// Only `export *`: integrity reads ndjsonProjection from here for every sealed record, and a named
// re-export would drop the exports object into dictionary mode (see packages/core/src/internal.ts).
export * from './ndjson-record.js';
export * from './stream-log-exporter.js';
export * from './human-readable.js';
export * from './otlp-logs-protobuf.js';
