import {
  CheckpointVerifier,
  logOrigin,
  parseCheckpoint,
  parseNote,
  proofBundle,
  subtreeHash,
  type Checkpoint,
  type ProofBundle,
  type Verifier,
} from '@apitrail/integrity/internal';
import { readLogs } from './logs.js';

export class ProveError extends Error {}

type NotedCheckpoint = Checkpoint & { readonly note: string };

function checkpointOf(note: string, opener: CheckpointVerifier | undefined): NotedCheckpoint | undefined {
  try {
    return opener === undefined ? { ...parseCheckpoint(parseNote(note).text), note } : opener.open(note);
  } catch {
    return undefined;
  }
}

/**
 * The inclusion proof of record `sequence` (of log `logId`, needed only when several logs in the
 * files have that number) against the earliest checkpoint that covers it and that the files'
 * records match. With `rootKey`, only checkpoints that verify under it are used.
 */
export async function proveRecord(
  files: readonly string[],
  sequence: number,
  logId: string | undefined,
  rootKey: Verifier | undefined,
): Promise<ProofBundle> {
  const logs = await readLogs(files, (seq) => seq === sequence);
  const candidates = [...logs].filter(([id, log]) => log.kept.has(sequence) && (logId === undefined || id === logId));
  if (candidates.length === 0) {
    throw new ProveError(`no record with seq ${sequence}${logId === undefined ? '' : ` in log ${logId}`}`);
  }
  if (candidates.length > 1) {
    throw new ProveError(
      `${candidates.length} logs have a record with seq ${sequence}; pick one with --log: ${candidates.map(([id]) => id).join(', ')}`,
    );
  }
  const [id, log] = candidates[0]!;
  const opener = rootKey === undefined ? undefined : new CheckpointVerifier(rootKey);
  const covering = log.checkpoints
    .map((note) => checkpointOf(note, opener))
    .filter((checkpoint): checkpoint is NotedCheckpoint => checkpoint !== undefined)
    .filter((checkpoint) => checkpoint.origin === logOrigin(id) && checkpoint.size > sequence)
    .sort((a, b) => a.size - b.size);
  for (const checkpoint of covering) {
    if (log.leaves.firstGap(0, checkpoint.size) < checkpoint.size) continue;
    if (subtreeHash(log.leaves, 0, checkpoint.size).equals(checkpoint.root)) {
      return proofBundle(log.kept.get(sequence)!, log.leaves, checkpoint);
    }
  }
  throw new ProveError(`no checkpoint in the files covers seq ${sequence} of log ${id} with records that match it`);
}
