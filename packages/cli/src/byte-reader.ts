/** The most bytes `skip` holds at once: a zstd block's largest size. */
const SKIP_CHUNK_BYTES = 128 * 1024;

/** Reads `source` in exact byte counts, copying only when a read spans chunks. */
export class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private position = 0;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Up to `count` bytes; fewer only at the end of the input. */
  async read(count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let missing = count;
    while (missing > 0) {
      if (this.position === this.chunk.length) {
        const next = await this.chunks.next();
        if (next.done === true) break;
        this.chunk = next.value;
        this.position = 0;
        continue;
      }
      const part = this.chunk.subarray(this.position, this.position + missing);
      this.position += part.length;
      missing -= part.length;
      parts.push(part);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Reads `count` bytes and fails with `what` if the input ends first. */
  async exactly(count: number, what: string): Promise<Buffer> {
    const bytes = await this.read(count);
    if (bytes.length < count) throw new Error(`the input ends inside ${what}`);
    return bytes;
  }

  /** Discards `count` bytes without holding them. */
  async skip(count: number, what: string): Promise<void> {
    for (let left = count; left > 0;) {
      const part = await this.read(Math.min(left, SKIP_CHUNK_BYTES));
      if (part.length === 0) throw new Error(`the input ends inside ${what}`);
      left -= part.length;
    }
  }

  /** What is left: the unread part of the current chunk, then the rest of the source. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.position < this.chunk.length) yield this.chunk.subarray(this.position);
    for (let next = await this.chunks.next(); next.done !== true; next = await this.chunks.next()) yield next.value;
  }
}
