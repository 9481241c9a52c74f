/** Bits per bucket: 8 and 16 save memory for rules whose thresholds are small; counts saturate. */
export type CounterWidth = 8 | 16 | 32;

/**
 * Per-slot event counts over a sliding window, as a ring of `buckets` counters per lane. The
 * lanes of a slot (say 401/403s, 404s and tenant mismatches of one key) share one window head:
 * 4 bytes per slot, not per lane. The window slides in steps of one bucket (window / buckets), so
 * a count may include up to one bucket's worth of events older than the window. Events older than
 * the ring are dropped (late input, offline).
 *
 * A bucket saturates at its width's maximum. A rule fires when a count exceeds its threshold, so a
 * width whose maximum is above the threshold changes no decision: a saturated bucket alone exceeds
 * it. Only the reported count becomes "at least".
 */
export class WindowCounter {
  readonly windowSeconds: number;
  private readonly bucketSeconds: number;
  /** Slot-major, then bucket, then lane: the buckets a head advance clears are contiguous. */
  private readonly counts: Uint8Array | Uint16Array | Uint32Array;
  private readonly ceiling: number;
  /** Absolute bucket number of each slot's newest bucket; 0 means empty. */
  private readonly heads: Uint32Array;
  private readonly stride: number;

  constructor(
    capacity: number,
    windowSeconds: number,
    private readonly buckets: number,
    width: CounterWidth = 32,
    private readonly lanes = 1,
  ) {
    this.windowSeconds = windowSeconds;
    this.bucketSeconds = Math.max(1, windowSeconds / buckets);
    this.stride = buckets * lanes;
    const cells = capacity * this.stride;
    this.counts = width === 8 ? new Uint8Array(cells) : width === 16 ? new Uint16Array(cells) : new Uint32Array(cells);
    this.ceiling = 2 ** width - 1;
    this.heads = new Uint32Array(capacity);
  }

  /** The narrowest width under which every threshold (the counts rules compare with) stays exact. */
  static widthFor(thresholds: readonly number[]): CounterWidth {
    const highest = Math.max(...thresholds);
    return highest < 0xff ? 8 : highest < 0xffff ? 16 : 32;
  }

  reset(slot: number): void {
    this.heads[slot] = 0;
    this.counts.fill(0, slot * this.stride, (slot + 1) * this.stride);
  }

  bucketOf(seconds: number): number {
    return Math.floor(seconds / this.bucketSeconds) + 1;
  }

  /** The slot's newest bucket number (0 when it has none). */
  head(slot: number): number {
    return this.heads[slot]!;
  }

  /** Counts one event at `seconds` in `lane` and returns the lane's window total. */
  add(slot: number, seconds: number, lane = 0): number {
    const bucket = this.bucketOf(seconds);
    const base = slot * this.stride;
    const head = this.heads[slot]!;
    if (bucket > head) {
      const steps = Math.min(bucket - head, this.buckets);
      for (let step = 1; step <= steps; step++) {
        const start = base + ((head + step) % this.buckets) * this.lanes;
        for (let cleared = start; cleared < start + this.lanes; cleared++) this.counts[cleared] = 0;
      }
      this.heads[slot] = bucket;
    }
    const index = base + (bucket % this.buckets) * this.lanes + lane;
    if (bucket > head - this.buckets && this.counts[index]! < this.ceiling) this.counts[index]!++;
    return this.total(slot, lane);
  }

  total(slot: number, lane = 0): number {
    let sum = 0;
    const end = (slot + 1) * this.stride;
    for (let index = slot * this.stride + lane; index < end; index += this.lanes) sum += this.counts[index]!;
    return sum;
  }
}
