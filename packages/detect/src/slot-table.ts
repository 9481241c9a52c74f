/**
 * Maps ids (API keys, IPs) to dense slot numbers so per-id state can live in preallocated typed
 * arrays: no per-request allocation and a fixed footprint. When full, the least recently seen id
 * is forgotten and its slot handed out again (`onReset` lets state owners clear it first). Recency
 * is an intrusive doubly-linked list over two Int32Arrays, so a hit costs one Map lookup and a few
 * array writes.
 */
export class SlotTable {
  readonly capacity: number;
  private readonly slots = new Map<string, number>();
  private readonly ids: (string | undefined)[];
  private readonly newer: Int32Array;
  private readonly older: Int32Array;
  /** Most and least recently seen slots (-1 when empty). */
  private newest = -1;
  private oldest = -1;
  private evicted = 0;

  constructor(
    capacity: number,
    private readonly onReset: (slot: number) => void,
  ) {
    this.capacity = capacity;
    this.ids = new Array<string | undefined>(capacity);
    this.newer = new Int32Array(capacity).fill(-1);
    this.older = new Int32Array(capacity).fill(-1);
  }

  /** The slot of `id`, allocating (and possibly evicting) one on first sight. */
  slotOf(id: string): number {
    const known = this.slots.get(id);
    if (known !== undefined) {
      if (known !== this.newest) {
        this.unlink(known);
        this.pushNewest(known);
      }
      return known;
    }
    let slot: number;
    if (this.slots.size < this.capacity) {
      slot = this.slots.size;
    } else {
      slot = this.oldest;
      this.unlink(slot);
      this.slots.delete(this.ids[slot]!);
      this.evicted++;
    }
    this.onReset(slot);
    this.ids[slot] = id;
    this.slots.set(id, slot);
    this.pushNewest(slot);
    return slot;
  }

  idOf(slot: number): string | undefined {
    return this.ids[slot];
  }

  get size(): number {
    return this.slots.size;
  }

  /** Ids forgotten to stay within the cap (reported, so lost state is never silent). */
  get evictions(): number {
    return this.evicted;
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
