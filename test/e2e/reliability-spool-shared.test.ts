// A spool directory shared and attacked (issue #14 follow-up): several real app processes starting
// together on one spool, segments that another host or user left, a process short of file
// descriptors, an unreadable segment, a clock set back, operators reading the spool meanwhile.
// Each test runs real child processes under the register; none may crash or change the app, and
// every record is delivered or counted.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSpoolDir, startApp, type RunningApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { freePort } from '../helpers/ports.ts';
import { waitFor } from '../helpers/wait.ts';

const SCRIPT = 'test/fixtures/crash-app.cjs';

function summaryOf(stderr: string): { spooled: number; dropped: number } | undefined {
  const match = /apitrail: (\d+) records spooled to .*, (\d+) dropped/.exec(stderr);
  return match === null ? undefined : { spooled: Number(match[1]), dropped: Number(match[2]) };
}

const segments = (spoolDir: string): string[] => readdirSync(spoolDir).filter((name) => name.endsWith('.ndjson'));

/** One record line as the spool writes it, with `id` as its correlation id after `attributes`. */
function recordLine(id: string, attributes: Record<string, string> = {}): string {
  return `${JSON.stringify({
    t: [1_700_000_000, 0],
    o: [1_700_000_000, 0],
    e: 'apitrail.api_request',
    a: { ...attributes, 'correlation.id': id },
    i: { name: 'spool-test' },
  })}\n`;
}

/** The name of segment `number` (from 1) of a process of this host that is gone (a pid beyond pid_max). */
const goneProcessSegment = (number: number): string => `000000001-999999999-${String(number).padStart(8, '0')}.ndjson`;

/**
 * `count` segments of `perSegment` records that a process of this host left when it ended (a pid
 * beyond pid_max).
 */
function segmentsOfAGoneProcess(spoolDir: string, tag: string, count: number, perSegment = 1): string[] {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    let text = '';
    for (let record = 0; record < perSegment; record += 1) {
      const id = perSegment === 1 ? `${tag}-${index}` : `${tag}-${index}-${record}`;
      text += recordLine(id);
      ids.push(id);
    }
    writeFileSync(join(spoolDir, goneProcessSegment(index + 1)), text, { mode: 0o600 });
  }
  return ids;
}

function auditIds(records: { eventName?: string; attributes: Record<string, unknown> }[]): string[] {
  return records
    .filter((record) => record.eventName === 'apitrail.api_request')
    .map((record) => String(record.attributes['correlation.id']));
}

/**
 * `count` one-record segments written by `host`, a host that is gone: untouched for an hour, so
 * any spool sharing the directory may claim them.
 */
function segmentsOfAGoneHost(spoolDir: string, host: string, count: number): string[] {
  const ids: string[] = [];
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (let index = 0; index < count; index += 1) {
    const id = `${host}-${index}`;
    const path = join(spoolDir, `000000001-1-h${host}-${String(index + 1).padStart(8, '0')}.ndjson`);
    writeFileSync(path, recordLine(id), { mode: 0o600 });
    utimesSync(path, anHourAgo, anHourAgo);
    ids.push(id);
  }
  return ids;
}

/**
 * What runs node with host name `host` (a UTS namespace of its own), as a replica in another
 * container sharing the spool's volume; with `asPid1`, in a pid namespace of its own too, as pid 1
 * (a container without an init). The test is skipped, loudly, where that is not permitted.
 */
