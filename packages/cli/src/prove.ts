import {
  CheckpointVerifier,
  logOrigin,
  proofBundle,
  subtreeHash,
  type Checkpoint,
  verifyProofBundle,
  type ProofBundle,
  type Verifier,
} from '@apitrail/integrity/internal';
import { readLogs } from './logs.js';

export class ProveError extends Error {}

type NotedCheckpoint = Checkpoint & { readonly note: string };

function checkpointOf(note: string, opener: CheckpointVerifier): NotedCheckpoint | undefined {
  try {
    return opener.open(note);
  } catch {
    return undefined;
  }
}

/**
 * The inclusion proof of record `sequence` (of log `logId`, needed only when several logs in the
 * files have that number) against the earliest checkpoint that verifies under `rootKey`, covers it
 * and that the files' records match. The bundle is checked as `verify-proof` checks it before it
 * is returned: a bundle that would not verify is a ProveError, never output.
 */
export async function proveRecord(
  files: readonly string[],
  sequence: number,
  logId: string | undefined,
  rootKey: Verifier,
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
  const opener = new CheckpointVerifier(rootKey);
  const covering = log.checkpoints
    .map((note) => checkpointOf(note, opener))
    .filter((checkpoint): checkpoint is NotedCheckpoint => checkpoint !== undefined)
    .filter((checkpoint) => checkpoint.origin === logOrigin(id) && checkpoint.size > sequence)
    .sort((a, b) => a.size - b.size);
  for (const checkpoint of covering) {
    if (log.leaves.firstGap(0, checkpoint.size) < checkpoint.size) continue;
    if (subtreeHash(log.leaves, 0, checkpoint.size).equals(checkpoint.root)) {
      const bundle = proofBundle(log.kept.get(sequence)!, log.leaves, checkpoint);
      const check = verifyProofBundle(bundle, rootKey);
      if (!check.ok)
        throw new ProveError(`the bundle of seq ${sequence} of log ${id} would not verify: ${check.reason}`);
      return bundle;
    }
  }
  throw new ProveError(
    `no checkpoint signed under the --public-key in the files covers seq ${sequence} of log ${id} with records that match it (apitrail verify tells what differs)`,
  );
}
