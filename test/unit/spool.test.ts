// The spool's own logic, in process: the segment codec round trip, damage, export in order with
// segments removed only after success, the cap, and claiming what a process that is gone left.
// (The crash-safety guarantees themselves are tested against real processes and the real
// collector in test/e2e/reliability-crash-safety.test.ts.)
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { Spool, observeSpoolCounts, spoolCounts, spoolStatus, spooledRecords } from '@apitrail/spool';

function records(count: number, tag: string): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'spool-unit' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('api', '1.2.3');
  for (let i = 0; i < count; i += 1) {
    logger.emit({
      eventName: 'apitrail.api_request',
      severityNumber: 9,
      severityText: 'INFO',
      body: { message: `${tag}-${i}`, nested: { bytes: new Uint8Array([1, 2, 255]) } },
      attributes: { 'correlation.id': `${tag}-${i}`, 'raw.bytes': new Uint8Array([0, 7]), list: ['a', 'b'], n: i },
    });
  }
  return exporter.getFinishedLogRecords();
}

/** An exporter that fails while `failing` is set and keeps what it took. */
function switchableExporter(): LogRecordExporter & { failing: boolean; taken: ReadableLogRecord[] } {
  const exporter = {
    failing: false,
    taken: [] as ReadableLogRecord[],
    export(batch: ReadableLogRecord[], done: (result: ExportResult) => void) {
      if (exporter.failing) {
        done({ code: ExportResultCode.FAILED, error: new Error('collector down') });
        return;
      }
      exporter.taken.push(...batch);
      done({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return exporter;
}

function spoolIn(directory: string, exporter: LogRecordExporter, maxBytes = 1 << 30): Spool {
  return new Spool({
    directory,
    maxBytes,
    exporter,
    maxExportBatchSize: 7,
    resource: resourceFromAttributes({}),
    channel: 'logs/unit',
  });
}

const ids = (list: readonly ReadableLogRecord[]): unknown[] =>
  list.map((record) => record.attributes['correlation.id']);
const segmentsOf = (directory: string): string[] => readdirSync(directory).filter((name) => name.endsWith('.ndjson'));

describe('@apitrail/spool', () => {
  it('keeps records whose export failed in 0600 segments and removes them once exported, in order', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter);
    spool.write(records(10, 'a'));
    spool.write(records(5, 'b'));
    await spool.forceFlush();
    expect(exporter.taken).to.have.length(0);
    expect(spool.recordsWaiting()).to.equal(15);
    const [segment] = segmentsOf(directory);
    expect(statSync(join(directory, segment!)).mode & 0o777).to.equal(0o600);

    exporter.failing = false;
    await spool.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal([...ids(records(10, 'a')), ...ids(records(5, 'b'))]);
    expect(segmentsOf(directory)).to.deep.equal([]);
    expect(spool.recordsWaiting()).to.equal(0);
    spool.exitSync();
  });

  it('replays, in a new spool, what one that is gone left behind: every field, bytes included', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const down = switchableExporter();
    down.failing = true;
    const first = spoolIn(directory, down);
    const written = records(3, 'replay');
    first.write(written);
    first.exitSync();
    const firstSegments = segmentsOf(directory);
    // A live spool of this very process on the same directory: neither claims the other's segments.
    const live = spoolIn(directory, down);
    live.write(records(2, 'live'));
    const liveSegments = segmentsOf(directory).filter((name) => !firstSegments.includes(name));
    expect(liveSegments).to.have.length(1);
    expect(segmentsOf(directory)).to.include.members(firstSegments);
    // As if the first one's writer were another process, since ended (a pid beyond any pid_max).
    for (const name of firstSegments) {
      renameSync(join(directory, name), join(directory, name.replace(`-${process.pid}-`, '-999999999-')));
    }

    const exporter = switchableExporter();
    const second = spoolIn(directory, exporter);
    await second.forceFlush();
    expect(exporter.taken).to.have.length(3);
    expect(segmentsOf(directory)).to.deep.equal(liveSegments);
    live.exitSync();
    const [original, replayed] = [written[1]!, exporter.taken[1]!];
    expect(replayed.attributes).to.deep.equal(original.attributes);
    expect(replayed.attributes['raw.bytes']).to.be.instanceOf(Uint8Array);
    expect(replayed.body).to.deep.equal(original.body);
    expect(replayed.hrTime).to.deep.equal(original.hrTime);
    expect(replayed.eventName).to.equal('apitrail.api_request');
    expect(replayed.severityNumber).to.equal(9);
    expect(replayed.instrumentationScope).to.deep.equal({ name: 'api', version: '1.2.3' });
    expect(replayed.resource.attributes['service.name']).to.equal('spool-unit');
    // One scope object per scope, as exporters group by it.
    expect(exporter.taken[0]!.instrumentationScope).to.equal(replayed.instrumentationScope);
    second.exitSync();
  });

  it('drops the oldest segments at the cap, and counts what it dropped', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const maxBytes = 64 * 1024;
    const spool = spoolIn(directory, exporter, maxBytes);
    const droppedBefore = spoolCounts().dropped;
    for (let batch = 0; batch < 40; batch += 1) spool.write(records(20, `cap${batch}`));
    const bytes = segmentsOf(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);
    expect(bytes).to.be.at.most(maxBytes);
    const kept = [...spooledRecords(directory)];
    expect(kept.length).to.equal(spool.recordsWaiting());
    expect(kept.length).to.be.below(800);
    expect(spoolCounts().dropped - droppedBefore + kept.length).to.equal(800);
    // The newest are all there.
    expect(ids(kept).slice(-20)).to.deep.equal(ids(records(20, 'cap39')));
    spool.exitSync();
  });

  it('skips and counts damaged lines; status reports them and leaves other files alone', () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const down = switchableExporter();
    down.failing = true;
    const writer = spoolIn(mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-')), down);
    writer.write(records(4, 'dmg'));
    writer.exitSync();
    const [name] = segmentsOf(writer.directory);
    const text = readFileSync(join(writer.directory, name!), 'utf8');
    // Line 2 garbled, and a torn last line.
    const lines = text.split('\n');
    lines[2] = '{"t":[1,';
    writeFileSync(join(directory, '000000001-999999999-00000001.ndjson'), `${lines.join('\n')}{"t":[2,`);
    writeFileSync(join(directory, 'README'), 'not a segment');
    const status = spoolStatus(directory);
    expect(status.segments).to.have.length(1);
    expect(status.segments[0]).to.include({ records: 3, damagedLines: 2, writerAlive: false });
    expect(status.otherFiles).to.deep.equal(['README']);
  });

  it('publishes its counts through the OTel metrics API (apitrail.spool.records by outcome)', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      observeSpoolCounts();
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((candidate) => candidate.descriptor.name === 'apitrail.spool.records');
      const byOutcome = Object.fromEntries(
        (metric?.dataPoints ?? []).map((point) => [point.attributes['apitrail.spool.outcome'], point.value]),
      );
      // The earlier cases spooled, exported, replayed and dropped records: the metric says as much.
      expect(byOutcome).to.deep.equal({ ...spoolCounts() });
      expect(byOutcome.replayed).to.be.above(0);
      expect(byOutcome.dropped).to.be.above(0);
    } finally {
      await provider.shutdown();
      metrics.disable();
    }
  });
});
