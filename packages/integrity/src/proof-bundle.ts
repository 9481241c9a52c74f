import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE } from '@apitrail/core/internal';
import { canonicalEntry } from './canonical.js';
import { CheckpointVerifier, type VerifiedCheckpoint } from './epochs.js';
import { logOrigin } from './log.js';
import { inclusionProof, leafHash, verifyInclusion, type LeafHashes } from './merkle.js';
import { canonicalBase64, type Verifier } from './note.js';

export const PROOF_BUNDLE_VERSION = 'apitrail-inclusion-proof/v1';

/** One record, the path from its leaf to a checkpoint's root, and that signed checkpoint. */
export interface ProofBundle {
  readonly version: typeof PROOF_BUNDLE_VERSION;
  /** The record's NDJSON object. */
  readonly record: Readonly<Record<string, unknown>>;
  /** Base64 hashes, leaf to root (RFC 9162 2.1.3.1). */
  readonly proof: readonly string[];
  /** The checkpoint note, signed by its epoch key. */
  readonly checkpoint: string;
}

/** The proof bundle of one record (it must carry its integrity sequence number) against a checkpoint of `size` leaves: hand it to someone who holds only the root public key (`apitrail prove`). */
export function proofBundle(
  record: Readonly<Record<string, unknown>>,
  leaves: LeafHashes,
  checkpoint: Pick<VerifiedCheckpoint, 'size' | 'note'>,
): ProofBundle {
  const sequence = record[ATTR_INTEGRITY_SEQUENCE] as number;
  return {
    version: PROOF_BUNDLE_VERSION,
    record,
    proof: inclusionProof(leaves, sequence, checkpoint.size).map((node) => node.toString('base64')),
    checkpoint: checkpoint.note,
  };
}

/** What `verifyProofBundle` found: the log, sequence number, tree size and epoch the record is proved in, or why it is not. */
export type BundleCheck =
  | {
      readonly ok: true;
      readonly logId: string;
      readonly sequence: number;
      readonly size: number;
      readonly epoch: number;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * The first member name that occurs twice in one object of `json` (text JSON.parse accepted), if
 * any. JSON.parse keeps the last of them, other readers the first: a bundle with a duplicate
 * would verify with one value and be read, by a person or another tool, with the other.
 */
export function duplicateKey(json: string): string | undefined {
  /** Per open object its member names; undefined for an open array. */
  const open: (Set<string> | undefined)[] = [];
  let expectingName = false;
  for (let index = 0; index < json.length; index++) {
    const char = json[index];
    if (char === '"') {
      let end = index + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (expectingName) {
        const name = JSON.parse(json.slice(index, end + 1)) as string;
        const names = open.at(-1)!;
        if (names.has(name)) return name;
        names.add(name);
        expectingName = false;
      }
      index = end;
    } else if (char === '{') {
      open.push(new Set());
      expectingName = true;
    } else if (char === '[') open.push(undefined);
    else if (char === '}' || char === ']') open.pop();
    else if (char === ',') expectingName = open.at(-1) !== undefined;
  }
  return undefined;
}

/** Whether the bundle's record is in the log its checkpoint, signed down from `rootKey`, commits to. */
export function verifyProofBundle(bundle: unknown, rootKey: Verifier): BundleCheck {
  const candidate = bundle as Partial<ProofBundle> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.version !== PROOF_BUNDLE_VERSION ||
    typeof candidate.checkpoint !== 'string' ||
    candidate.record === null ||
    typeof candidate.record !== 'object' ||
    !Array.isArray(candidate.proof) ||
    !candidate.proof.every((node) => typeof node === 'string')
  ) {
    return { ok: false, reason: `not an ${PROOF_BUNDLE_VERSION} bundle` };
  }
  let checkpoint: VerifiedCheckpoint;
  try {
    checkpoint = new CheckpointVerifier(rootKey).open(candidate.checkpoint);
  } catch (error) {
    return { ok: false, reason: `checkpoint: ${(error as Error).message}` };
  }
  const logId = candidate.record[ATTR_INTEGRITY_LOG_ID];
  const sequence = candidate.record[ATTR_INTEGRITY_SEQUENCE];
  if (typeof logId !== 'string' || checkpoint.origin !== logOrigin(logId)) {
    return { ok: false, reason: 'the record is not in the checkpoint’s log' };
  }
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence))
    return { ok: false, reason: 'no sequence number' };
  const proof = candidate.proof.map((node) => canonicalBase64(node));
  if (!proof.every((node): node is Buffer => node !== undefined))
    return { ok: false, reason: 'a proof hash is not base64' };
  let leaf: Buffer;
  try {
    leaf = leafHash(canonicalEntry(candidate.record));
  } catch (error) {
    // A record nested deeper than the stack (JSON.parse takes it, the recursive writer does not).
    return { ok: false, reason: `the record cannot be read: ${(error as Error).message}` };
  }
  if (!verifyInclusion(leaf, sequence, checkpoint.size, proof, checkpoint.root)) {
    return {
      ok: false,
      reason: `seq ${sequence} is not in the tree of size ${checkpoint.size} (record or proof altered)`,
    };
  }
  return { ok: true, logId, sequence, size: checkpoint.size, epoch: checkpoint.epoch };
}
