import { hashString } from './recent-distinct.js';

/**
 * Maps ids (API keys, IPs) to dense slot numbers so per-id state can live in preallocated typed
 * arrays: no per-request allocation and a fixed footprint. When full, the least recently seen id
 * is forgotten and its slot handed out again (`onReset` lets state owners clear it first). Recency
 * is an intrusive doubly-linked list over two Int32Arrays, so a hit costs one hash, one probe or
 * two and a few array writes.
 *
 * The id → slot index is an open-addressing table of Int32s (linear probing, at most 5/8 full)
 * rather than a Map: a Map entry costs about 37 bytes per id on 64-bit V8 (key, value, chain and
 * bucket pointers, doubled on growth), the index 6.4 bytes. A table built with `keepHashes` also
 * keeps each id's 4-byte hash, for callers that read it back (`hashOf`); without, a probe compares
 * the strings and an eviction hashes the few ids its backward shift moves.
 */
export class SlotTable {
  readonly capacity: number;
  private readonly ids: (string | undefined)[];
  private readonly hashes: Uint32Array | undefined;
  /** Open-addressing index: slot + 1 of the id whose probe sequence passes here, 0 when empty. */
  private readonly index: Int32Array;
  private readonly newer: Int32Array;
  private readonly older: Int32Array;
  /** Most and least recently seen slots (-1 when empty). */
  private newest = -1;
  private oldest = -1;
  private used = 0;
  private evicted = 0;

  constructor(
    capacity: number,
    private readonly onReset: (slot: number) => void,
    keepHashes = false,
  ) {
    this.capacity = capacity;
    this.ids = new Array<string | undefined>(capacity);
    this.hashes = keepHashes ? new Uint32Array(capacity) : undefined;
    this.index = new Int32Array(Math.max(16, Math.ceil(capacity * 1.6)));
    this.newer = new Int32Array(capacity).fill(-1);
    this.older = new Int32Array(capacity).fill(-1);
  }

  /**
   * The slot of `id`, allocating (and possibly evicting) one on first sight. `hash` is
   * `hashString(id)`, passed when the caller has it already.
   */
  slotOf(id: string, hash = hashString(id)): number {
    let position = this.home(hash);
    for (let entry = this.index[position]!; entry !== 0; entry = this.index[position]!) {
      const known = entry - 1;
      if ((this.hashes === undefined || this.hashes[known] === hash) && this.ids[known] === id) {
        if (known !== this.newest) {
          this.unlink(known);
          this.pushNewest(known);
        }
        return known;
      }
      position = this.next(position);
    }
    let slot: number;
    if (this.used < this.capacity) {
      slot = this.used++;
    } else {
      slot = this.oldest;
      this.unlink(slot);
      this.unindex(slot);
      this.evicted++;
      // Removing the evicted id may have shifted entries into the free position found above.
      position = this.home(hash);
      while (this.index[position] !== 0) position = this.next(position);
    }
    this.onReset(slot);
    this.ids[slot] = id;
    if (this.hashes !== undefined) this.hashes[slot] = hash;
    this.index[position] = slot + 1;
    this.pushNewest(slot);
    return slot;
  }

  idOf(slot: number): string | undefined {
    return this.ids[slot];
  }

  /** `hashString` of the slot's id (0 for a slot never used). */
  hashOf(slot: number): number {
    if (this.hashes !== undefined) return this.hashes[slot]!;
    const id = this.ids[slot];
    return id === undefined ? 0 : hashString(id);
  }

  get size(): number {
    return this.used;
  }

  /** Ids forgotten to stay within the cap (reported, so lost state is never silent). */
  get evictions(): number {
    return this.evicted;
  }

  /**
   * Where `hash`'s probe run starts: Fibonacci hashing spreads it over 32 bits, then the range
   * reduction (x × length / 2³²) maps those to the index without a power-of-two length.
   */
  private home(hash: number): number {
    return Math.floor(((Math.imul(hash, 0x9e3779b1) >>> 0) * this.index.length) / 4294967296);
  }

  private next(position: number): number {
    return position + 1 === this.index.length ? 0 : position + 1;
  }

  /** Probe steps from `from` forward to `to`. */
  private distance(from: number, to: number): number {
    return to >= from ? to - from : to + this.index.length - from;
  }

  /**
   * Removes `slot` from the index by backward shift: each later entry of the probe run that may
   * live in the hole moves into it, so lookups never need tombstones.
   */
  private unindex(slot: number): void {
    let hole = this.home(this.hashOf(slot));
    while (this.index[hole] !== slot + 1) hole = this.next(hole);
    this.index[hole] = 0;
    for (let position = this.next(hole); this.index[position] !== 0; position = this.next(position)) {
      const entry = this.index[position]!;
      // The entry may move back when its home is not inside (hole, position].
      if (this.distance(this.home(this.hashOf(entry - 1)), position) >= this.distance(hole, position)) {
        this.index[hole] = entry;
        this.index[position] = 0;
        hole = position;
      }
    }
  }

  private unlink(slot: number): void {
    const newer = this.newer[slot]!;
    const older = this.older[slot]!;
    if (newer === -1) this.newest = older;
    else this.older[newer] = older;
    if (older === -1) this.oldest = newer;
    else this.newer[older] = newer;
  }

  private pushNewest(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest === -1) this.oldest = slot;
    else this.newer[this.newest] = slot;
    this.newest = slot;
  }
}
