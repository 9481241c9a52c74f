import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  NDJSON_FIELDS,
} from '@apitrail/core/internal';
import { LeafStore, canonicalEntry, leafDigest } from '@apitrail/integrity/internal';
import { readRecords } from './records.js';

/** One log as read from files: its leaf hashes by sequence number and its checkpoint notes. */
export interface FileLog {
  readonly leaves: LeafStore;
  readonly checkpoints: string[];
  /** The NDJSON objects of the records `keep` asked for, by sequence number. */
  readonly kept: Map<number, Readonly<Record<string, unknown>>>;
}

export class UnreadableInput extends Error {}

/** Reads every log in `files`; `keep(sequence)` picks records to hold on to whole. */
export async function readLogs(
  files: readonly string[],
  keep: (sequence: number) => boolean = () => false,
): Promise<Map<string, FileLog>> {
  const logs = new Map<string, FileLog>();
  let problem: string | undefined;
  await readRecords(files, {
    record({ fields }) {
      const id = fields[ATTR_INTEGRITY_LOG_ID];
      if (typeof id !== 'string') return;
      let log = logs.get(id);
      if (log === undefined) {
        log = { leaves: new LeafStore(), checkpoints: [], kept: new Map() };
        logs.set(id, log);
      }
      const note = fields[ATTR_INTEGRITY_CHECKPOINT];
      if (fields[NDJSON_FIELDS.event] === APITRAIL_EVENTS.integrityCheckpoint && typeof note === 'string') {
        log.checkpoints.push(note);
        return;
      }
      const sequence = fields[ATTR_INTEGRITY_SEQUENCE];
      if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) return;
      // The first record at a sequence number is the one in the tree (LeafStore keeps the first):
      // the record kept is that one, not another at its place further on (inserted, or a copy).
      if (log.leaves.put(sequence, leafDigest(canonicalEntry(fields))) && keep(sequence))
        log.kept.set(sequence, fields);
    },
    malformed() {},
    unreadable(file, reason) {
      problem ??= `cannot read ${file}: ${reason}`;
    },
  });
  if (problem !== undefined) throw new UnreadableInput(problem);
  return logs;
}
