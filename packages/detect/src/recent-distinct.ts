/**
 * Whether a slot saw more than `limit` distinct values (source IPs of a key) in a sliding window.
 * Each slot keeps `limit + 1` (hash, last seen) pairs, so it answers "above the limit?" exactly,
 * up to 32-bit hash collisions (a false merge of two IPs has probability about k²/2³³ per key,
 * under 10⁻⁸ for the default k = 6). Counts above `limit + 1` saturate: the evidence says
 * "at least". Memory per slot: 8 × (limit + 1) bytes.
 */
export class RecentDistinct {
  private readonly hashes: Uint32Array;
  /** Last-seen second of each entry, +1 so that 0 marks an empty entry. */
  private readonly seen: Uint32Array;

  constructor(
    capacity: number,
    private readonly width: number,
    private readonly windowSeconds: number,
  ) {
    this.hashes = new Uint32Array(capacity * width);
    this.seen = new Uint32Array(capacity * width);
  }

  reset(slot: number): void {
    this.seen.fill(0, slot * this.width, (slot + 1) * this.width);
  }

  /** Records `hash` at `seconds`; returns how many distinct hashes the window holds (≤ width). */
  add(slot: number, hash: number, seconds: number): number {
    const base = slot * this.width;
    const stamp = Math.floor(seconds) + 1;
    const oldest = stamp - this.windowSeconds;
    let target = -1;
    let targetSeen = Infinity;
    for (let index = base; index < base + this.width; index++) {
      const seen = this.seen[index]!;
      if (seen !== 0 && this.hashes[index] === hash) {
        if (stamp > seen) this.seen[index] = stamp;
        return this.live(base, oldest);
      }
      if (seen < targetSeen) {
        target = index;
        targetSeen = seen;
      }
    }
    this.hashes[target] = hash;
    this.seen[target] = stamp;
    return this.live(base, oldest);
  }

  /** The hashes currently inside the window (for the evidence sample). */
  hashesOf(slot: number, seconds: number): number[] {
    const base = slot * this.width;
    const oldest = Math.floor(seconds) + 1 - this.windowSeconds;
    const result: number[] = [];
    for (let index = base; index < base + this.width; index++) {
      if (this.seen[index]! > oldest) result.push(this.hashes[index]!);
    }
    return result;
  }

  private live(base: number, oldest: number): number {
    let live = 0;
    for (let index = base; index < base + this.width; index++) if (this.seen[index]! > oldest) live++;
    return live;
  }
}

/** FNV-1a over UTF-16 code units: fast, allocation-free, good enough spread for IP strings. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index++) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
