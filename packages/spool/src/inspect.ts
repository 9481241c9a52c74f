import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeSegment } from './record-codec.js';
import { SEGMENT_NAME, writerIsGone } from './spool.js';

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
  /** Files in the directory that are not segments; left untouched. */
  readonly otherFiles: readonly string[];
}

function segmentNames(directory: string): { segments: string[]; others: string[] } {
  const names = readdirSync(directory).sort();
  return {
    segments: names.filter((name) => SEGMENT_NAME.test(name)),
    others: names.filter((name) => !SEGMENT_NAME.test(name)),
  };
}

function readSegment(directory: string, name: string): ReturnType<typeof decodeSegment> {
  return decodeSegment(readFileSync(join(directory, name), 'utf8'), emptyResource());
}

/** What a spool directory holds, read only (for `apitrail spool status`). Throws if it cannot be read. */
export function spoolStatus(directory: string): SpoolStatus {
  const { segments, others } = segmentNames(directory);
  return {
    directory,
    segments: segments.map((name) => {
      const match = SEGMENT_NAME.exec(name)!;
      const { records, damagedLines } = readSegment(directory, name);
      const stat = statSync(join(directory, name));
      return {
        name,
        bytes: stat.size,
        pid: Number(match[2]),
        writerAlive: !writerIsGone(match, () => stat.mtimeMs),
        records: records.length,
        damagedLines,
      };
    }),
    otherFiles: others,
  };
}

/** Every record of every segment, oldest first, without removing anything (`apitrail spool export`). */
export function* spooledRecords(directory: string): Generator<ReadableLogRecord> {
  for (const name of segmentNames(directory).segments) yield* readSegment(directory, name).records;
}
