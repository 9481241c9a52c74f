export { readEnrichConfig, type EnrichConfig } from './config.js';
export { SourceEnricher, createSourceEnricher, type SourceAttributes } from './source-enricher.js';
export { SourceDatabases, EMBEDDED, embeddedDatabasePaths, type SourceLocation } from './source-databases.js';
export { addressScope, normalizeAddress, type AddressScope } from './address-scope.js';
export { SourceEnrichmentLogRecordProcessor, enrichmentProcessors } from './processor.js';