function onHost(context: Mocha.Context, host: string, asPid1 = false): string[] {
  const namespaces = asPid1 ? ['--pid', '--fork', '--kill-child', '--mount-proc', '--uts'] : ['--uts'];
  const wrapper = ['unshare', ...namespaces, 'sh', '-c', 'hostname "$0" && exec "$@"', host];
  const probe = spawnSync(wrapper[0]!, [...wrapper.slice(1), 'true'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    process.stderr.write(`\n  !!! SKIPPING "${context.test?.title ?? ''}": unshare is not permitted here !!!\n\n`);
    context.skip();
  }
  return wrapper;
}

interface OtlpLogRecord {
  readonly body?: unknown;
  readonly attributes?: { readonly key: string; readonly value: unknown }[];
}

/**
 * The record whose `app.tag` is `tag` as the collector's file exporter wrote it (OTLP JSON: a
 * bytes value and a map are told apart there), with its body and the attributes the app set.
 */
function appRecordAsWritten(collector: RunningCollector, tag: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(join(collector.outputDir, 'logs.jsonl'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(`"${tag}"`)) continue;
    const payload = JSON.parse(line) as {
      resourceLogs?: { scopeLogs?: { logRecords?: OtlpLogRecord[] }[] }[];
    };
    for (const resourceLogs of payload.resourceLogs ?? []) {
      for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
        for (const record of scopeLogs.logRecords ?? []) {
          const attributes = Object.fromEntries((record.attributes ?? []).map(({ key, value }) => [key, value]));
          if (JSON.stringify(attributes['app.tag']) !== JSON.stringify({ stringValue: tag })) continue;
          const app = Object.entries(attributes).filter(([key]) => key.startsWith('app.') && key !== 'app.tag');
          return { body: record.body, ...Object.fromEntries(app) };
        }
      }
    }
  }
  return undefined;
}

/**
 * The environment of an app sending its logs (no traces) over OTLP to `endpoint`, spooling in
 * `spoolDir` (without one, in a fresh directory of its own).
 */
function logsOverOtlp(endpoint: string, spoolDir?: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'otlp',
    ...(spoolDir === undefined ? {} : { APITRAIL_SPOOL_DIR: spoolDir }),
  };
}

/** The crash fixture serving on `spoolDir` with `collector` up: what the spool holds is delivered. */
function upEnv(collector: RunningCollector, spoolDir: string): Record<string, string> {
  return { CRASH_FIXTURE_MODE: 'listens', ...logsOverOtlp(collector.otlpHttpEndpoint, spoolDir) };
}

/** The crash fixture serving on `spoolDir` with its collector down (a port nothing listens on). */
async function downEnv(spoolDir: string): Promise<Record<string, string>> {
  return {
    CRASH_FIXTURE_MODE: 'listens',
    ...logsOverOtlp(`http://127.0.0.1:${await freePort()}`, spoolDir),
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '1000',
  };
}

/** GET `path` of `app` with `requestId` as its X-Request-ID, answered 200. */
async function get(app: RunningApp, path: string, requestId: string): Promise<void> {
  const response = await fetch(`${app.baseUrl}${path}`, { headers: { 'x-request-id': requestId } });
  expect(response.status).to.equal(200);
}

/** Five requests, GET /api/items/<n> with X-Request-ID <tag>-<n>, each answered 200. */
async function serveFive(app: RunningApp, tag: string): Promise<void> {
  for (let index = 0; index < 5; index += 1) await get(app, `/api/items/${index}`, `${tag}-${index}`);
}

/**
 * Ends `app` with SIGKILL and waits for its exit: unshare waits on its child through SIGTERM, and
 * pid 1 goes on after one, while a SIGKILL unshare passes on to it (--kill-child).
 */
async function kill(app: RunningApp): Promise<void> {
  const exited = once(app.process, 'exit');
  app.process.kill('SIGKILL');
  await exited;
}

/** `list` once it has anything in it, for waitFor. */
const nonEmpty = (list: string[]): string[] | undefined => (list.length > 0 ? list : undefined);

/** Skips the test, loudly, unless it runs as root (giving a file to another user needs root). */
function skipUnlessRoot(context: Mocha.Context): void {
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `\n  !!! SKIPPING "${context.test?.title ?? ''}": giving a file to another user needs root !!!\n\n`,
    );
    context.skip();
  }
}

/**
 * Waits until `collector` holds an audit record of each of `ids`. Given `spoolDir`, a timeout says
 * what the spool still holds (and, given `app`, what it printed on stderr).
 */
