// SynchronousExporterSink (the NDJSON and console exporters' sink) when its exporter throws: the
// records of that export are counted as dropped and nothing reaches the app, also when the export
// happens later, once a resource detector settled (a rejection there would be unhandled: Node
// ends the app on it).
import { expect } from 'chai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { droppedCounts, faultCounts } from '@apitrail/core/internal';
import { SynchronousExporterSink } from '@apitrail/spool/internal';
import { collectUnhandledRejections } from '../helpers/unhandled-rejections.ts';

const CHANNEL = 'logs/sink-unit';

function throwingExporter(): LogRecordExporter {
  return {
    export() {
      throw new Error('the exporter cannot write this record');
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

function record(resource: ReadableLogRecord['resource']): ReadableLogRecord {
  return { resource, hrTime: [0, 0], hrTimeObserved: [0, 0], attributes: {} } as unknown as ReadableLogRecord;
}

describe('SynchronousExporterSink, an exporter that throws', () => {
  const unhandled = collectUnhandledRejections();

  const dropped = (): number => droppedCounts().get(CHANNEL) ?? 0;

  it('at once: its records are counted as dropped, the fault recorded, nothing thrown', () => {
    const sink = new SynchronousExporterSink(throwingExporter(), CHANNEL);
    const before = dropped();
    const faults = faultCounts().get(`${CHANNEL} sink`) ?? 0;
    expect(() => sink.write([record(resourceFromAttributes({})), record(resourceFromAttributes({}))])).not.to.throw();
    expect(dropped() - before).to.equal(2);
    expect(faultCounts().get(`${CHANNEL} sink`)).to.equal(faults + 1);
  });

  it('once a detector settled: counted as dropped, no unhandled rejection, forceFlush resolves', async () => {
    let settle!: (value: string) => void;
    const resource = resourceFromAttributes({ 'host.id': new Promise<string>((resolve) => (settle = resolve)) });
    expect(resource.asyncAttributesPending).to.equal(true);
    const sink = new SynchronousExporterSink(throwingExporter(), CHANNEL, { settlesResources: true });
    const before = dropped();
    sink.write([record(resource)]);
    expect(dropped() - before).to.equal(0);
    settle('h-1');
    // Nothing awaits the export made once it settled: a rejection there is unhandled.
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).to.deep.equal([]);
    await sink.forceFlush();
    expect(dropped() - before).to.equal(1);
  });

  it('at exit, before the detector settled: counted as dropped, nothing thrown', () => {
    const resource = resourceFromAttributes({ 'host.id': new Promise<string>(() => {}) });
    const sink = new SynchronousExporterSink(throwingExporter(), CHANNEL, { settlesResources: true });
    const before = dropped();
    sink.write([record(resource), record(resource)]);
    expect(() => sink.exitSync()).not.to.throw();
    expect(dropped() - before).to.equal(2);
  });
});
