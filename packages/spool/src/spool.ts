import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, context, diag } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { neutralizeControlCharacters, processRunning, recordFault } from '@apitrail/core/internal';
import { countDropped, countExported, countRefused, countSpooled } from './counters.js';
import { decodeSegment, encodeRecord, encodeResource } from './record-codec.js';
import { pendingResources, resourcesSettled } from './resources.js';
import type { RecordSink } from './sink.js';

/**
 * A segment takes appends until it holds this much (an eighth of the cap at most, so the cap
 * drops old records a segment at a time); then the next batch opens a new one.
 */
const SEGMENT_BYTES = 1024 * 1024;
/** Records kept in memory for export beyond the current segment; the rest are read back from disk. */
const MAX_RECORDS_IN_MEMORY = 8192;
const RETRY_MIN_MS = 500;
/** Reads of a segment's file, a backoff apart, before it is left on disk and the next one exported. */
const MAX_READ_ATTEMPTS = 5;
const RETRY_MAX_MS = 5_000;
/**
 * Refusals for good of one batch, in a row (with the export backoff between them), before it is set
 * aside in `refused/`: one could be a receiver's passing mistake; this many, a record it cannot take.
 */
const MAX_REFUSALS = 3;
/**
 * HTTP statuses by which a receiver refuses the batch itself (a record it cannot parse or accept, a
 * request too large): OTLP/HTTP says not to retry them. Others are about the receiver or the way to
 * it (401 and 403 an expired credential, 404 a wrong path, 5xx, 429, no answer): every batch meets
 * them, so they are retried, as an outage is; setting batches aside for them would move the whole trail.
 */
const REFUSED_FOR_GOOD = new Set([400, 413, 422]);
/** The subdirectory of a spool where batches the receiver refused for good are kept. */
export const REFUSED_DIRECTORY = 'refused';
/** How often the directory is looked at for segments of processes that ended after this one started. */
const RESCAN_INTERVAL_MS = 30_000;
const SEGMENT_SUFFIX = '.ndjson';
/**
 * `<start time, base 36>-<pid>-h<host>-<sequence>.ndjson`: names sort in write order, and name their
 * writer. The host tells processes whose pids are not comparable apart (containers sharing a
 * volume, each its own pid 1). Without `-h<host>`: a segment of an earlier version.
 */
export const SEGMENT_NAME = /^([0-9a-z]{9})-(\d+)(?:-h([a-z0-9-]{1,32}))?-(\d{8})\.ndjson$/;

/**
 * A host name as a segment name holds it: at most 32 characters of [a-z0-9-]. A longer one keeps
 * its first 23 and a hash of the whole name: Kubernetes pods of one Deployment
 * (`<deployment>-<replica set hash>-<5 random characters>`) often differ only past the 32nd, and
 * cut there they were one host, pid 1 each, taking each other's live segments.
 */
function hostLabel(name: string): string {
  const safe = name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (safe.length <= 32) return safe || 'unknown';
  return `${safe.slice(0, 23)}-${createHash('sha256').update(name.toLowerCase()).digest('hex').slice(0, 8)}`;
}

/** This host's name as a segment name holds it. */
const HOST = hostLabel(hostname());

/**
 * A live spool touches its segments at every rescan; a segment of another host untouched this long
 * has no live writer. Its pid says nothing here: another host's pids are not this one's.
 */
export const STALE_AFTER_MS = 3 * RESCAN_INTERVAL_MS;

interface Segment {
  /** Undefined: it lives in memory only (the disk refused it, or its file was removed under it). */
  path: string | undefined;
  /** Open while the segment takes appends. */
  fd: number | undefined;
  bytes: number;
  /** Records in it, in order; undefined for a segment of an earlier process not read yet. */
  lines: number | undefined;
  /** Records exported so far, from its start, in order. */
  shipped: number;
  /** The records, while kept in memory; undefined: read back from the file when its turn comes. */
  records: ReadableLogRecord[] | undefined;
  /** Left by an earlier process: its exported records count as replayed. */
  readonly replay: boolean;
  /** Reads of its file that failed in a row (out of file descriptors, a file too large to read). */
  readFailures?: number;
  /** Refusals for good of its next batch, in a row. */
  refusals?: number;
}

