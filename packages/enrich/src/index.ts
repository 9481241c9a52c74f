// The public API of @apitrail/enrich: what users call or configure (listed in its README).
export { readEnrichConfig, type EnrichConfig } from './config.js';
export { SourceEnricher, createSourceEnricher, type SourceAttributes } from './source-enricher.js';
export { SourceEnrichmentLogRecordProcessor, enrichmentProcessors } from './processor.js';
