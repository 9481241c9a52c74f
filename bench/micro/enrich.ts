// Source enrichment (client address → AS number, organisation, country): the lookup of an address
// the enricher remembers (what almost every request pays), of a new address (a walk of both embedded
// databases, once per address), and the whole processor on the audit record apitrail's register
// emits (an AuditLogRecord) and on an SDK record (Logger.emit, an app's own SDK): its onEmit timed
// inside the emit, minus the same empty timed region (the difference of two whole emits, about a
// microsecond each, read anywhere from 0 to 4 µs for the same code).
import { difference, nsPerOp, report, withPackage } from './harness.ts';
import { auditAttributes, auditEmitter, auditPipelineEmitter, timedInsideEmit } from './records.ts';
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_CLIENT_ADDRESS } from '@apitrail/core/internal';

interface Enricher {
  attributesOf(address: string): readonly unknown[];
}

/** 4096 public addresses spread over the IPv4 space (each placed by the embedded databases). */
const ADDRESSES = Array.from(
  { length: 4096 },
  (_, i) => `${11 + (i % 180)}.${(i * 7) & 255}.${(i * 13) & 255}.${i & 255}`,
);

report({
  enrich: await withPackage('@apitrail/enrich', (module) => {
    const createSourceEnricher = module.createSourceEnricher as (config: object) => Enricher;
    const readEnrichConfig = module.readEnrichConfig as (env: object) => { databases: string[] };
    const Processor = module.SourceEnrichmentLogRecordProcessor as new (enricher: Enricher) => LogRecordProcessor;
    const remembering = createSourceEnricher(readEnrichConfig({}));
    const placed = ADDRESSES.filter((address) => remembering.attributesOf(address).length > 0).length;
    const forgetting = createSourceEnricher({ ...readEnrichConfig({}), cacheSize: 1 });

    // From a public address (8.8.8.8), so that the processor adds all three attributes.
    const attributes = { ...auditAttributes(), [ATTR_CLIENT_ADDRESS]: '8.8.8.8' };
    const processor = new Processor(remembering);
    const processorCost = (emitter: typeof auditEmitter) => {
      const emitterOf = (inside: LogRecordProcessor) => emitter(inside, attributes);
      const onEmit = (record: ReadWriteLogRecord, context: Context) => processor.onEmit(record, context);
      // Warm-up: the first hundred thousand emits of a process run several times slower.
      timedInsideEmit(emitterOf, () => undefined);
      timedInsideEmit(emitterOf, onEmit);
      const withProcessor = timedInsideEmit(emitterOf, onEmit);
      const emptyRegion = timedInsideEmit(emitterOf, () => undefined);
      return difference(
        withProcessor,
        emptyRegion,
        `the processor's onEmit timed inside emit, minus an empty timed region; ${placed} of ${ADDRESSES.length} addresses placed`,
      );
    };
    return {
      lookup_remembered: nsPerOp((i) => remembering.attributesOf(ADDRESSES[i & 4095]!)),
      lookup_new_address: nsPerOp((i) => forgetting.attributesOf(ADDRESSES[i & 4095]!)),
      processor_remembered: processorCost(auditPipelineEmitter),
      processor_remembered_sdk_record: processorCost(auditEmitter),
    };
  }),
});
