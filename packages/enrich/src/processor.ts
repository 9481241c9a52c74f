import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_CLIENT_ADDRESS, recordFault } from '@apitrail/core/internal';
import type { EnrichConfig } from './config.js';
import { createSourceEnricher, type SourceEnricher } from './source-enricher.js';

/**
 * Adds where `client.address` is (AS number and organisation, country; or loopback / private /
 * link-local) to every record that carries one: audit records, security events inside a request,
 * alerts about a source IP. Place it after the request-context processor (which stamps the
 * address) and before detection (whose new-country and travel rules read these fields). What the
 * emitter set explicitly wins.
 */
export class SourceEnrichmentLogRecordProcessor implements LogRecordProcessor {
  constructor(readonly enricher: SourceEnricher) {}

  onEmit(record: ReadWriteLogRecord): void {
    const address = record.attributes[ATTR_CLIENT_ADDRESS];
    if (typeof address !== 'string') return;
    // On the request path of every audit record: no closure, no iterator, one SDK call per
    // attribute added (the SDK's setAttribute keeps its count and length limits in force).
    try {
      const pairs = this.enricher.attributesOf(address);
      for (let index = 0; index < pairs.length; index++) {
        const [name, value] = pairs[index]!;
        if (record.attributes[name] === undefined) record.setAttribute(name, value);
      }
    } catch (error) {
      recordFault('source enrichment', error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The processor `@apitrail/auto` installs, or none when `APITRAIL_GEOIP_DB=none`. */
export function enrichmentProcessors(config: EnrichConfig): LogRecordProcessor[] {
  const enricher = createSourceEnricher(config);
  return enricher === undefined ? [] : [new SourceEnrichmentLogRecordProcessor(enricher)];
}