async function waitForDelivery(
  what: string,
  collector: RunningCollector,
  ids: readonly string[],
  options: { timeoutMs?: number; spoolDir?: string; app?: RunningApp } = {},
): Promise<void> {
  const { timeoutMs, spoolDir, app } = options;
  await waitFor(
    what,
    async () => {
      const seen = new Set(auditIds(await collector.logs()));
      return ids.every((id) => seen.has(id)) ? true : undefined;
    },
    timeoutMs,
  ).catch((error: Error) => {
    if (spoolDir === undefined) throw error;
    const stderr = app === undefined ? '' : `; stderr: ${app.stderr()}`;
    throw new Error(`${error.message}; spool holds ${JSON.stringify(segments(spoolDir))}${stderr}`);
  });
}

/**
 * Starts the crash fixture on `spoolDir` with `collector` up, waits until it has emptied the spool
 * (and half a second more, for its last export to land), and stops it.
 */
async function drainSpool(collector: RunningCollector, spoolDir: string): Promise<RunningApp> {
  const app = await startApp({ script: SCRIPT, env: upEnv(collector, spoolDir) });
  try {
    await waitFor('the spool emptied', () => (segments(spoolDir).length === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await app.stop();
  }
  return app;
}

describe('reliability: a shared and attacked spool directory', function () {
  this.timeout(300_000);

  it('replicas starting together on a volume holding a gone host’s segments: each starts, each segment is claimed once', async () => {
    const spoolDir = freshSpoolDir();
    const count = 12_000;
    segmentsOfAGoneHost(spoolDir, 'gone-replica', count);
    const env = await downEnv(spoolDir);
    // Started together, as a deployment starts its replicas: their claims race over the same files.
    const started = await Promise.allSettled(Array.from({ length: 4 }, () => startApp({ script: SCRIPT, env })));
    const apps = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const ends = await Promise.all(apps.map((app: RunningApp) => app.stop()));
    const failures = started.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String((outcome.reason as Error).message).slice(0, 600)] : [],
    );
    expect(failures, 'replicas that did not start').to.deep.equal([]);
    for (const end of ends) expect(end).to.deep.equal({ code: null, signal: 'SIGTERM' });
    // Every segment claimed by one replica (none left under the gone host's name), none lost or copied.
    expect(segments(spoolDir).filter((name) => name.includes('-hgone-replica-'))).to.deep.equal([]);
    expect(segments(spoolDir)).to.have.length(count);
    const spooled = apps.reduce((sum, app) => sum + (summaryOf(app.stderr())?.spooled ?? 0), 0);
    expect(spooled, 'records the replicas left in the spool, together').to.equal(count);
  });

  it('segments a replica claimed from a gone host are left to it by a replica on another host', async function () {
    const spoolDir = freshSpoolDir();
    const count = 50;
    segmentsOfAGoneHost(spoolDir, 'gone-host', count);
    const env = await downEnv(spoolDir);
    const first = await startApp({ script: SCRIPT, env });
    const second = await startApp({ script: SCRIPT, env, wrapper: onHost(this, 'replica-b') });
    try {
      // The first claimed them all at its start; the second, on another host, sees a live writer's.
      const owners = new Set(segments(spoolDir).map((name) => name.split('-')[1]));
      expect([...owners]).to.deep.equal([String(first.process.pid)]);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(summaryOf(first.stderr())?.spooled).to.equal(count);
    expect(summaryOf(second.stderr())).to.equal(undefined);
  });

  it('replicas whose host names share their first 32 characters (Kubernetes pod names) do not take each other’s segments', async function () {
    // Pods of one Deployment are named <deployment>-<replica set hash>-<5 random characters>: with
    // a deployment name of 17 characters or more the names differ only past the 32nd, and each pod
    // runs its app as pid 1 on the shared volume.
    const spoolDir = freshSpoolDir();
    const env = await downEnv(spoolDir);
    const first = await startApp({
      script: SCRIPT,
      env,
      wrapper: onHost(this, 'payments-api-deployment-7d9f8c6b5-x2k4p', true),
    });
    try {
      await serveFive(first, 'pod');
      const firsts = await waitFor('the first pod’s segments', () => nonEmpty(segments(spoolDir)));
      const second = await startApp({
        script: SCRIPT,
        env,
        wrapper: onHost(this, 'payments-api-deployment-7d9f8c6b5-q8m3z', true),
      });
      await kill(second);
      expect(segments(spoolDir), 'the first pod’s live segments, after the second started').to.deep.equal(firsts);
    } finally {
      await kill(first);
    }
  });

  it('two live pid 1s under one host name: the first started does not take the segments of the one started after it', async function () {
    // Containers with host networking share the host's name, and each runs its app as pid 1: two
    // live writers whose segments differ only by start time. The one started later is no earlier
    // run of the other: its segments, touched as it writes them, stay its own past a rescan (30 s).
    const spoolDir = freshSpoolDir();
    const env = await downEnv(spoolDir);
    const first = await startApp({ script: SCRIPT, env, wrapper: onHost(this, 'twin', true) });
    const startedAt = Date.now();
    try {
      await serveFive(first, 'first');
      const firsts = await waitFor('the first one’s segments', () => nonEmpty(segments(spoolDir)));
      const second = await startApp({ script: SCRIPT, env, wrapper: onHost(this, 'twin', true) });
      try {
        await serveFive(second, 'second');
        const seconds = await waitFor('the second one’s segments', () =>
          nonEmpty(segments(spoolDir).filter((name) => !firsts.includes(name))),
        );
        // Past the first one's rescan.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 34_000 - Date.now())));
        const now = segments(spoolDir);
        expect(
          seconds.filter((name) => !now.includes(name)),
          'the second one’s segments taken',
        ).to.deep.equal([]);
      } finally {
        await kill(second);
      }
    } finally {
      await kill(first);
    }
  });

  it('a large backlog from an earlier outage: SIGTERM still ends within the shutdown bound, without loading it all', async () => {
    // 120 segments of 1,000 records of about 1.4 KB each (168 MB, under the default cap) that a gone
    // process left, and an app whose heap is limited to 256 MB: the exit summary must count them
    // without holding them all in memory or parsing them past APITRAIL_SHUTDOWN_TIMEOUT_MS.
    const spoolDir = freshSpoolDir();
    const attributes: Record<string, string> = {};
    for (let key = 0; key < 30; key += 1) attributes[`app.attribute.${key}`] = `value-${'x'.repeat(20)}-${key}`;
    const segmentCount = 120;
    const perSegment = 1000;
    for (let segment = 0; segment < segmentCount; segment += 1) {
      let text = `${JSON.stringify({ resource: { 'service.name': 'backlog' } })}\n`;
      for (let index = 0; index < perSegment; index += 1) text += recordLine(`backlog-${segment}-${index}`, attributes);
      writeFileSync(join(spoolDir, goneProcessSegment(segment + 1)), text);
    }
    const timeoutMs = 1000;
    const app = await startApp({
      script: SCRIPT,
      env: {
        ...(await downEnv(spoolDir)),
        APITRAIL_SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
        NODE_OPTIONS: '--max-old-space-size=256',
      },
    });
    const exited = once(app.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const stoppedAt = Date.now();
    app.process.kill('SIGTERM');
    const [code, signal] = await exited;
    const tookMs = Date.now() - stoppedAt;
    expect({ code, signal }, app.stderr().slice(-2000)).to.deep.equal({ code: null, signal: 'SIGTERM' });
    expect(tookMs, 'ms from SIGTERM to the end').to.be.below(timeoutMs + 2000);
    expect(summaryOf(app.stderr())).to.deep.equal({ spooled: segmentCount * perSegment, dropped: 0 });
    expect(segments(spoolDir)).to.have.length(segmentCount);
    // 168 MB of test data: not left behind in the temporary directory.
    rmSync(spoolDir, { recursive: true, force: true });
  });

  describe('with the collector up', () => {
    let collector: RunningCollector;

    before(async function () {
      collector = await startCollector(await requireCollector(this), 'local-file.yaml');
    });
    after(async () => collector?.stop());

    it('at the cap while out of file descriptors: an old segment that cannot be read is kept, not deleted uncounted', async () => {
      // 62 KB of segments a gone process left under a 64 KiB cap, collector down, and an app that
      // emits 40 records while it holds every descriptor: making room for them meets EMFILE.
      const spoolDir = freshSpoolDir();
      const planted = segmentsOfAGoneProcess(spoolDir, 'capped', 8, 60);
      const first = await startApp({
        script: 'test/fixtures/fd-exhausted-app.cjs',
        env: {
          ...(await downEnv(spoolDir)),
          APITRAIL_SPOOL_MAX_BYTES: '65536',
          FD_EXHAUSTED_MS: '1500',
          FD_EXHAUSTED_EMIT: '40',
        },
      });
      await first.stop();
      const summary = summaryOf(first.stderr());
      expect(summary, first.stderr()).to.not.equal(undefined);
      const emitted = Array.from({ length: 40 }, (_, index) => `exhausted-${index}`);
      // Then the collector is back: what the spool holds is delivered.
      await drainSpool(collector, spoolDir);
      const delivered = new Set(auditIds(await collector.logs()));
      const missing = [...planted, ...emitted].filter((id) => !delivered.has(id));
      // Every record is delivered or counted as dropped by the first run: none vanished uncounted.
      expect(missing.length, `missing ${missing.length}, counted as dropped ${summary!.dropped}`).to.equal(
        summary!.dropped,
      );
    });

    it('apitrail spool status and export --ndjson while the app empties the spool: each run succeeds', async () => {
      // An operator watching a recovery: the app claims and exports 3,000 segments (each removed
      // once exported) while status and export read the directory.
      const spoolDir = freshSpoolDir();
      segmentsOfAGoneProcess(spoolDir, 'watched', 3000);
      const app = await startApp({ script: SCRIPT, env: upEnv(collector, spoolDir) });
      const failures: string[] = [];
      let runs = 0;
      try {
        while (segments(spoolDir).length > 100 && runs < 40) {
          for (const args of [
            ['spool', 'status', '--json', '--dir', spoolDir],
            ['spool', 'export', '--ndjson', '--dir', spoolDir],
          ]) {
            const run = await runApitrail(args);
            runs += 1;
            if (run.code !== 0) failures.push(`${args[1]} exited ${run.code}: ${run.stderr.slice(0, 300)}`);
          }
        }
      } finally {
        await app.stop();
      }
      expect(runs, 'runs while the spool emptied').to.be.at.least(2);
      expect(failures).to.deep.equal([]);
    });

    it('a container’s pid 1 restarted on a clock set back: the segments its earlier run left are exported', async function () {
      // The earlier run, pid 1 on host "restarted" as well, started on a clock a day ahead (since
      // set back by NTP, or the container moved to a host whose clock is behind): its segments'
      // start time is later than this run's.
      const spoolDir = freshSpoolDir();
      const aDayAhead = Date.now() + 86_400_000;
      const ids = ['pid1-0', 'pid1-1', 'pid1-2'];
      ids.forEach((id, index) => {
        const name = `${aDayAhead.toString(36).padStart(9, '0')}-1-hrestarted-0000000${index + 1}.ndjson`;
        writeFileSync(join(spoolDir, name), recordLine(id));
        // Written, and last touched, by that clock.
        utimesSync(join(spoolDir, name), new Date(aDayAhead), new Date(aDayAhead));
      });
      const app = await startApp({
        script: SCRIPT,
        wrapper: onHost(this, 'restarted', true),
        env: upEnv(collector, spoolDir),
      });
      try {
        await waitForDelivery('the earlier run’s records at the collector', collector, ids, { spoolDir });
      } finally {
        await kill(app);
      }
      expect(segments(spoolDir)).to.deep.equal([]);
    });

    it('a record replayed from the spool is the record exported without an outage: bytes, maps and the $bytes mark', async () => {
      const script = 'test/fixtures/spooled-values-app.cjs';
      const emit = async (app: RunningApp, tag: string): Promise<void> => {
        expect((await fetch(`${app.baseUrl}/emit/${tag}`)).status).to.equal(200);
      };
      /** Waits for both records `tag` names (`<tag>` and `<tag>-body`) at the collector. */
      const written = (what: string, tag: string) =>
        waitFor(what, () =>
          appRecordAsWritten(collector, `${tag}-body`) === undefined ? undefined : appRecordAsWritten(collector, tag),
        );
      // Without an outage: exported straight from memory.
      const direct = await startApp({ script, env: logsOverOtlp(collector.otlpHttpEndpoint) });
      try {
        await emit(direct, 'values-direct');
        await written('the direct records', 'values-direct');
      } finally {
        await direct.stop();
      }
      // Through the spool: the collector down, the app stopped, then started again with it up.
      const spoolDir = freshSpoolDir();
      const spooling = await startApp({ script, env: await downEnv(spoolDir) });
      await emit(spooling, 'values-spooled');
      await spooling.stop();
      expect(summaryOf(spooling.stderr())?.spooled).to.be.at.least(1);
      const replaying = await startApp({ script, env: logsOverOtlp(collector.otlpHttpEndpoint, spoolDir) });
      try {
        await written('the replayed records', 'values-spooled');
      } finally {
        await replaying.stop();
      }
      const expected = appRecordAsWritten(collector, 'values-direct');
      expect(expected, 'control: the app set these').to.have.keys(
        'body',
        'app.mark',
        'app.nested',
        'app.list',
        'app.indexed',
        'app.bytes',
      );
      expect(appRecordAsWritten(collector, 'values-spooled')).to.deep.equal(expected);
      const expectedBody = appRecordAsWritten(collector, 'values-direct-body');
      expect(expectedBody).to.have.keys('body');
      expect(appRecordAsWritten(collector, 'values-spooled-body')).to.deep.equal(expectedBody);
    });

    it('a segment damaged inside (a newline lost, a run of zeros): the records around the damage are delivered, each lost one counted', async () => {
      const spoolDir = freshSpoolDir();
      const ids = Array.from({ length: 25 }, (_, index) => `damaged-inside-${index}`);
      const first = await startApp({ script: SCRIPT, env: await downEnv(spoolDir) });
      for (const id of ids) await get(first, `/api/items/${id}`, id);
      await first.stop();
      const [name] = segments(spoolDir);
      const path = join(spoolDir, name!);
      const text = readFileSync(path);
      // Line starts of the records (after the resource line): a bit flip turns the newline ending
      // record 5 into a space, and a lost block zeroes the last 40 bytes of record 10 and its newline.
      const ends: number[] = [];
      for (let at = text.indexOf(10); at !== -1; at = text.indexOf(10, at + 1)) ends.push(at);
      const recordEnd = (record: number): number => ends[record + 1]!; // ends[0] closes the resource line
      text[recordEnd(5)] = 0x20;
      text.fill(0, recordEnd(10) - 40, recordEnd(10) + 1);
      writeFileSync(path, text);
      const second = await drainSpool(collector, spoolDir);
      const delivered = new Set(auditIds(await collector.logs()));
      const missing = ids.filter((id) => !delivered.has(id));
      // Only record 10 (its end zeroed) is lost, and it is counted; record 5 and the records after
      // each damage are read.
      expect(missing).to.deep.equal(['damaged-inside-10']);
      expect(summaryOf(second.stderr())?.dropped).to.equal(1);
    });

    it('a spool directory others can write to: a segment another user planted, or a symlink, is not exported', async function () {
      skipUnlessRoot(this);
      // A spool directory another local user made beforehand, writable by all (the temporary
      // directory's fallback for a user with no home): that user plants segments named like a gone
      // writer's, holding records of their choosing, to have them reach the SIEM as this
      // service's audit trail.
      const spoolDir = freshSpoolDir();
      chownSync(spoolDir, 65534, 65534);
      chmodSync(spoolDir, 0o777);
      const planted = join(spoolDir, '000000001-999999998-00000001.ndjson');
      writeFileSync(planted, recordLine('forged-by-another-user'));
      chownSync(planted, 65534, 65534);
      const elsewhere = join(mkdtempSync(join(tmpdir(), 'apitrail-elsewhere-')), 'records.ndjson');
      writeFileSync(elsewhere, recordLine('forged-through-a-link'));
      const link = join(spoolDir, '000000001-999999998-00000002.ndjson');
      symlinkSync(elsewhere, link);
      const app = await startApp({ script: SCRIPT, env: upEnv(collector, spoolDir) });
      try {
        await get(app, '/api/items/1', 'planted-after');
        await waitForDelivery('the app’s own record at the collector', collector, ['planted-after']);
      } finally {
        await app.stop();
      }
      const delivered = auditIds(await collector.logs());
      expect(delivered.filter((id) => id.startsWith('forged-'))).to.deep.equal([]);
      // Left where they were, untouched, and said once.
      expect(segments(spoolDir).sort()).to.deep.equal([
        '000000001-999999998-00000001.ndjson',
        '000000001-999999998-00000002.ndjson',
      ]);
      expect(app.stderr().match(/not this user's/g)).to.have.length(1);
    });

    it('root replays the spool of the app’s own user (apitrail spool replay): that user’s segments are exported', async function () {
      skipUnlessRoot(this);
      // The app runs as its own user (uid 65534 here), whose spool directory and segments it owns;
      // an operator replays them with sudo.
      const spoolDir = freshSpoolDir();
      const ids = segmentsOfAGoneProcess(spoolDir, 'app-user', 3);
      for (const name of segments(spoolDir)) chownSync(join(spoolDir, name), 65534, 65534);
      chownSync(spoolDir, 65534, 65534);
      const replay = await runApitrail(['spool', 'replay', '--dir', spoolDir], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint },
      });
      expect(replay.code, replay.stderr).to.equal(0);
      expect(replay.stdout).to.include('3 records exported, 0 remain');
      await waitForDelivery('the replayed records at the collector', collector, ids);
      expect(segments(spoolDir)).to.deep.equal([]);
    });

    it('a segment that can never be read (larger than a string can hold) is set aside, not deleted, and the records after it flow', async () => {
      // A segment of 540 MB (sparse: one record, then a hole), as a batch larger than 512 MiB under a
      // cap raised to 1 GiB or a damaged file system leaves it: no read of it can succeed.
      const spoolDir = freshSpoolDir();
      const huge = join(spoolDir, goneProcessSegment(1));
      writeFileSync(huge, recordLine('inside-the-huge-one'));
      truncateSync(huge, 540_000_000);
      writeFileSync(join(spoolDir, goneProcessSegment(2)), recordLine('after-the-huge-one'));
      const app = await startApp({
        script: SCRIPT,
        env: { ...upEnv(collector, spoolDir), APITRAIL_SPOOL_MAX_BYTES: String(1024 * 1024 * 1024) },
      });
      try {
        await get(app, '/api/items/1', 'served-meanwhile');
        await waitForDelivery(
          'the records after the unreadable segment at the collector',
          collector,
          ['after-the-huge-one', 'served-meanwhile'],
          { timeoutMs: 40_000, spoolDir, app },
        );
      } finally {
        await app.stop();
      }
      // Still on disk, for an operator or the next start: not deleted with its records uncounted.
      const left = segments(spoolDir);
      expect(left).to.have.length(1);
      expect(statSync(join(spoolDir, left[0]!)).size).to.equal(540_000_000);
      expect(app.stderr()).to.include('left on disk');
      rmSync(spoolDir, { recursive: true, force: true });
    });

    it('a segment read while the process is out of file descriptors (EMFILE) is read again later, not deleted', async () => {
      const spoolDir = freshSpoolDir();
      const ids = segmentsOfAGoneProcess(spoolDir, 'emfile', 3);
      const app = await startApp({
        script: 'test/fixtures/fd-exhausted-app.cjs',
        env: { ...logsOverOtlp(collector.otlpHttpEndpoint, spoolDir), FD_EXHAUSTED_MS: '1500' },
      });
      try {
        // The fixture held every descriptor it could open: the spool met EMFILE at its first read.
        expect(app.jsonLines()[0]?.held).to.be.above(100);
        await waitForDelivery('the spooled records at the collector', collector, ids, {
          timeoutMs: 20_000,
          spoolDir,
          app,
        });
      } finally {
        await app.stop();
      }
      const delivered = auditIds(await collector.logs()).filter((id) => id.startsWith('emfile-'));
      expect(delivered.sort()).to.deep.equal([...ids].sort());
      expect(segments(spoolDir)).to.deep.equal([]);
      expect(summaryOf(app.stderr())).to.equal(undefined);
    });
  });
});
