// The spool's own logic, in process: the segment codec round trip, damage, export in order with
// segments removed only after success, the cap, and claiming what a process that is gone left.
// (The crash-safety guarantees themselves are tested against real processes and the real
// collector in test/e2e/reliability-crash-safety.test.ts.)
import { expect } from 'chai';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
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
  type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  DurableBatchLogRecordProcessor,
  Spool,
  observeSpoolCounts,
  spoolCounts,
  spoolStatus,
  spooledRecords,
  type RecordSink,
} from '@apitrail/spool';
import { STALE_AFTER_MS } from '@apitrail/spool/internal';
import { mountTmpfs } from '../helpers/tmpfs.ts';

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

function spoolIn(directory: string, exporter: LogRecordExporter, maxBytes = 1 << 30, writeBehindMs = 0): Spool {
  return new Spool({
    directory,
    maxBytes,
    exporter,
    maxExportBatchSize: 7,
    resource: resourceFromAttributes({}),
    channel: 'logs/unit',
    writeBehindMs,
  });
}

/** An exporter whose every export waits until the test answers it. */
function heldExporter(): LogRecordExporter & { held: ((result: ExportResult) => void)[]; taken: ReadableLogRecord[] } {
  const exporter = {
    held: [] as ((result: ExportResult) => void)[],
    taken: [] as ReadableLogRecord[],
    export(batch: ReadableLogRecord[], done: (result: ExportResult) => void) {
      exporter.held.push((result) => {
        if (result.code === ExportResultCode.SUCCESS) exporter.taken.push(...batch);
        done(result);
      });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return exporter;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };
const FAILED: ExportResult = { code: ExportResultCode.FAILED, error: new Error('collector down') };

const ids = (list: readonly ReadableLogRecord[]): unknown[] =>
  list.map((record) => record.attributes['correlation.id']);
const segmentsOf = (directory: string): string[] => readdirSync(directory).filter((name) => name.endsWith('.ndjson'));
const bytesOnDisk = (directory: string): number =>
  segmentsOf(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);

/** Records counted as dropped since it was called. */
function droppedSince(): () => number {
  const before = spoolCounts().dropped;
  return () => spoolCounts().dropped - before;
}

/** Answers each export the held exporter gets with success, a turn of the event loop apart, until none is left; then awaits `flushed`. */
async function releaseHeld(exporter: ReturnType<typeof heldExporter>, flushed: Promise<void>): Promise<void> {
  for (let turn = 0; turn < 10_000 && exporter.held.length > 0; turn++) {
    exporter.held.shift()!(SUCCESS);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flushed;
}

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

  it('spools a body of maps nested 4,000 levels deep and replays it whole, dropping nothing', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const [template] = records(1, 'deep');
    let body: Record<string, unknown> | string = 'leaf';
    for (let level = 0; level < 4000; level += 1) body = { next: body };
    const deep: ReadableLogRecord = {
      hrTime: template!.hrTime,
      hrTimeObserved: template!.hrTimeObserved,
      body: body as ReadableLogRecord['body'],
      attributes: { 'correlation.id': 'deep-0' },
      droppedAttributesCount: 0,
      instrumentationScope: template!.instrumentationScope,
      resource: template!.resource,
    };
    const dropped = droppedSince();
    const down = switchableExporter();
    down.failing = true;
    const first = spoolIn(directory, down);
    first.write([deep]);
    first.exitSync();
    expect(dropped()).to.equal(0);
    for (const name of segmentsOf(directory)) {
      renameSync(join(directory, name), join(directory, name.replace(`-${process.pid}-`, '-999999999-')));
    }
    const exporter = switchableExporter();
    const second = spoolIn(directory, exporter);
    await second.forceFlush();
    second.exitSync();
    expect(ids(exporter.taken)).to.deep.equal(['deep-0']);
    let levels = 0;
    for (
      let value = exporter.taken[0]!.body;
      typeof value === 'object';
      value = (value as { next: unknown }).next as typeof value
    ) {
      levels += 1;
    }
    expect(levels).to.equal(4000);
  });

  it('goes on when its directory is deleted under it: made again for new records, the open segment kept in memory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter);
    spool.write(records(4, 'before'));
    await spool.forceFlush();
    expect(segmentsOf(directory)).to.have.length(1);
    rmSync(directory, { recursive: true, force: true });
    spool.write(records(3, 'after'));
    await spool.forceFlush();
    // The directory is back with a segment holding the new records, nothing else.
    expect(segmentsOf(directory)).to.have.length(1);
    expect(readFileSync(join(directory, segmentsOf(directory)[0]!), 'utf8'))
      .to.include('after-0')
      .and.not.include('before-0');
    // What a restart would find: the new segment's (the removed one's are in memory only).
    expect(spool.recordsWaiting()).to.equal(3);
    // The removed segment's records were in memory: exported with the rest, in order, once the exporter is back.
    exporter.failing = false;
    await spool.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal([...ids(records(4, 'before')), ...ids(records(3, 'after'))]);
    expect(segmentsOf(directory)).to.deep.equal([]);
    spool.exitSync();
  });

  it('counts the records of a segment removed under it as dropped when the process ends before their export', () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter);
    spool.write(records(4, 'lost'));
    rmSync(directory, { recursive: true, force: true });
    spool.write(records(2, 'kept'));
    const dropped = spoolCounts().dropped;
    spool.exitSync();
    expect(spoolCounts().dropped - dropped, 'the removed segment: in memory only, lost at exit, counted').to.equal(4);
    expect(segmentsOf(directory)).to.have.length(1);
  });

  it("leaves another host's segments to their writer while it touches them, and claims them once it stopped", async () => {
    // Containers sharing a volume, each its own pid 1: pids say nothing across hosts, the segments' mtimes do.
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const down = switchableExporter();
    down.failing = true;
    const writer = spoolIn(directory, down);
    writer.write(records(3, 'other-host'));
    writer.exitSync();
    for (const name of segmentsOf(directory)) {
      // Same pid as this process, another host: the collision a pid-only name could not tell apart.
      renameSync(
        join(directory, name),
        join(directory, name.replace(/-h[a-z0-9-]+-(\d{8})\.ndjson$/, '-hanother-container-$1.ndjson')),
      );
    }
    const [foreign] = segmentsOf(directory);
    expect(foreign).to.match(new RegExp(`-${process.pid}-hanother-container-`));

    const exporter = switchableExporter();
    const fresh = spoolIn(directory, exporter);
    await fresh.forceFlush();
    expect(exporter.taken, 'touched lately: its writer may be alive').to.have.length(0);
    expect(segmentsOf(directory)).to.deep.equal([foreign]);
    fresh.exitSync();

    const untouched = new Date(Date.now() - 2 * STALE_AFTER_MS);
    utimesSync(join(directory, foreign!), untouched, untouched);
    const later = spoolIn(directory, exporter);
    await later.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal(ids(records(3, 'other-host')));
    expect(segmentsOf(directory)).to.deep.equal([]);
    later.exitSync();
  });

  it('drops the oldest segments at the cap, and counts what it dropped', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const maxBytes = 64 * 1024;
    const spool = spoolIn(directory, exporter, maxBytes);
    const dropped = droppedSince();
    for (let batch = 0; batch < 40; batch += 1) spool.write(records(20, `cap${batch}`));
    expect(bytesOnDisk(directory)).to.be.at.most(maxBytes);
    const kept = [...spooledRecords(directory)];
    expect(kept.length).to.equal(spool.recordsWaiting());
    expect(kept.length).to.be.below(800);
    expect(dropped() + kept.length).to.equal(800);
    // The newest are all there.
    expect(ids(kept).slice(-20)).to.deep.equal(ids(records(20, 'cap39')));
    spool.exitSync();
  });

  it('keeps a batch larger than the cap in memory and exports it, dropping nothing while the exporter takes it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    const maxBytes = 64 * 1024;
    const spool = spoolIn(directory, exporter, maxBytes);
    const dropped = droppedSince();
    // About 150 KB of records in one batch: more than the whole cap, so no segment can take it.
    const big = records(400, 'big');
    spool.write(big);
    spool.write(records(5, 'after'));
    await spool.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal([...ids(big), ...ids(records(5, 'after'))]);
    expect(dropped()).to.equal(0);
    spool.exitSync();
  });

  it('counts a batch larger than the cap as dropped when the process ends before the exporter takes it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter, 64 * 1024);
    const dropped = droppedSince();
    spool.write(records(400, 'big'));
    spool.write(records(5, 'small'));
    spool.exitSync();
    // The small batch is on disk for the next start; only memory held the big one.
    expect([...spooledRecords(directory)].map((record) => record.attributes['correlation.id'])).to.deep.equal(
      ids(records(5, 'small')),
    );
    expect(dropped()).to.equal(400);
  });

  it('drops nothing on disk for a batch that cannot fit anyway (larger than the cap): it waits in memory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter, 64 * 1024);
    const dropped = droppedSince();
    const older = [0, 1, 2, 3].flatMap((batch) => {
      const written = records(20, `older${batch}`);
      spool.write(written);
      return written;
    });
    const big = records(400, 'big');
    spool.write(big);
    expect(dropped()).to.equal(0);
    expect(spool.recordsWaiting()).to.equal(older.length);
    exporter.failing = false;
    await spool.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal([...ids(older), ...ids(big)]);
    spool.exitSync();
  });

  it('keeps the queued segments beside the one being exported when a batch cannot fit beside that one', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = heldExporter();
    const spool = spoolIn(directory, exporter, 64 * 1024);
    const dropped = droppedSince();
    // About 42 KB, held in its export; 11 KB queued behind it; then 25 KB, which would fit beside the
    // first only if the queued ones went, and then still does not.
    const batches = [records(150, 'exporting'), records(20, 'queued1'), records(20, 'queued2'), records(90, 'next')];
    for (const batch of batches) spool.write(batch);
    expect(dropped()).to.equal(0);
    await releaseHeld(exporter, spool.forceFlush());
    expect(ids(exporter.taken)).to.deep.equal(batches.flatMap(ids));
    expect(dropped()).to.equal(0);
    spool.exitSync();
  });

  it('writes a failed batch of the write-behind path to disk only if it fits under the cap, else keeps it in memory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const maxBytes = 64 * 1024;
    const spool = spoolIn(directory, exporter, maxBytes, 50);
    const dropped = droppedSince();
    const big = records(400, 'big');
    spool.write(big);
    expect(bytesOnDisk(directory)).to.be.at.most(maxBytes);
    exporter.failing = false;
    await spool.forceFlush();
    expect(ids(exporter.taken)).to.deep.equal(ids(big));
    expect(dropped()).to.equal(0);
    spool.exitSync();
  });

  it('exports a batch of more records than it keeps in memory, with a healthy exporter, dropping none', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    const spool = spoolIn(directory, exporter, 64 * 1024);
    const dropped = droppedSince();
    const huge = records(9000, 'huge');
    spool.write(huge);
    await spool.forceFlush();
    expect(exporter.taken.length).to.equal(huge.length);
    expect(dropped()).to.equal(0);
    spool.exitSync();
  });

  it('exports a backlog to an exporter that answers before it returns, without an ever deeper call stack', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = switchableExporter();
    exporter.failing = true;
    const spool = spoolIn(directory, exporter);
    const dropped = droppedSince();
    const batch = records(500, 'backlog');
    // 40,000 records in batches of 7: some 5,700 exports, each answered inside the call.
    for (let index = 0; index < 80; index++) spool.write(batch);
    exporter.failing = false;
    await spool.forceFlush();
    expect(exporter.taken.length).to.equal(40_000);
    expect(dropped()).to.equal(0);
    spool.exitSync();
  });

  it('exports or counts every record when a failed write-behind batch goes to the front during another export', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
    const exporter = heldExporter();
    const spool = spoolIn(directory, exporter, 64 * 1024, 60_000);
    const dropped = droppedSince();
    const flown = records(80, 'flown');
    // 80 records are about 22 KB: three of them do not fit under the 64 KiB cap.
    spool.write(flown); // exported straight from memory, held
    const exporting = records(80, 'exporting');
    spool.write(exporting); // a flight is out: written to a segment, its export held too
    exporter.held.shift()!(FAILED); // the flown batch is written out and queued in front
    spool.write(records(80, 'room')); // needs room: the oldest segment not being exported goes
    spool.write(records(400, 'big')); // larger than the cap: in memory, last in the queue
    await releaseHeld(exporter, spool.forceFlush());
    // Control of the scenario: the segment being exported was not the queue's first.
    expect(dropped()).to.be.above(0);
    expect(exporter.taken.length + dropped()).to.equal(80 * 3 + 400);
    expect(ids(exporter.taken)).to.include.members(ids(records(400, 'big')));
    expect(ids(exporter.taken)).to.include.members(ids(exporting));
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

  describe('write-behind (a healthy exporter)', () => {
    it('exports a batch only once the asynchronous attributes of its resource have settled, as the SDK processors do', async () => {
      // A detector still resolving (a cloud metadata lookup): the exporter reading the resource
      // then would send it without that attribute, and OTel reports the early read on the app's stderr.
      let settle: (value: string) => void = () => undefined;
      const hostId = new Promise<string>((resolve) => (settle = resolve));
      const resource = resourceFromAttributes({ 'service.name': 'spool-unit', 'host.id': hostId });
      // Taken at emit, as the register's processors hand records on (an exporting SDK processor would wait).
      const early: ReadableLogRecord[] = [];
      const taking = {
        onEmit: (record: ReadWriteLogRecord) => void early.push(record),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      const provider = new LoggerProvider({ resource, processors: [taking] });
      provider.getLogger('api').emit({ body: 'early', attributes: { 'correlation.id': 'early-0' } });
      expect(early[0]!.resource.asyncAttributesPending).to.equal(true);

      const seen: { pending: boolean | undefined; hostId: unknown }[] = [];
      const reading: LogRecordExporter = {
        export(batch, done) {
          const { resource: exported } = batch[0]!;
          const pending = exported.asyncAttributesPending;
          seen.push({ pending, hostId: pending === true ? undefined : exported.attributes['host.id'] });
          done(SUCCESS);
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const spool = spoolIn(directory, reading, 1 << 30, 1_000);
      spool.write(early);
      await sleep(20);
      // Control: the batch is in flight and the detector has not answered, so nothing was exported yet.
      expect(seen).to.deep.equal([]);
      settle('host-1');
      await spool.forceFlush();
      expect(seen).to.deep.equal([{ pending: false, hostId: 'host-1' }]);
      spool.exitSync();
      await provider.shutdown();
    });

    it('exports straight from memory: no segment is written when the export is acknowledged in time', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const exporter = switchableExporter();
      const spooledBefore = spoolCounts().spooled;
      const spool = spoolIn(directory, exporter, 1 << 30, 50);
      for (let batch = 0; batch < 5; batch += 1) spool.write(records(4, `fast${batch}`));
      await spool.forceFlush();
      expect(exporter.taken).to.have.length(20);
      expect(spoolCounts().spooled).to.equal(spooledBefore);
      expect(readdirSync(directory)).to.deep.equal([]);
      spool.exitSync();
    });

    it('writes a batch not acknowledged within the grace, and removes it once the export succeeds', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const exporter = heldExporter();
      const spool = spoolIn(directory, exporter, 1 << 30, 30);
      spool.write(records(3, 'slow'));
      expect(segmentsOf(directory)).to.deep.equal([]);
      await sleep(80);
      expect(segmentsOf(directory)).to.have.length(1);
      expect(spool.recordsWaiting()).to.equal(3);
      exporter.held.shift()!(SUCCESS);
      expect(segmentsOf(directory)).to.deep.equal([]);
      expect(ids(exporter.taken)).to.deep.equal(ids(records(3, 'slow')));
      spool.exitSync();
    });

    it('a failed export keeps the batch on disk and queued; it is exported once the exporter is back', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const exporter = heldExporter();
      const spool = spoolIn(directory, exporter, 1 << 30, 1000);
      spool.write(records(3, 'fail'));
      exporter.held.shift()!(FAILED);
      expect(segmentsOf(directory)).to.have.length(1);
      // Unhealthy now: the next batch is written ahead, not flown.
      spool.write(records(2, 'after'));
      expect(spool.recordsWaiting()).to.equal(5);
      const flushed = spool.forceFlush();
      while (exporter.held.length > 0) exporter.held.shift()!(SUCCESS);
      await sleep(10);
      while (exporter.held.length > 0) exporter.held.shift()!(SUCCESS);
      await flushed;
      expect(ids(exporter.taken)).to.deep.equal([...ids(records(3, 'fail')), ...ids(records(2, 'after'))]);
      expect(segmentsOf(directory)).to.deep.equal([]);
      spool.exitSync();
    });

    it('at exit, a batch still in flight is written to disk synchronously', () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const spool = spoolIn(directory, heldExporter(), 1 << 30, 10_000);
      spool.write(records(4, 'exit'));
      expect(segmentsOf(directory)).to.deep.equal([]);
      spool.exitSync();
      expect(ids([...spooledRecords(directory)])).to.deep.equal(ids(records(4, 'exit')));
    });
  });

  // A real read-only / full tmpfs (root only; skipped loudly otherwise). The counts are asserted
  // exactly: a spool that counted a refused or half-written batch as spooled fails here.
  describe('a disk that refuses: a real read-only tmpfs (EROFS) and a full one (ENOSPC)', () => {
    /** 400 records (about 400 KB) written, the exporter down, to a spool on `directory`. */
    async function fillUp(directory: string, tag: string) {
      const before = { ...spoolCounts() };
      const exporter = switchableExporter();
      exporter.failing = true;
      const spool = spoolIn(directory, exporter);
      const written: ReadableLogRecord[] = [];
      for (let batch = 0; batch < 40; batch += 1) {
        const batchRecords = records(10, `${tag}${batch}`);
        written.push(...batchRecords);
        spool.write(batchRecords);
      }
      await spool.forceFlush();
      return { before, exporter, spool, written };
    }

    it('read-only: nothing is claimed as spooled; kept in memory, exported when the exporter is back', async function () {
      const tmpfs = mountTmpfs(this, 64 * 1024);
      try {
        tmpfs.remount('ro');
        const directory = join(tmpfs.directory, 'spool');
        const before = { ...spoolCounts() };
        const exporter = switchableExporter();
        exporter.failing = true;
        // The directory exists, the mount is read-only: mkdir succeeds, every open for write fails.
        tmpfs.remount('rw');
        const ready = spoolIn(tmpfs.directory, exporter);
        tmpfs.remount('ro');
        ready.write(records(10, 'ro-a'));
        ready.write(records(5, 'ro-b'));
        await ready.forceFlush();
        expect(spoolCounts().spooled - before.spooled).to.equal(0);
        expect(ready.recordsWaiting()).to.equal(0);
        expect(readdirSync(tmpfs.directory)).to.deep.equal([]);
        exporter.failing = false;
        await ready.forceFlush();
        expect(ids(exporter.taken)).to.deep.equal([...ids(records(10, 'ro-a')), ...ids(records(5, 'ro-b'))]);
        expect(spoolCounts().dropped - before.dropped).to.equal(0);
        ready.exitSync();

        // A spool whose directory cannot even be made (EROFS on mkdir), ending during the outage:
        // what it held in memory is counted as dropped, exactly.
        exporter.failing = true;
        const lost = spoolIn(directory, exporter);
        lost.write(records(6, 'ro-lost'));
        await lost.forceFlush();
        lost.exitSync();
        expect(spoolCounts().dropped - before.dropped).to.equal(6);
        expect(spoolCounts().spooled - before.spooled).to.equal(0);
      } finally {
        tmpfs.unmount();
      }
    });

    it('full mid-run: spooled counts exactly the whole records on disk; the rest kept in memory, then all exported', async function () {
      const tmpfs = mountTmpfs(this, 64 * 1024);
      try {
        const { before, exporter, spool, written } = await fillUp(tmpfs.directory, 'full');
        const onDisk = [...spooledRecords(tmpfs.directory)];
        const status = spoolStatus(tmpfs.directory);
        const spooled = spoolCounts().spooled - before.spooled;
        // The disk filled up: some, not all, reached it, and no torn line was left behind.
        expect(spooled).to.be.above(0).and.below(written.length);
        expect(onDisk).to.have.length(spooled);
        expect(spool.recordsWaiting()).to.equal(spooled);
        expect(status.segments.reduce((sum, segment) => sum + segment.damagedLines, 0)).to.equal(0);
        // One refused batch leaves no empty segment file behind.
        expect(status.segments.every((segment) => segment.records > 0)).to.equal(true);
        expect(ids(onDisk)).to.deep.equal(ids(written.slice(0, spooled)));

        exporter.failing = false;
        await spool.forceFlush();
        expect(ids(exporter.taken)).to.deep.equal(ids(written));
        expect(spoolCounts().dropped - before.dropped).to.equal(0);
        expect(segmentsOf(tmpfs.directory)).to.deep.equal([]);
        spool.exitSync();
      } finally {
        tmpfs.unmount();
      }
    });

    it('full, and the process ends during the outage: what only memory held is counted as dropped, exactly', async function () {
      const tmpfs = mountTmpfs(this, 64 * 1024);
      try {
        const { before, spool, written } = await fillUp(tmpfs.directory, 'end');
        spool.exitSync();
        const spooled = spoolCounts().spooled - before.spooled;
        expect(spooled).to.be.above(0).and.below(written.length);
        expect(spoolCounts().dropped - before.dropped).to.equal(written.length - spooled);
        expect([...spooledRecords(tmpfs.directory)]).to.have.length(spooled);
      } finally {
        tmpfs.unmount();
      }
    });
  });
});