/** The size of the file at `path`, 0 if it is gone (replayed by another process meanwhile). */
function unlessGoneSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The HTTP status of an export the receiver refused for good ({@link REFUSED_FOR_GOOD}), else undefined. */
function refusedForGood(result: ExportResult): number | undefined {
  // The OTLP/HTTP exporter fails such an export with an OTLPExporterError whose code is the status;
  // the gRPC exporter's codes are gRPC's (0-16), never one of these.
  const code = (result.error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && REFUSED_FOR_GOOD.has(code) ? code : undefined;
}

/** Options of a Spool: its directory and size bound, the exporter it feeds, the write-behind grace. */
export interface SpoolOptions {
  readonly directory: string;
  readonly maxBytes: number;
  readonly exporter: LogRecordExporter;
  /** Records per export call (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE). */
  readonly maxExportBatchSize: number;
  /** The resource of records read back from a segment line with no resource line before it. */
  readonly resource: Resource;
  /** Where losses are counted in core's `droppedCounts()`, e.g. `logs/otlp`. */
  readonly channel: string;
  /**
   * Write-behind grace (ms): while the exporter is healthy and nothing waits in the spool, a batch
   * is exported straight from memory and written to a segment only if it is not acknowledged within
   * this time (or the export fails, or the process ends). 0: every batch is written first.
   */
  readonly writeBehindMs?: number;
  /**
   * Claims the batches set aside in `refused/` too (`apitrail spool replay --refused`), exported
   * again like segments an earlier process left. Default: they stay where they are.
   */
  readonly claimRefused?: boolean;
}

/** A batch exported straight from memory; `segment` once it had to be written out. */
interface Flight {
  readonly records: ReadableLogRecord[];
  segment: Segment | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** The name prefixes (`<start>-<pid>-h<host>`) of this process's spools. */
const ownPrefixes = new Set<string>();

/**
 * Whether the process that wrote a segment (`name`, a {@link SEGMENT_NAME} match; `modifiedMs`, its
 * file's mtime) has ended. Another host's: when the segment was not touched for
 * {@link STALE_AFTER_MS}. This host's, another pid: whether it still runs (a pid reused by an
 * unrelated process delays the claim until that one ends). This pid: never when one of this
 * process's spools wrote it. Another writer with this pid is an earlier run of this process (a
 * container's pid 1 after a restart) when it started before this one did; when its start time is
 * later (the clock was set back since that run, or a live writer with this pid in another pid
 * namespace under this host name), once its mtime is {@link STALE_AFTER_MS} away from now, either
 * way (a live spool touches its own; a clock set back leaves the earlier run's mtimes ahead).
 */
export function writerIsGone(name: RegExpExecArray, modifiedMs: () => number): boolean {
  const host = name[3];
  if (host !== undefined && host !== HOST) return Date.now() - modifiedMs() > STALE_AFTER_MS;
  const pid = Number(name[2]);
  if (pid !== process.pid) return !processRunning(pid);
  if (host !== undefined && ownPrefixes.has(`${name[1]}-${name[2]}-h${host}`)) return false;
  if (parseInt(name[1]!, 36) < Math.floor(performance.timeOrigin)) return true;
  return Math.abs(Date.now() - modifiedMs()) > STALE_AFTER_MS;
}

let lastStartTime = 0;

/** Start times unique within the process: two spools (a replay beside an app's) never share names. */
function uniqueStartTime(): number {
  lastStartTime = Math.max(Date.now(), lastStartTime + 1);
  return lastStartTime;
}

/**
 * Writes all of `text` at offset `size` of `fd`, or none of it: a short write (a disk that fills up
 * mid-batch) is cut back to `size` and thrown, so no torn line is left for a replay to count as
 * damaged and the batch is never counted as spooled. Positional writes: a cut does not move the
 * next write past a hole.
 */
function writeWhole(fd: number, text: string, size: number): void {
  const buffer = Buffer.from(text);
  let written = 0;
  try {
    while (written < buffer.length) {
      const wrote = writeSync(fd, buffer, written, buffer.length - written, size + written);
      if (wrote === 0) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' });
      written += wrote;
    }
  } catch (error) {
    if (written > 0) {
      try {
        ftruncateSync(fd, size);
      } catch (truncateError) {
        // The torn line stays; a replay skips it and counts it as damaged.
        recordFault('spool', truncateError);
      }
    }
    throw error;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    recordFault('spool', error);
  }
}

/** How every record line starts: `encodeRecord` writes the time first. */
const RECORD_LINE_START = Buffer.from('{"t":');

/**
 * The whole record lines of a segment's file (a torn last line is not one), counted without
 * decoding them; 0 if it cannot be read.
 */
function countRecordLines(path: string): number {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (error) {
    recordFault('spool', error);
    return 0;
  }
  return recordLinesIn(buffer);
}

/** The whole record lines of a segment's bytes (a torn last line is not one), counted without decoding them. */
export function recordLinesIn(buffer: Buffer): number {
  let count = 0;
  for (let start = 0, end = buffer.indexOf(10); end !== -1; start = end + 1, end = buffer.indexOf(10, start)) {
    const prefixEnd = Math.min(start + RECORD_LINE_START.length, buffer.length);
    if (buffer.compare(RECORD_LINE_START, 0, RECORD_LINE_START.length, start, prefixEnd) === 0) count += 1;
  }
  return count;
}

/**
 * Whether a segment's file (lstat) is a regular file of this process's user or of `directoryOwner`,
 * the spool directory's (root replaying an app user's spool), any owner where uids do not exist.
 */
function isOwnFile(stat: Stats, directoryOwner: number | undefined): boolean {
  return (
    stat.isFile() && (process.getuid === undefined || stat.uid === process.getuid() || stat.uid === directoryOwner)
  );
}

function reason(error: unknown): string {
  return neutralizeControlCharacters(error instanceof Error ? error.message : String(error));
}

/** Whether a segment's file is still in its directory: a file removed while open has no links left. */
function isLinked(segment: Segment): boolean {
  if (segment.fd === undefined) return true;
  try {
    return fstatSync(segment.fd).nlink > 0;
  } catch {
    return true;
  }
}

/**
 * A spool in front of an exporter. While the exporter is healthy and nothing waits, a batch is
 * exported straight from memory and written to a segment of its own only if it is not acknowledged
 * within `writeBehindMs` (or the export fails, or the process ends). Otherwise every batch is
 * appended to a segment file (mode 0600) before it is exported. A segment is removed only once all
 * its records were exported. While the exporter fails, segments pile up (to `maxBytes`, oldest
 * dropped first) and are retried with backoff; segments an earlier process left are claimed at
 * start and exported first. The queue is exported sequentially and in order, so a segment's
 * exported part is a prefix of it.
 */
export class Spool implements RecordSink {
  private readonly options: SpoolOptions;
  private readonly prefix = `${uniqueStartTime().toString(36).padStart(9, '0')}-${process.pid}-h${HOST}`;
  private sequence = 0;
  private readonly queue: Segment[] = [];
  private current: Segment | undefined;
  private bytesOnDisk = 0;
  private recordsInMemory = 0;
  private diskReady = false;
  /**
   * The segment an export call holds, if any. Not always the queue's first: a batch exported straight
   * from memory that fails goes to the front while another export runs.
   */
  private exportingSegment: Segment | undefined;
  /** Whether the last export succeeded (or none was tried): the condition for write-behind. */
  private healthy = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  private waiters: (() => void)[] = [];
  private readonly flights = new Set<Flight>();
  private closed = false;
  private readonly reported = new Set<string>();
  /** Whether the SDK's diagnostic logger is installed: it comes after the components are built. */
  private started = false;
  private readonly segmentBytes: number;
  private readonly rescanTimer: NodeJS.Timeout;
  private refusedClaimed = false;
  /**
   * Records per export: `maxExportBatchSize`, halved each time the receiver refuses a batch of
   * several as too large (HTTP 413): its limit is on the request's size. Back to full size once a
   * record refused as too large on its own is set aside (it, not the batch size, was the cause).
   */
  private exportLimit: number;

  constructor(options: SpoolOptions) {
    this.options = options;
    this.exportLimit = Math.max(1, options.maxExportBatchSize);
    ownPrefixes.add(this.prefix);
    this.segmentBytes = Math.min(SEGMENT_BYTES, Math.floor(options.maxBytes / 8));
    process.nextTick(() => (this.started = true));
    this.openDirectory();
    this.claimEarlierSegments();
    if (this.queue.length > 0) setImmediate(() => this.exportNext());
    this.rescanTimer = setInterval(() => {
      this.touchOwnSegments();
      if (this.claimEarlierSegments() > 0) this.exportNext();
    }, RESCAN_INTERVAL_MS).unref();
  }

  get directory(): string {
    return this.options.directory;
  }

  /**
   * Records written to segments and not exported yet (what a restart would replay). A segment not
   * read yet (claimed from an earlier process) is counted from its file without decoding it: this
   * runs in the exit summary, and reading a large backlog into memory there held the exit for
   * seconds past the shutdown bound, or ran a small heap out of memory.
   */
  recordsWaiting(): number {
    let waiting = 0;
    for (const flight of this.flights) if (flight.segment !== undefined) waiting += flight.records.length;
    for (const segment of this.queue) {
      if (segment.path === undefined) continue;
      waiting += (segment.lines ?? countRecordLines(segment.path)) - segment.shipped;
    }
    return waiting;
  }

  write(records: ReadableLogRecord[]): void {
    if (records.length === 0) return;
    // Healthy and nothing queued: no disk I/O unless the export is slow, fails or the process ends.
    if (
      (this.options.writeBehindMs ?? 0) > 0 &&
      this.healthy &&
      this.queue.length === 0 &&
      this.flights.size === 0 &&
      records.length <= this.exportLimit &&
      !this.closed
    ) {
      this.fly(records);
      return;
    }
    this.writeAhead(records);
  }

  private writeAhead(records: ReadableLogRecord[]): void {
    const { text, encoded } = this.encode(records);
    if (encoded.length === 0) return;
    const bytes = Buffer.byteLength(text);
    const segment = this.append(text, bytes, encoded.length, this.makeRoom(bytes));
    if (segment.records !== undefined) {
      segment.records.push(...encoded);
      this.recordsInMemory += encoded.length;
    }
    segment.lines = (segment.lines ?? 0) + encoded.length;
    this.keepMemoryBounded();
    this.exportNext();
  }

  forceFlush(): Promise<void> {
    if (this.queue.length === 0 && this.flights.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      // A flush is a reason to try now rather than at the end of the backoff.
      if (this.retryTimer !== undefined) {
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
      }
      this.exportNext();
    });
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.close();
    await this.options.exporter.shutdown();
  }

  /** At exit: batches still in flight are written out; everything else is on disk already. */
  exitSync(): void {
    this.persistSync();
    this.close();
    this.forgetRemovedFiles();
    this.dropMemoryOnly();
  }

  /**
   * Segments whose file was removed under the spool (the directory deleted) are in memory only: the
   * exit summary must not promise them to the next start.
   */
  private forgetRemovedFiles(): void {
    const removed = (segment: Segment | undefined): boolean => segment?.path !== undefined && !existsSync(segment.path);
    for (const segment of this.queue) if (removed(segment)) this.orphan(segment);
    for (const flight of this.flights) if (removed(flight.segment)) flight.segment = undefined;
  }

  /** Batches still in flight are written out and their exports go on; the spool stays open. */
  persistSync(): void {
    for (const flight of this.flights) this.land(flight);
  }

  /** What the disk refused and the exporter has not taken lives in memory only: it ends with the process. */
  private dropMemoryOnly(): void {
    for (const flight of this.flights) {
      if (flight.segment !== undefined) continue;
      countDropped(this.options.channel, flight.records.length);
      this.flights.delete(flight);
    }
    for (const segment of this.queue.filter((candidate) => candidate.path === undefined)) {
      countDropped(this.options.channel, (segment.lines ?? 0) - segment.shipped);
      this.queue.splice(this.queue.indexOf(segment), 1);
      this.remove(segment);
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    clearInterval(this.rescanTimer);
    this.seal();
    this.settleWaiters();
  }

  private report(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const warn = (): void =>
      diag.warn(`apitrail: spool ${neutralizeControlCharacters(this.options.directory)}: ${message}`);
    if (this.started) warn();
    else process.nextTick(warn);
  }

  /** The spool's directory, made if missing: only this user may read the audit records in it. */
  private makeDirectory(): void {
    mkdirSync(this.options.directory, { recursive: true, mode: 0o700 });
  }

  private openDirectory(): void {
    try {
      this.makeDirectory();
      this.diskReady = true;
    } catch (error) {
      recordFault('spool', error);
      this.report('disk', `cannot be created (${reason(error)}); records are kept in memory until exported`);
    }
  }

  /**
   * Segments of processes that are gone: renamed to this process (so no other claims them too) and
   * queued. At start they come first; the periodic rescan adds those of a process that ended since
   * (a rolling restart's old instance, a crashed sibling worker). Returns how many were claimed.
   */
  private claimEarlierSegments(): number {
    if (!this.diskReady) return 0;
    let names: string[];
    try {
      names = readdirSync(this.options.directory).sort();
    } catch (error) {
      recordFault('spool', error);
      return 0;
    }
    // The directory's owner is trusted only while no one else can write to the directory: one
    // another user made beforehand, writable by all (the temporary directory's fallback), is not.
    let directoryOwner: number | undefined;
    try {
      const directory = statSync(this.options.directory);
      directoryOwner = (directory.mode & 0o022) === 0 ? directory.uid : undefined;
    } catch {
      directoryOwner = undefined;
    }
    let foreign = 0;
    let notOurs = 0;
    let claimedCount = 0;
    // The batches set aside in refused/ only when asked for, and whatever their writer: none holds
    // one (each is written whole, once).
    const candidates = names.map((name) => ({ name, from: this.options.directory, setAside: false }));
    // Once, at start: a batch set aside again while this spool runs stays aside.
    if (this.options.claimRefused === true && !this.refusedClaimed) {
      this.refusedClaimed = true;
      const refused = join(this.options.directory, REFUSED_DIRECTORY);
      let setAside: string[] = [];
      try {
        setAside = readdirSync(refused).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') recordFault('spool', error);
      }
      for (const name of setAside) candidates.push({ name, from: refused, setAside: true });
    }
    for (const { name, from, setAside } of candidates) {
      if (name === REFUSED_DIRECTORY && !setAside) continue;
      const match = SEGMENT_NAME.exec(name);
      if (match === null) {
        foreign += 1;
        continue;
      }
      const path = join(from, name);
      try {
        // Only regular files of this user or the directory's owner: in a directory another user
        // can write to, a file of theirs (or a symlink) named like a gone writer's segment would
        // be exported as this service's audit records.
        const stat = lstatSync(path);
        if (!isOwnFile(stat, directoryOwner)) {
          notOurs += 1;
          continue;
        }
        if (!setAside && !writerIsGone(match, () => stat.mtimeMs)) continue;
      } catch (error) {
        // Gone since the directory was read: another spool sharing it (a replica starting beside
        // this one) claimed it first. Anything else is a fault of this file alone, not the start's.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') recordFault('spool', error);
        continue;
      }
      const claimed = join(this.options.directory, this.nextName());
      try {
        renameSync(path, claimed);
        // Still this user's file once renamed (not swapped in between): else it goes back as it was.
        if (!isOwnFile(lstatSync(claimed), directoryOwner)) {
          renameSync(claimed, path);
          notOurs += 1;
          continue;
        }
        // Touched now: a rename keeps the gone writer's mtime, by which a spool on another host
        // sharing the directory would take this live claim for a stale segment and claim it again.
        const now = new Date();
        utimesSync(claimed, now, now);
        const bytes = statSync(claimed).size;
        this.bytesOnDisk += bytes;
        this.queue.push({
          path: claimed,
          fd: undefined,
          bytes,
          lines: undefined,
          shipped: 0,
          records: undefined,
          replay: true,
        });
        claimedCount += 1;
      } catch (error) {
        // Another process claimed it first, or the directory is read-only: either way not ours.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') recordFault('spool', error);
      }
    }
    if (foreign > 0) this.report('foreign', `${foreign} files that are not spool segments are left untouched`);
    if (notOurs > 0) {
      this.report(
        'not-ours',
        `${notOurs} files named like segments are not this user's regular files (another user's, a symlink) and are left untouched`,
      );
    }
    return claimedCount;
  }

  /** This spool's segments are alive: their mtime says so to spools on other hosts ({@link writerIsGone}). */
  private touchOwnSegments(): void {
    const now = new Date();
    const segments = [...this.queue, ...[...this.flights].map((flight) => flight.segment)];
    for (const segment of segments) {
      if (segment?.path === undefined) continue;
      try {
        utimesSync(segment.path, now, now);
      } catch {
        // Removed under the spool: found at the next append or at exit.
      }
    }
  }

  private nextName(): string {
    this.sequence += 1;
    return `${this.prefix}-${String(this.sequence).padStart(8, '0')}${SEGMENT_SUFFIX}`;
  }

  private encode(records: ReadableLogRecord[]): { text: string; encoded: ReadableLogRecord[] } {
    let text = '';
    let resource: Resource | undefined;
    const encoded: ReadableLogRecord[] = [];
    for (const record of records) {
      try {
        const line = encodeRecord(record);
        if (record.resource !== resource) {
          resource = record.resource;
          text += `${encodeResource(resource)}\n`;
        }
        text += `${line}\n`;
        encoded.push(record);
      } catch (error) {
        // A value JSON cannot hold (a cycle, a BigInt) is one the exporters cannot send either.
        recordFault('spool encoder', error);
        countDropped(this.options.channel, 1);
      }
    }
    return { text, encoded };
  }

  /**
   * Drops the oldest segments until `bytes` more fit under the cap, and says whether they fit. Only
   * a queued segment on disk can go, not the one being exported (nor a batch in flight written out:
   * it is not queued). When dropping all of those would still leave no room, none is dropped: the
   * batch then goes to memory, and the records on disk stay.
   */
  private makeRoom(bytes: number): boolean {
    if (this.bytesOnDisk + bytes <= this.options.maxBytes) return true;
    // A segment whose records cannot be counted now (its file unreadable for the moment: out of
    // file descriptors) is not dropped: deleting it would lose them uncounted.
    const uncountable = new Set<Segment>();
    const droppable = (segment: Segment): boolean =>
      segment.path !== undefined && segment !== this.exportingSegment && !uncountable.has(segment);
    let freeable = 0;
    for (const segment of this.queue) if (droppable(segment)) freeable += segment.bytes;
    if (this.bytesOnDisk - freeable + bytes > this.options.maxBytes) return false;
    while (this.bytesOnDisk + bytes > this.options.maxBytes) {
      const oldest = this.queue.findIndex(droppable);
      if (oldest === -1) return false;
      const segment = this.queue[oldest]!;
      const lines = segment.lines ?? this.load(segment)?.length;
      if (lines === undefined && segment.path !== undefined && existsSync(segment.path)) {
        uncountable.add(segment);
        continue;
      }
      this.queue.splice(oldest, 1);
      this.remove(segment);
      countDropped(this.options.channel, (lines ?? 0) - segment.shipped);
      this.report('cap', `reached APITRAIL_SPOOL_MAX_BYTES (${this.options.maxBytes}); oldest records dropped`);
    }
    return true;
  }

  private reportKeptInMemory(): void {
    this.report(
      'cap-memory',
      `reached APITRAIL_SPOOL_MAX_BYTES (${this.options.maxBytes}); a batch that does not fit is kept in memory until exported`,
    );
  }

  /**
   * Appends to the open segment (or a new one). A batch the disk refuses, or that does not fit under
   * the cap (`fits`, from `makeRoom`: larger than the cap, or beside the segment being exported),
   * goes to a memory-only segment: exported in its turn like the others, lost only if the process
   * ends first or the memory bound pushes it out, and then counted as dropped.
   */
  private append(text: string, bytes: number, records: number, fits: boolean): Segment {
    if (this.diskReady && fits) {
      try {
        if (this.current !== undefined && !isLinked(this.current)) this.orphan(this.current);
        if (this.current === undefined || this.current.bytes >= this.segmentBytes) this.openSegment();
        const segment = this.current!;
        writeWhole(segment.fd!, text, segment.bytes);
        segment.bytes += bytes;
        this.bytesOnDisk += bytes;
        countSpooled(records);
        return segment;
      } catch (error) {
        recordFault('spool', error);
        this.report('disk', `refused a write (${reason(error)}); records are kept in memory until exported`);
        const refused = this.current;
        this.seal();
        // A segment opened for this batch holds nothing: no empty file per batch while the disk is full.
        if (refused !== undefined && refused.lines === 0) this.finish(refused);
      }
    } else if (this.diskReady) {
      this.reportKeptInMemory();
      // The next batch opens a segment after this one, so the queue keeps the batches in order.
      this.seal();
    }
    const inMemory: Segment = {
      path: undefined,
      fd: undefined,
      bytes: 0,
      lines: 0,
      shipped: 0,
      records: [],
      replay: false,
    };
    this.queue.push(inMemory);
    return inMemory;
  }

  /**
   * The open segment's file was removed under it (the spool directory deleted by hand or by a
   * temporary-file cleaner): what it holds is still in memory (an open segment keeps its records),
   * and from now on lives there alone, exported when it can be, counted as dropped if the process
   * ends first. The next batch opens a new segment, in the directory made again.
   */
  private orphan(segment: Segment): void {
    if (segment === this.current) this.seal();
    this.bytesOnDisk -= segment.bytes;
    segment.path = undefined;
    segment.bytes = 0;
    this.report(
      'removed',
      'a segment was removed while in use (the directory deleted?); its records are kept in memory until exported, new ones spooled again',
    );
  }

  /** A new segment file: `wx`, never someone else's; 0600, audit records are for this user only. */
  private newSegmentFile(): { path: string; fd: number } {
    const path = join(this.options.directory, this.nextName());
    try {
      return { path, fd: openSync(path, 'wx', 0o600) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The directory went away since the start (deleted by hand, a temporary-file cleaner): made again, once.
      this.makeDirectory();
      return { path, fd: openSync(path, 'wx', 0o600) };
    }
  }

  private openSegment(): void {
    this.seal();
    const { path, fd } = this.newSegmentFile();
    this.current = { path, fd, bytes: 0, lines: 0, shipped: 0, records: [], replay: false };
    this.queue.push(this.current);
  }

  /** Closes the open segment: the next batch goes to a new one. */
  private seal(): void {
    const segment = this.current;
    if (segment === undefined) return;
    this.current = undefined;
    if (segment.fd === undefined) return;
    try {
      closeSync(segment.fd);
    } catch (error) {
      recordFault('spool', error);
    }
    segment.fd = undefined;
  }

  /**
   * Holds at most MAX_RECORDS_IN_MEMORY records beyond the open segment, the next one to export and
   * the one being exported: older on-disk segments give theirs up and are read back when their turn
   * comes; memory-only ones beyond it are lost, the oldest first.
   */
  private keepMemoryBounded(): void {
    for (const segment of this.queue) {
      if (this.recordsInMemory <= MAX_RECORDS_IN_MEMORY) return;
      if (
        segment === this.current ||
        segment === this.queue[0] ||
        segment === this.exportingSegment ||
        segment.records === undefined
      )
        continue;
      this.recordsInMemory -= segment.records.length;
      if (segment.path === undefined) {
        this.report(
          'memory',
          `more than ${MAX_RECORDS_IN_MEMORY} records wait in memory only (the disk refused them, or the cap left no room); the oldest are dropped`,
        );
        countDropped(this.options.channel, segment.records.length - segment.shipped);
        segment.records = [];
        segment.lines = segment.shipped = 0;
      } else {
        segment.records = undefined;
      }
    }
  }

  /** Reads a segment's records back from its file; damaged lines are counted and reported once. */
  private load(segment: Segment): ReadableLogRecord[] | undefined {
    if (segment.records !== undefined) return segment.records;
    if (segment.path === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(segment.path, 'utf8');
    } catch (error) {
      recordFault('spool', error);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.report('vanished', `a segment was removed before it was exported (${reason(error)})`);
      } else {
        this.report('read', `a segment could not be read (${reason(error)}); it is read again later`);
      }
      return undefined;
    }
    const { records, damagedLines } = decodeSegment(text, this.options.resource);
    if (damagedLines > 0) {
      countDropped(this.options.channel, damagedLines);
      this.report('damaged', `damaged lines (a torn write or a foreign file) are skipped and counted as dropped`);
    }
    segment.lines = records.length;
    segment.records = records;
    this.recordsInMemory += records.length;
    return records;
  }

  private remove(segment: Segment): void {
    if (segment === this.current) this.seal();
    if (segment.records !== undefined) this.recordsInMemory -= segment.records.length;
    if (segment.path === undefined) return;
    this.bytesOnDisk -= segment.bytes;
    try {
      unlinkSync(segment.path);
    } catch (error) {
      recordFault('spool', error);
    }
  }

  /** Exports a batch straight from memory; it is written out if it is not acknowledged in time. */
  private fly(records: ReadableLogRecord[]): void {
    const flight: Flight = { records, segment: undefined, timer: undefined };
    this.flights.add(flight);
    flight.timer = setTimeout(() => this.land(flight), this.options.writeBehindMs).unref();
    this.exportBatch(records, (result) => {
      clearTimeout(flight.timer);
      this.flights.delete(flight);
      if (result.code === ExportResultCode.SUCCESS) {
        this.healthy = true;
        countExported(records.length, false);
        // Written out meanwhile: exported after all, so the copy on disk goes.
        if (flight.segment !== undefined) this.remove(flight.segment);
      } else {
        this.healthy = false;
        this.land(flight);
        // From now on it waits in the queue like any segment (in memory only if the disk refused
        // it), retried with backoff.
        if (flight.segment === undefined) {
          this.recordsInMemory += records.length;
          flight.segment = {
            path: undefined,
            fd: undefined,
            bytes: 0,
            lines: records.length,
            shipped: 0,
            records,
            replay: false,
          };
        }
        // A refusal for good counts from the first attempt, this one; a batch too large is split
        // first, its halves exported at once (the receiver answered: not an outage to back off from).
        const split = this.splitTooLarge(records, result);
        flight.segment.refusals = split || refusedForGood(result) === undefined ? 0 : 1;
        this.queue.unshift(flight.segment);
        if (split) this.exportNext();
        else this.scheduleRetry();
      }
      if (this.queue.length === 0 && this.flights.size === 0) this.settleWaiters();
      else if (result.code !== ExportResultCode.SUCCESS) this.settleWaiters();
    });
  }

  /** Writes an in-flight batch to a segment of its own (once), so a crash or SIGKILL cannot take it. */
  private land(flight: Flight): void {
    if (flight.segment !== undefined) return;
    clearTimeout(flight.timer);
    const { text, encoded } = this.encode(flight.records);
    const bytes = Buffer.byteLength(text);
    if (!this.diskReady || encoded.length === 0) return;
    // Too large for the cap: it stays in memory (a memory-only segment if its export fails).
    if (!this.makeRoom(bytes)) {
      this.reportKeptInMemory();
      return;
    }
    try {
      const { path, fd } = this.newSegmentFile();
      try {
        writeWhole(fd, text, 0);
      } catch (error) {
        unlinkSync(path);
        throw error;
      } finally {
        closeSync(fd);
      }
      this.bytesOnDisk += bytes;
      countSpooled(encoded.length);
      flight.segment = {
        path,
        fd: undefined,
        bytes,
        lines: encoded.length,
        shipped: 0,
        records: encoded,
        replay: false,
      };
      this.recordsInMemory += encoded.length;
    } catch (error) {
      recordFault('spool', error);
      this.report('disk', `refused a write (${reason(error)}); records are kept in memory until exported`);
    }
  }

  private settleWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Exports the next part of the oldest segment, one export at a time. */
  private exportNext(): void {
    if (this.exportingSegment !== undefined || this.retryTimer !== undefined) return;
    const segment = this.queue[0];
    if (segment === undefined || this.closed) {
      if (this.flights.size === 0 || this.closed) this.settleWaiters();
      return;
    }
    const records = this.load(segment);
    if (records === undefined) {
      if (segment.path !== undefined && existsSync(segment.path)) {
        segment.readFailures = (segment.readFailures ?? 0) + 1;
        if (segment.readFailures < MAX_READ_ATTEMPTS) {
          // Unreadable for now (the process out of file descriptors, an I/O error): its records
          // are on disk, so it stays first in line and is read again after a backoff, as a failed
          // export is tried again. Deleting it would lose them uncounted.
          this.healthy = false;
          this.settleWaiters();
          this.scheduleRetry();
          return;
        }
        // Unreadable still (a file too large to read, a damaged disk): left on disk for an operator
        // and the next start, and out of the way of the records after it, which it would hold forever.
        this.queue.shift();
        this.bytesOnDisk -= segment.bytes;
        this.report(
          'set-aside',
          `a segment could not be read in ${MAX_READ_ATTEMPTS} attempts; it is left on disk, where the next start tries again`,
        );
        this.exportNext();
        return;
      }
      // Its file is gone (removed under the spool): what it held is lost, counted when known.
      this.queue.shift();
      if (segment.lines !== undefined) countDropped(this.options.channel, segment.lines - segment.shipped);
      this.remove(segment);
      this.exportNext();
      return;
    }
    if (segment.shipped >= records.length) {
      this.finish(segment);
      this.exportNext();
      return;
    }
    const batch = records.slice(segment.shipped, segment.shipped + this.exportLimit);
    this.exportingSegment = segment;
    let returned = false;
    this.exportBatch(batch, (result) => {
      const next = (): void => {
        this.exportingSegment = undefined;
        this.exported(segment, batch, result);
      };
      // An exporter that takes a batch before it returns (in-memory, console, a synchronous file)
      // would otherwise export the whole backlog in one ever deeper call stack, until it overflows
      // and every export fails: the next batch waits for the event loop's next turn instead. A
      // failure ends the chain (a retry is scheduled), so it is taken at once.
      if (returned || result.code !== ExportResultCode.SUCCESS) next();
      else setImmediate(next);
    });
    returned = true;
  }

  /**
   * One export call, made once the batch's resources have settled (as the SDK's processors wait:
   * the exporter reads the resource's attributes, which a detector may still be resolving, and an
   * early read loses them and has OTel report it on the app's stderr); `done` runs once, whether the
   * exporter answers or throws.
   */
  private exportBatch(batch: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    const pending = pendingResources(batch);
    if (pending === undefined) {
      this.exportSettled(batch, done);
      return;
    }
    // Once: a detector that fails leaves its attributes out, and the batch goes all the same.
    void resourcesSettled(pending).then(() => this.exportSettled(batch, done));
  }

  private exportSettled(batch: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    let settled = false;
    const once = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      done(result);
    };
    try {
      // As the SDK's processors export: with tracing suppressed, so the exporter's own HTTP request
      // is not traced (a span per export, exported in turn).
      context.with(suppressTracing(ROOT_CONTEXT), () => this.options.exporter.export(batch, once));
    } catch (error) {
      once({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined || this.exportingSegment !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.exportNext();
    }, this.retryDelayMs).unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS);
  }

  private exported(segment: Segment, batch: ReadableLogRecord[], result: ExportResult): void {
    if (result.code !== ExportResultCode.SUCCESS) {
      if (this.splitTooLarge(batch, result)) {
        // Not an outage: the receiver answered. The first half goes at once.
        segment.refusals = 0;
        this.exportNext();
        return;
      }
      const status = refusedForGood(result);
      segment.refusals = status === undefined ? 0 : (segment.refusals ?? 0) + 1;
      if (status !== undefined && segment.refusals >= MAX_REFUSALS && this.refusedHasRoom(batch, status)) {
        // A record the receiver cannot take: every record after it would wait behind it until the
        // cap dropped them. It goes aside, kept, and the export goes on with the next batch.
        segment.refusals = 0;
        // A record too large on its own explains the halvings that led to it: the exports go on at
        // full size, and a receiver whose limit is below it refuses them and has them halved again.
        if (status === 413 && batch.length === 1) this.exportLimit = Math.max(1, this.options.maxExportBatchSize);
        this.setAside(batch, status, result.error);
        this.shipped(segment, batch.length);
        return;
      }
      // Kept on disk; tried again after a backoff, or at the next flush.
      this.healthy = false;
      this.settleWaiters();
      this.scheduleRetry();
      return;
    }
    this.healthy = true;
    this.retryDelayMs = RETRY_MIN_MS;
    segment.refusals = 0;
    countExported(batch.length, segment.replay);
    this.shipped(segment, batch.length);
  }

  /**
   * Whether the receiver refused `batch`, of several records, as too large (HTTP 413): then the
   * exports go on in halves of it (see {@link exportLimit}), so that only a record too large alone
   * is ever set aside in `refused/`, not the records that came in one request with it.
   */
  private splitTooLarge(batch: readonly ReadableLogRecord[], result: ExportResult): boolean {
    if (refusedForGood(result) !== 413 || batch.length <= 1) return false;
    this.exportLimit = Math.min(this.exportLimit, Math.ceil(batch.length / 2));
    this.report(
      'too-large',
      `the receiver refused a batch of ${batch.length} records as too large (HTTP 413); exports go on in batches of at most ${this.exportLimit} records, halved again at each such refusal, until a record too large on its own is set aside`,
    );
    return true;
  }

  /** `count` more records of `segment` are done with (exported or set aside): on to the next. */
  private shipped(segment: Segment, count: number): void {
    segment.shipped += count;
    if (segment.shipped >= (segment.lines ?? 0)) this.finish(segment);
    this.exportNext();
  }

  /**
   * Whether `batch` fits in `refused/` under APITRAIL_SPOOL_MAX_BYTES (what is there measured now:
   * other processes on the spool set batches aside too, an operator replays them). A receiver that
   * refuses every batch (a misconfigured one) would otherwise move the whole trail there, a file
   * every few seconds, with no bound: past the cap, a refused batch stays in the spool's queue and
   * is retried as in an outage, where the cap bounds it and counts what it drops. Said once.
   */
  private refusedHasRoom(batch: ReadableLogRecord[], status: number): boolean {
    const directory = join(this.options.directory, REFUSED_DIRECTORY);
    let held = 0;
    try {
      for (const name of readdirSync(directory)) held += unlessGoneSize(join(directory, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No refused/ yet (or a file in its place, which setAside reports): nothing held.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') recordFault('spool', error);
    }
    if (held + Buffer.byteLength(this.encode(batch).text) <= this.options.maxBytes) return true;
    this.report(
      'refused-full',
      `the receiver refused a batch for good (HTTP ${status}), and there is no room in refused/ (${held} bytes, APITRAIL_SPOOL_MAX_BYTES ${this.options.maxBytes}): refused batches stay in the spool and are retried as in an outage`,
    );
    return false;
  }

  /**
   * Writes a batch the receiver refused for good to a file of its own in `refused/` (mode 0600, in
   * a directory mode 0700), which nothing exports or removes: `apitrail spool replay --refused`
   * sends it again once the receiver takes it. Reported on stderr with the receiver's answer, counted
   * as set aside; if the disk refuses it, counted as dropped.
   */
  private setAside(batch: ReadableLogRecord[], status: number, error: Error | undefined): void {
    const { text, encoded } = this.encode(batch);
    const answer = `HTTP ${status}${error?.message ? ` ${reason(error)}` : ''}`;
    const data = (error as { data?: unknown } | undefined)?.data;
    const said = typeof data === 'string' && data.trim() !== '' ? `: ${reason(data.trim().slice(0, 200))}` : '';
    let path: string | undefined;
    let partial: string | undefined;
    try {
      const directory = join(this.options.directory, REFUSED_DIRECTORY);
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      path = join(directory, this.nextName());
      // Written under a name no reader lists, then renamed: `apitrail spool replay --refused`
      // running meanwhile claims only whole files.
      const fd = openSync(`${path}.partial`, 'wx', 0o600);
      partial = `${path}.partial`;
      try {
        writeWhole(fd, text, 0);
      } finally {
        closeSync(fd);
      }
      renameSync(partial, path);
      partial = undefined;
      countRefused(encoded.length);
    } catch (error) {
      recordFault('spool', error);
      // No partial file for an operator to wonder about (a write a full disk cut short).
      if (partial !== undefined) unlinkQuietly(partial);
      countDropped(this.options.channel, encoded.length);
      this.report(
        `set-aside-failed-${path ?? ''}`,
        `the receiver refused ${encoded.length} records for good (${answer}${said}) and they could not be set aside (${reason(error)}); they are dropped`,
      );
      return;
    }
    this.report(
      `set-aside-${path}`,
      `the receiver refused ${encoded.length} records for good (${answer}${said}), ${MAX_REFUSALS} times; they are set aside in ${neutralizeControlCharacters(path)} and the next records are exported (\`apitrail spool replay --refused\` sends them again)`,
    );
  }

  /** A fully exported segment is removed, the open one included: the next batch opens a new one. */
  private finish(segment: Segment): void {
    if (segment.shipped < (segment.lines ?? 0)) return;
    const index = this.queue.indexOf(segment);
    // Gone from the queue already (dropped at exit while its export ran): nothing else to take out.
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.remove(segment);
  }
}
