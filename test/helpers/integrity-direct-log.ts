// A log of minimal records signed straight by its epoch keys, without an OpenTelemetry pipeline:
// for tests that need valid checkpoints, proofs, bundles or log files of a known tree in a few
// milliseconds.
import { randomBytes } from 'node:crypto';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE } from '@apitrail/core/internal';
import {
  EpochKeys,
  canonicalEntry,
  leafArray,
  leafHash,
  logOrigin,
  subtreeHash,
  type LeafHashes,
  type Signer,
} from '@apitrail/integrity/internal';

export interface DirectLog {
  readonly origin: string;
  readonly records: readonly Record<string, unknown>[];
  readonly leaves: LeafHashes;
  /** The checkpoint note of the first `size` records under the current epoch key (`closed`: the log's last). */
  sign(size: number, closed?: boolean): string;
}

/** `bodyOf(n)`: record n's body (`entry <n>` unless given). */
export function directLog(root: Signer, size: number, bodyOf = (n: number): string => `entry ${n}`): DirectLog {
  const id = randomBytes(8).toString('hex');
  const records = Array.from({ length: size }, (_, n) => ({
    // An NDJSON record as apitrail's readers take it from a file (they need a timestamp).
    timestamp: '2026-01-15T09:00:00.000Z',
    level: 'INFO',
    [ATTR_INTEGRITY_LOG_ID]: id,
    [ATTR_INTEGRITY_SEQUENCE]: n,
    body: bodyOf(n),
  }));
  const leaves = leafArray(records.map((fields) => leafHash(canonicalEntry(fields))));
  const keys = new EpochKeys(root, logOrigin(id), 60_000, Date.now(), 8);
  return {
    origin: logOrigin(id),
    records,
    leaves,
    sign: (treeSize, closed = false) => keys.sign(treeSize, subtreeHash(leaves, 0, treeSize), closed),
  };
}
