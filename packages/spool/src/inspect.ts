import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeSegment } from './record-codec.js';
import { REFUSED_DIRECTORY, SEGMENT_NAME, writerIsGone } from './spool.js';

/** One segment file of a spool directory, as `spoolStatus` reads it. */
export interface SegmentInfo {
  readonly name: string;
  readonly bytes: number;
  /** The process that wrote it (or claimed it to export it). */
  readonly pid: number;
  /** Whether that process is still running: its segments are not another's to export. */
  readonly writerAlive: boolean;
  readonly records: number;
  readonly damagedLines: number;
}

/** What a spool directory holds: its segments, with their writers and record counts, and any other files (`apitrail spool status`). */
export interface SpoolStatus {
  readonly directory: string;
  readonly segments: readonly SegmentInfo[];
  /**
   * Batches the receiver refused for good, set aside in `refused/` (no writer holds them; nothing
   * exports them but `apitrail spool replay --refused`).
   */
  readonly refused: readonly SegmentInfo[];
  /** Files in the directory that are not segments (the `refused/` directory aside); left untouched. */
  readonly otherFiles: readonly string[];
}

function segmentNames(directory: string): { segments: string[]; others: string[] } {
  const names = readdirSync(directory).sort();
  return {
    segments: names.filter((name) => SEGMENT_NAME.test(name)),
    others: names.filter((name) => !SEGMENT_NAME.test(name)),
  };
}

/** The segments set aside in `directory`'s `refused/`; none when there is no such directory (or a file in its place). */
function refusedNames(directory: string): string[] | undefined {
  try {
    return segmentNames(join(directory, REFUSED_DIRECTORY)).segments;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** The segments of `directory` as `spoolStatus` reports them; `setAside`: of `refused/`, no writer. */
function segmentInfos(directory: string, names: readonly string[], setAside: boolean): SegmentInfo[] {
  return names.flatMap((name) => {
    const match = SEGMENT_NAME.exec(name)!;
    const stat = unlessGone(() => statSync(join(directory, name)));
    const segment = stat === undefined ? undefined : readSegment(directory, name);
    if (stat === undefined || segment === undefined) return [];
    return [
      {
        name,
        bytes: stat.size,
        pid: Number(match[2]),
        writerAlive: !setAside && !writerIsGone(match, () => stat.mtimeMs),
        records: segment.records.length,
        damagedLines: segment.damagedLines,
      },
    ];
  });
}

/**
 * `action` on a segment's file, or undefined when the file is gone since the directory was read: a
 * running app exports and removes segments (and claims them under new names) while this reads.
 */
function unlessGone<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readSegment(directory: string, name: string): ReturnType<typeof decodeSegment> | undefined {
  return unlessGone(() => decodeSegment(readFileSync(join(directory, name), 'utf8'), emptyResource()));
}

/**
 * What a spool directory holds, read only (for `apitrail spool status`); a segment removed while it
 * is read (exported by a running app) is left out. Throws if the directory cannot be read.
 */
export function spoolStatus(directory: string): SpoolStatus {
  const { segments, others } = segmentNames(directory);
  const refused = refusedNames(directory);
  return {
    directory,
    segments: segmentInfos(directory, segments, false),
    refused: segmentInfos(join(directory, REFUSED_DIRECTORY), refused ?? [], true),
    otherFiles: refused === undefined ? others : others.filter((name) => name !== REFUSED_DIRECTORY),
  };
}

/**
 * Every record of every segment, oldest first, without removing anything (`apitrail spool export`);
 * a segment removed before it is read (exported by a running app) is left out.
 */
export function* spooledRecords(directory: string): Generator<ReadableLogRecord> {
  for (const name of segmentNames(directory).segments) yield* readSegment(directory, name)?.records ?? [];
}
