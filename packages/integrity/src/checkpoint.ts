import { HASH_BYTES, sha256 } from './merkle.js';

// The checkpoint body of c2sp.org/tlog-checkpoint: the origin line, the tree size in decimal, the
// base64 root hash, then optional extension lines (apitrail's carry the epoch key; see epochs.ts).

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  readonly extensions: readonly string[];
}

export class CheckpointError extends Error {}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  const lines = [
    checkpoint.origin,
    String(checkpoint.size),
    checkpoint.root.toString('base64'),
    ...checkpoint.extensions,
  ];
  return `${lines.join('\n')}\n`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointError('a checkpoint ends in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || origin === '' || sizeText === undefined || rootText === undefined) {
    throw new CheckpointError('a checkpoint has an origin, a size and a root hash line');
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText))
    throw new CheckpointError(`invalid tree size ${JSON.stringify(sizeText)}`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointError(`invalid tree size ${sizeText}`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== HASH_BYTES || root.toString('base64') !== rootText)
    throw new CheckpointError('invalid root hash');
  // A tree of no records has one root, SHA-256 of nothing (RFC 9162 2.1.1): a checkpoint with any
  // other is a malformed tree head, which a witness should not cosign.
  if (size === 0 && !root.equals(sha256(''))) {
    throw new CheckpointError('a tree of size 0 has the empty tree’s root');
  }
  if (extensions.some((line) => line === '')) throw new CheckpointError('empty extension line');
  return { origin, size, root, extensions };
}
