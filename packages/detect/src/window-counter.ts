/**
 * Per-slot event counts over a sliding window, as a ring of `buckets` counters. The window slides
 * in steps of one bucket (window / buckets), so a count may include up to one bucket's worth of
 * events older than the window. Events older than the ring are dropped (late input, offline).
 */
export class WindowCounter {
  readonly windowSeconds: number;
  private readonly bucketSeconds: number;
  private readonly counts: Uint16Array | Uint32Array;
  private readonly ceiling: number;
  /** Absolute bucket number of each slot's newest bucket; 0 means empty. */
  private readonly heads: Uint32Array;

  constructor(
    capacity: number,
    windowSeconds: number,
    private readonly buckets: number,
    /** 16-bit buckets halve the memory of rules whose thresholds are small (bursts); they saturate. */
    width: 16 | 32 = 32,
  ) {
    this.windowSeconds = windowSeconds;
    this.bucketSeconds = Math.max(1, windowSeconds / buckets);
    this.counts = width === 16 ? new Uint16Array(capacity * buckets) : new Uint32Array(capacity * buckets);
    this.ceiling = width === 16 ? 0xffff : 0xffffffff;
    this.heads = new Uint32Array(capacity);
  }

  reset(slot: number): void {
    this.heads[slot] = 0;
    this.counts.fill(0, slot * this.buckets, (slot + 1) * this.buckets);
  }

  bucketOf(seconds: number): number {
    return Math.floor(seconds / this.bucketSeconds) + 1;
  }

  /** The slot's newest bucket number (0 when it has none). */
  head(slot: number): number {
    return this.heads[slot]!;
  }

  /** Counts one event at `seconds` and returns the window's total. */
  add(slot: number, seconds: number): number {
    const bucket = this.bucketOf(seconds);
    const base = slot * this.buckets;
    const head = this.heads[slot]!;
    if (bucket > head) {
      const steps = Math.min(bucket - head, this.buckets);
      for (let step = 1; step <= steps; step++) this.counts[base + ((head + step) % this.buckets)] = 0;
      this.heads[slot] = bucket;
    }
    const index = base + (bucket % this.buckets);
    if (bucket > head - this.buckets && this.counts[index]! < this.ceiling) this.counts[index]!++;
    return this.total(slot);
  }

  total(slot: number): number {
    let sum = 0;
    const base = slot * this.buckets;
    for (let index = 0; index < this.buckets; index++) sum += this.counts[base + index]!;
    return sum;
  }
}
