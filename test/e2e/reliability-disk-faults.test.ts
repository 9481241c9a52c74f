// A spool on a disk that refuses (issue #14): a real read-only tmpfs (EROFS) and a tiny one that
// fills up mid-run (ENOSPC), with the collector away so records must be spooled. The app serves
// every request as it would without apitrail, the fault is reported once, the exit summary counts
// what could not be written as dropped (never as spooled), and what was written or kept in memory
// is delivered once the collector is back. Mounting needs root; elsewhere these tests are skipped
// with a loud reason (test/helpers/tmpfs.ts). The counts are asserted exactly: a spool that claimed
// a refused batch as spooled fails them.
import { expect } from 'chai';
import { once } from 'node:events';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { startOtlpSink } from '../helpers/otlp-sink.ts';
import { freePort } from '../helpers/ports.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';
import { waitFor } from '../helpers/wait.ts';

const SCRIPT = 'test/fixtures/crash-app.cjs';

/** Status and body of each answer: with or without a disk, the app answers every request alike. */
async function serve(app: RunningApp, ids: readonly string[]): Promise<string[]> {
  const answers: string[] = [];
  for (const id of ids) {
    const response = await fetch(`${app.baseUrl}/api/items/${id}`, { headers: { 'x-request-id': id } });
    answers.push(`${response.status} ${await response.text()}`);
  }
  return answers;
}

function auditIds(records: { eventName?: string; attributes: Record<string, unknown> }[]): string[] {
  return records
    .filter((record) => record.eventName === 'apitrail.api_request')
    .map((record) => String(record.attributes['correlation.id']));
}

function summaryOf(stderr: string): { spooled: number; dropped: number } | undefined {
  const match = /apitrail: (\d+) records spooled to .*, (\d+) dropped/.exec(stderr);
  return match === null ? undefined : { spooled: Number(match[1]), dropped: Number(match[2]) };
}

/** The app ended as its own SIGTERM listener says (exit 0), with the disk's refusal reported once. */
async function expectFaultReportedOnce(
  app: RunningApp,
  exited: Promise<[number | null, NodeJS.Signals | null]>,
  errorCode: string,
): Promise<void> {
  const [code, signal] = await exited;
  expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
  expect(app.stderr().match(/refused a write/g)).to.have.length(1);
  expect(app.stderr()).to.include(errorCode);
}

describe('reliability: a spool disk that refuses (real tmpfs)', function () {
  this.timeout(300_000);
  let collector: RunningCollector;

  before(async function () {
    collector = await startCollector(await requireCollector(this), 'local-file.yaml');
  });
  after(async () => collector?.stop());

  it('read-only (EROFS): reported once, records kept in memory and delivered when the collector is back; lost at exit are counted as dropped', async function () {
    const tmpfs = mountTmpfs(this, 64 * 1024);
    const sink = await startOtlpSink(collector.otlpHttpEndpoint);
    try {
      tmpfs.remount('ro');
      await sink.setMode({ kind: 'down' });
      const env = {
        CRASH_FIXTURE_MODE: 'exit-in-sigterm',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'otlp',
        APITRAIL_SPOOL_DIR: tmpfs.directory,
      };
      const app = await startApp({ script: SCRIPT, env });
      const exited = once(app.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const delivered = Array.from({ length: 25 }, (_, index) => `erofs-${index}`);
      const lost = Array.from({ length: 10 }, (_, index) => `erofs-lost-${index}`);
      try {
        expect(await serve(app, delivered)).to.deep.equal(delivered.map(() => '200 {"ok":true}'));
        await waitFor('the refused write on stderr', () => (/refused a write/.test(app.stderr()) ? true : undefined));
        await sink.setMode({ kind: 'forward' });
        await waitFor('the records kept in memory at the collector', async () => {
          const seen = new Set(auditIds(await collector.logs()));
          return delivered.every((id) => seen.has(id)) ? true : undefined;
        });
        // Down again, and the app ends before the collector is back: nothing could be written.
        await sink.setMode({ kind: 'down' });
        expect(await serve(app, lost)).to.deep.equal(lost.map(() => '200 {"ok":true}'));
      } finally {
        app.process.kill('SIGTERM');
      }
      await expectFaultReportedOnce(app, exited, 'EROFS');
      expect(summaryOf(app.stderr())).to.deep.equal({ spooled: 0, dropped: lost.length });
      const seen = auditIds(await collector.logs());
      for (const id of delivered)
        expect(
          seen.filter((candidate) => candidate === id),
          id,
        ).to.have.length(1);
    } finally {
      await sink.stop();
      tmpfs.unmount();
    }
  });

  it('full mid-run (ENOSPC): what fits is spooled and delivered after a restart, the rest counted as dropped, exactly', async function () {
    const tmpfs = mountTmpfs(this, 64 * 1024);
    try {
      const ids = Array.from({ length: 300 }, (_, index) => `enospc-${index}`);
      const app = await startApp({
        script: SCRIPT,
        env: {
          CRASH_FIXTURE_MODE: 'exit-in-sigterm',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'otlp',
          APITRAIL_SPOOL_DIR: tmpfs.directory,
          APITRAIL_SPOOL_FLUSH_INTERVAL_MS: '20',
        },
      });
      const exited = once(app.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      try {
        expect(await serve(app, ids)).to.deep.equal(ids.map(() => '200 {"ok":true}'));
      } finally {
        app.process.kill('SIGTERM');
      }
      await expectFaultReportedOnce(app, exited, 'ENOSPC');
      const summary = summaryOf(app.stderr());
      expect(summary?.spooled).to.be.above(0);
      expect(summary?.dropped).to.be.above(0);

      // The summary's "spooled" is what is on disk: whole records, no torn line.
      const status = await runApitrail(['spool', 'status', '--json', '--dir', tmpfs.directory]);
      expect(status.code, status.stderr).to.equal(0);
      const report = JSON.parse(status.stdout) as { segments: { records: number; damagedLines: number }[] };
      expect(report.segments.reduce((sum, segment) => sum + segment.records, 0)).to.equal(summary!.spooled);
      expect(report.segments.reduce((sum, segment) => sum + segment.damagedLines, 0)).to.equal(0);
      expect(summary!.spooled + summary!.dropped).to.equal(ids.length);

      // The collector is up and the app restarts on the same (full) spool: what was written arrives, once.
      const restarted = await startApp({
        script: SCRIPT,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'otlp',
          APITRAIL_SPOOL_DIR: tmpfs.directory,
        },
      });
      try {
        await waitFor(`${summary!.spooled} spooled records at the collector`, async () => {
          const seen = new Set(auditIds(await collector.logs()));
          return ids.filter((id) => seen.has(id)).length === summary!.spooled ? true : undefined;
        });
      } finally {
        await restarted.stop();
      }
      const seen = auditIds(await collector.logs()).filter((id) => id.startsWith('enospc-'));
      expect(seen).to.have.length(summary!.spooled);
      expect(new Set(seen).size).to.equal(seen.length);
      expect(summaryOf(restarted.stderr())).to.equal(undefined);
    } finally {
      tmpfs.unmount();
    }
  });
});