describe('DurableBatchLogRecordProcessor', () => {
  /** A sink that keeps the size of each batch it is handed. */
  function countingSink(): RecordSink & { batches: number[] } {
    const batches: number[] = [];
    return {
      batches,
      write: (batch) => void batches.push(batch.length),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
      exitSync: () => undefined,
      persistSync: () => undefined,
      recordsWaiting: () => 0,
    };
  }
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('hands a full batch over at the next turn of the event loop, not inside the emit, and the rest at the interval', async () => {
    const sink = countingSink();
    const processor = new DurableBatchLogRecordProcessor({
      sink,
      flushIntervalMs: 60_000,
      maxBatchSize: 4,
      channel: 'logs/test',
    });
    const emitted = records(10, 'batch') as ReadWriteLogRecord[];
    for (const record of emitted.slice(0, 4)) processor.onEmit(record);
    expect(sink.batches, 'inside the emit that filled the batch').to.deep.equal([]);
    await turn();
    expect(sink.batches).to.deep.equal([4]);
    for (const record of emitted.slice(4)) processor.onEmit(record);
    await turn();
    expect(sink.batches).to.deep.equal([4, 6]);
    processor.onEmit(emitted[0]!);
    await turn();
    // Control: below the size, the record waits for the interval (here: for shutdown).
    expect(sink.batches).to.deep.equal([4, 6]);
    await processor.shutdown();
    expect(sink.batches).to.deep.equal([4, 6, 1]);
  });

  it('without a size, waits for the interval whatever the count', async () => {
    const sink = countingSink();
    const processor = new DurableBatchLogRecordProcessor({ sink, flushIntervalMs: 20, channel: 'logs/test' });
    for (const record of records(600, 'unsized') as ReadWriteLogRecord[]) processor.onEmit(record);
    await turn();
    expect(sink.batches).to.deep.equal([]);
    // The interval's timer, however late a loaded machine runs it.
    for (let waited = 0; sink.batches.length === 0 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sink.batches).to.deep.equal([600]);
    await processor.shutdown();
  });

  describe('a batch the receiver refuses for good (HTTP 400)', () => {
    /** An exporter that refuses, as the OTLP/HTTP exporter does (its error's code the status), every batch holding `poison`. */
    function refusingExporter(poison: string): LogRecordExporter & { taken: ReadableLogRecord[] } {
      const exporter = {
        taken: [] as ReadableLogRecord[],
        export(batch: ReadableLogRecord[], done: (result: ExportResult) => void) {
          if (ids(batch).some((id) => String(id).startsWith(poison))) {
            done({ code: ExportResultCode.FAILED, error: Object.assign(new Error('Bad Request'), { code: 400 }) });
            return;
          }
          exporter.taken.push(...batch);
          done(SUCCESS);
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      return exporter;
    }

    async function refuseOnce(directory: string): Promise<{ taken: unknown[]; refused: number; dropped: number }> {
      const refusedBefore = spoolCounts().refused;
      const dropped = droppedSince();
      const exporter = refusingExporter('poison');
      const spool = spoolIn(directory, exporter);
      // One export batch (maxExportBatchSize 7) of its own: a batch is set aside whole.
      spool.write(records(7, 'poison'));
      spool.write(records(3, 'after'));
      for (let waited = 0; waited < 5_000 && exporter.taken.length < 3; waited += 50) await sleep(50);
      spool.exitSync();
      return { taken: ids(exporter.taken), refused: spoolCounts().refused - refusedBefore, dropped: dropped() };
    }

    it('is set aside in refused/ after three refusals, counted as refused, and the records after it are exported', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const outcome = await refuseOnce(directory);
      expect(outcome).to.deep.equal({ taken: ['after-0', 'after-1', 'after-2'], refused: 7, dropped: 0 });
      const status = spoolStatus(directory);
      expect(status.refused.map(({ records }) => records)).to.deep.equal([7]);
      expect(status.segments).to.deep.equal([]);
      expect(status.otherFiles).to.deep.equal([]);
    });

    it('where it cannot be set aside (refused/ is a file), it is counted as dropped, and the records after it still go', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      writeFileSync(join(directory, 'refused'), 'in the way');
      const outcome = await refuseOnce(directory);
      expect(outcome).to.deep.equal({ taken: ['after-0', 'after-1', 'after-2'], refused: 0, dropped: 7 });
      // The file in the way is not a directory of set-aside batches: shown as a file that is not a segment.
      expect(spoolStatus(directory)).to.deep.include({ refused: [], otherFiles: ['refused'] });
    });
  });

  describe('a batch the receiver refuses as too large (HTTP 413)', () => {
    /** Refuses (413) every batch holding a record tagged `giant`, or more than `limit` records; keeps the batch sizes it took. */
    function sizeLimitedExporter(limit: number): LogRecordExporter & { sizes: number[]; taken: ReadableLogRecord[] } {
      const exporter = {
        sizes: [] as number[],
        taken: [] as ReadableLogRecord[],
        export(batch: ReadableLogRecord[], done: (result: ExportResult) => void) {
          if (batch.length > limit || ids(batch).some((id) => String(id).startsWith('giant'))) {
            done({
              code: ExportResultCode.FAILED,
              error: Object.assign(new Error('Payload Too Large'), { code: 413 }),
            });
            return;
          }
          exporter.sizes.push(batch.length);
          exporter.taken.push(...batch);
          done(SUCCESS);
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      return exporter;
    }

    async function giantAmong(limit: number): Promise<number[]> {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const exporter = sizeLimitedExporter(limit);
      const spool = spoolIn(directory, exporter);
      spool.write([...records(1, 'giant'), ...records(6, 'small')]);
      for (let waited = 0; waited < 5_000 && exporter.taken.length < 6; waited += 50) await sleep(50);
      expect(ids(exporter.taken)).to.have.length(6);
      exporter.sizes.length = 0;
      spool.write(records(7, 'later'));
      for (let waited = 0; waited < 5_000 && exporter.taken.length < 13; waited += 50) await sleep(50);
      spool.exitSync();
      expect(spoolStatus(directory).refused.map(({ records }) => records)).to.deep.equal([1]);
      return exporter.sizes;
    }

    it('one record too large on its own, set aside alone, leaves later batches their full size', async () => {
      // The halvings came from that record: batches of 1 for the rest of the process would be one
      // request per record, a backlog that grows under load until the spool's cap drops records.
      expect(await giantAmong(7)).to.deep.equal([7]);
    });

    it('a batch exported straight from memory (write-behind) and refused is split at once too, not after a backoff', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'apitrail-spool-unit-'));
      const exporter = sizeLimitedExporter(3);
      const spool = spoolIn(directory, exporter, 1 << 30, 5_000);
      const started = Date.now();
      spool.write(records(7, 'memory'));
      for (let waited = 0; waited < 5_000 && exporter.taken.length < 7; waited += 10) await sleep(10);
      const elapsed = Date.now() - started;
      spool.exitSync();
      expect(ids(exporter.taken)).to.have.length(7);
      // The retry backoff starts at 500 ms: a receiver that answered is not an outage.
      expect(elapsed).to.be.below(300);
    });

    it('a receiver that refuses large requests keeps them halved (control: the limit is found again)', async () => {
      // The 6 after the record set aside go at full size, are refused, and go in halves of 3: so
      // do the 7 later ones.
      expect(await giantAmong(3)).to.deep.equal([3, 3, 1]);
    });
  });
});
