import { hash } from 'node:crypto';

// The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, with SHA-256: the tree
// hash, inclusion and consistency proofs and their verification algorithms.

export const HASH_BYTES = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/**
 * SHA-256 of `input` (a string as UTF-8) as a binary string (latin1: one character per byte).
 * Node's one-shot `crypto.hash` makes a string digest cheaper than a Buffer (each Buffer costs an
 * allocation, more than hashing a 65-byte node): the sealer and the verifier keep their hashes so.
 */
export function digest(input: Uint8Array | string): string {
  return hash('sha256', input, 'binary');
}

/** SHA-256 of `input` (a string as UTF-8). */
export function sha256(input: Uint8Array | string): Buffer {
  return Buffer.from(digest(input), 'latin1');
}

/** SHA-256(0x00 ‖ entry) as a binary string (see `digest`); the entry is hashed as UTF-8. */
export function leafDigest(entry: string): string {
  // U+0000 is the one byte 0x00 in UTF-8: the prefix joins the string without copying bytes around.
  return digest(`\u0000${entry}`);
}

/** SHA-256(0x00 ‖ entry); a string entry is hashed as UTF-8. */
export function leafHash(entry: Uint8Array | string): Buffer {
  if (typeof entry === 'string') return Buffer.from(leafDigest(entry), 'latin1');
  const input = Buffer.allocUnsafe(1 + entry.length);
  input[0] = LEAF_PREFIX;
  input.set(entry, 1);
  return sha256(input);
}

const EMPTY = new Uint8Array(0);
const nodeInput = Buffer.alloc(1 + 2 * HASH_BYTES);
nodeInput[0] = NODE_PREFIX;

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_BYTES);
  return sha256(nodeInput);
}

/** SHA-256(0x01 ‖ left ‖ right) of two binary-string digests, as one. */
function nodeDigest(left: string, right: string): string {
  nodeInput.write(left, 1, 'latin1');
  nodeInput.write(right, 1 + HASH_BYTES, 'latin1');
  return digest(nodeInput);
}

/**
 * MTH of the 2^height leaf hashes packed side by side in `leaves` from `offset`, as a binary-string
 * digest: each level's pairs are adjacent, so a node's input is one copy. What the verify command's
 * threads hash whole blocks of a log with, so that the thread walking the log appends a block at once.
 */
export function perfectSubtreeDigest(leaves: Uint8Array, offset: number, height: number): string {
  let level = Buffer.from(leaves.buffer, leaves.byteOffset + offset, 2 ** height * HASH_BYTES);
  if (height === 0) return level.toString('latin1');
  const nodes = Buffer.allocUnsafe(2 ** (height - 1) * HASH_BYTES);
  for (let width = 2 ** height; width > 1; width /= 2) {
    // Node k of the next level lands in bytes of pairs up to k/2, all read already (pair k is read from 2k).
    for (let pair = 0; pair < width / 2; pair++) {
      level.copy(nodeInput, 1, pair * 2 * HASH_BYTES, (pair + 1) * 2 * HASH_BYTES);
      nodes.write(digest(nodeInput), pair * HASH_BYTES, HASH_BYTES, 'latin1');
    }
    level = nodes;
  }
  return nodes.toString('latin1', 0, HASH_BYTES);
}

/** The largest power of two smaller than `n` (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Leaf hashes by index; a dense array, or a reader over a verifier's packed store. */
export interface LeafHashes {
  at(index: number): Uint8Array;
}

export function leafArray(hashes: readonly Uint8Array[]): LeafHashes {
  return { at: (index) => hashes[index]! };
}

/** MTH(D[start:end]) (RFC 9162 2.1.1); the hash of the empty string for an empty range. */
export function subtreeHash(leaves: LeafHashes, start: number, end: number): Buffer {
  const size = end - start;
  if (size === 0) return sha256(EMPTY);
  if (size === 1) return Buffer.from(leaves.at(start));
  const k = splitPoint(size);
  return nodeHash(subtreeHash(leaves, start, start + k), subtreeHash(leaves, start + k, end));
}

/** PATH(m, D[start:end]) (RFC 9162 2.1.3.1): the inclusion proof of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: LeafHashes, index: number, size: number): Buffer[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, start + k), subtreeHash(leaves, start + k, end)]
      : [...path(m - k, start + k, end), subtreeHash(leaves, start, start + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[n]) (RFC 9162 2.1.4.1): the consistency proof from size `m` to size `n`. */
export function consistencyProof(leaves: LeafHashes, m: number, n: number): Buffer[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from size ${m} to ${n}`);
  const subproof = (m: number, start: number, end: number, complete: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [subtreeHash(leaves, start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, start, start + k, complete), subtreeHash(leaves, start + k, end)]
      : [...subproof(m - k, start + k, end, false), subtreeHash(leaves, start, start + k)];
  };
  return subproof(m, 0, n, true);
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Whether every hash is 32 bytes. `nodeHash` copies its inputs into one shared buffer: a shorter
 * input would leave bytes of the previous hash in place and a longer one overflow it (a RangeError
 * out of a verification), so a proof with such a node is refused before any hashing.
 */
function allHashes(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((node) => node.length === HASH_BYTES);
}

/** Whether `n` (a safe integer) is a power of two: by arithmetic, as bitwise operators cut numbers to 32 bits. */
function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * The walk up the tree both RFC 9162 verifications share (2.1.3.2 and 2.1.4.2): from node `fn` of a
 * tree whose last node is `sn`, each proof hash is the left or the right sibling on the way up.
 * `visit(hash, isLeft)` combines it; false when the proof does not end exactly at the root.
 */
function walkUp(
  fn: number,
  sn: number,
  proof: readonly Uint8Array[],
  visit: (hash: Uint8Array, isLeft: boolean) => void,
): boolean {
  for (const hash of proof) {
    if (sn === 0) return false;
    const isLeft = fn % 2 === 1 || fn === sn;
    visit(hash, isLeft);
    if (isLeft) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0;
}

/** RFC 9162 2.1.3.2: whether `proof` shows the leaf with `hash` at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
  if (!allHashes([leaf, root, ...proof])) return false;
  let r: Uint8Array = leaf;
  const complete = walkUp(index, size - 1, proof, (hash, isLeft) => {
    r = isLeft ? nodeHash(hash, r) : nodeHash(r, hash);
  });
  return complete && equalHashes(r, root);
}

/** RFC 9162 2.1.4.2: whether `proof` shows the tree of `size2` with `root2` extends the tree of `size1` with `root1`. */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 > 0 && size1 <= size2)) return false;
  if (!allHashes([root1, root2, ...proof])) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  // A size1 that is a power of two is its own first node: the proof starts one step later.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  const complete = walkUp(fn, sn, path.slice(1), (hash, isLeft) => {
    if (isLeft) {
      fr = nodeHash(hash, fr);
      sr = nodeHash(hash, sr);
    } else {
      sr = nodeHash(sr, hash);
    }
  });
  return complete && equalHashes(fr, root1) && equalHashes(sr, root2);
}

/**
 * An append-only tree that keeps only the roots of its perfect subtrees (one per set bit of the
 * size): appending is amortised one node hash, the root at any size O(log n). What the sealer and
 * the verifier walk the leaves with.
 */
export class CompactTree {
  /** Binary-string digests (see `digest`): no Buffer per node. */
  private readonly stack: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf hash: 32 bytes, or their binary string (`leafDigest`). */
  append(leaf: Uint8Array | string): void {
    let node =
      typeof leaf === 'string' ? leaf : Buffer.from(leaf.buffer, leaf.byteOffset, leaf.length).toString('latin1');
    if (node.length !== HASH_BYTES) throw new RangeError(`a leaf hash has ${HASH_BYTES} bytes, not ${node.length}`);
    // Each trailing one bit of the old size is a perfect subtree the new leaf completes.
    let height = 0;
    for (let bits = this.count; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      node = nodeDigest(this.stack.pop()!, node);
      this.completed(++height, node);
    }
    this.stack.push(node);
    this.count++;
  }

  /**
   * Appends a perfect subtree of 2^height leaves whose hash is `node` (a binary-string digest), as
   * if its leaves were appended one by one: the tree's size must be a multiple of 2^height.
   */
  appendSubtree(height: number, node: string): void {
    const width = 2 ** height;
    if (this.count % width !== 0) throw new RangeError(`a subtree of ${width} leaves cannot follow ${this.count}`);
    if (height > 0) this.completed(height, node);
    for (let bits = this.count / width; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      node = nodeDigest(this.stack.pop()!, node);
      this.completed(++height, node);
    }
    this.stack.push(node);
    this.count += width;
  }

  /** MTH of the leaves appended so far. */
  root(): Buffer {
    return Buffer.from(this.rootDigest(), 'latin1');
  }

  /** MTH of the leaves appended so far, as a binary string. */
  rootDigest(): string {
    if (this.stack.length === 0) return digest(EMPTY);
    return foldRight(this.stack);
  }

  /** A perfect subtree of `height` (≥ 1) was completed, the next of its height from the left: `node` is its hash. */
  protected completed(height: number, node: string): void {
    void height;
    void node;
  }
}

/** The root of perfect subtrees side by side, largest first (a compact tree's stack). */
function foldRight(subtrees: readonly string[]): string {
  let node = subtrees.at(-1)!;
  for (let index = subtrees.length - 2; index >= 0; index--) node = nodeDigest(subtrees[index]!, node);
  return node;
}

/** Perfect subtrees of 2^KEPT_HEIGHT leaves and more are kept; smaller ones are hashed again from the leaves. */
export const KEPT_HEIGHT = 5;
/** Leaves per block of `LogVerifier.addLeafRun` (2^BLOCK_HEIGHT): the largest subtree a PrefixTree appends whole. */
export const BLOCK_HEIGHT = KEPT_HEIGHT;
export const BLOCK_LEAVES = 2 ** BLOCK_HEIGHT;

/**
 * A compact tree that also keeps the hash of every perfect subtree of 32 leaves or more (about one
 * hash per 16 leaves): the root at any size it has passed is then O(log n) kept hashes plus at most
 * 31 leaves hashed again. The verifier walks each log's leaves with one as they arrive, and checks
 * the checkpoints, whichever order they came in, at the end.
 */
export class PrefixTree extends CompactTree {
  /** By height, the kept subtrees' hashes from the left. */
  private readonly kept: string[][] = [];

  /** MTH of the first `size` leaves (at most `this.size`); `leaf(i)` gives leaf i's hash. */
  prefixRoot(size: number, leaf: (index: number) => Uint8Array): Buffer {
    if (!(size >= 0 && size <= this.size)) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
    if (size === 0) return sha256(EMPTY);
    const subtrees: string[] = [];
    let start = 0;
    for (let height = Math.floor(Math.log2(size)) + 1; height >= 0; height--) {
      const width = 2 ** height;
      if (size - start < width) continue;
      subtrees.push(this.subtree(height, start, leaf));
      start += width;
    }
    return Buffer.from(foldRight(subtrees), 'latin1');
  }

  /** A subtree of at most 2^KEPT_HEIGHT leaves: a larger one would lack the kept subtrees inside it. */
  override appendSubtree(height: number, node: string): void {
    if (height > KEPT_HEIGHT)
      throw new RangeError(`a prefix tree appends subtrees of at most ${2 ** KEPT_HEIGHT} leaves`);
    super.appendSubtree(height, node);
  }

  protected override completed(height: number, node: string): void {
    if (height >= KEPT_HEIGHT) (this.kept[height] ??= []).push(node);
  }

  private subtree(height: number, start: number, leaf: (index: number) => Uint8Array): string {
    if (height >= KEPT_HEIGHT) return this.kept[height]![start / 2 ** height]!;
    const small = new CompactTree();
    for (let index = start; index < start + 2 ** height; index++) small.append(leaf(index));
    return small.rootDigest();
  }
}
