// A minimal MaxMind DB (MMDB 2.0) writer: an IPv6 search tree with IPv4 under ::/96, 32-bit
// records, and a data section of maps, strings and unsigned integers. Enough to turn a freely
// licensed CSV of IP ranges into a file the `maxmind` reader (and every other MMDB reader) opens.
// Format: https://maxmind.github.io/MaxMind-DB/

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);
const DATA_SECTION_SEPARATOR = 16;
const IPV4_DEPTH = 96;

const TYPE = { utf8: 2, map: 7, uint16: 5, uint32: 6, array: 11 };

function controlBytes(type, size) {
  const head = type <= 7 ? [type << 5] : [0];
  const extended = type <= 7 ? [] : [type - 7];
  let sizeBytes = [];
  if (size < 29) head[0] |= size;
  else if (size < 29 + 256) {
    head[0] |= 29;
    sizeBytes = [size - 29];
  } else if (size < 285 + 65536) {
    head[0] |= 30;
    const rest = size - 285;
    sizeBytes = [rest >> 8, rest & 0xff];
  } else {
    head[0] |= 31;
    const rest = size - 65821;
    sizeBytes = [(rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff];
  }
  return Buffer.from([...head, ...extended, ...sizeBytes]);
}

function unsigned(type, value) {
  const bytes = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.concat([controlBytes(type, bytes.length), Buffer.from(bytes)]);
}

/** Encodes a value: strings, non-negative integers (uint32, or `{ uint16 }`), arrays and plain objects. */
export function encodeValue(value) {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([controlBytes(TYPE.utf8, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`not a uint32: ${value}`);
    return unsigned(TYPE.uint32, value);
  }
  if (Array.isArray(value)) return Buffer.concat([controlBytes(TYPE.array, value.length), ...value.map(encodeValue)]);
  if (typeof value === 'object' && value !== null && 'uint16' in value) return unsigned(TYPE.uint16, value.uint16);
  const entries = Object.entries(value);
  return Buffer.concat([
    controlBytes(TYPE.map, entries.length),
    ...entries.flatMap(([key, item]) => [encodeValue(key), encodeValue(item)]),
  ]);
}

/** A binary trie over 128-bit addresses whose leaves are data-section offsets. */
export class MmdbWriter {
  #left = new Int32Array(1 << 20);
  #right = new Int32Array(1 << 20);
  #nodeCount = 1;
  #data = [];
  #dataSize = 0;
  #offsets = new Map();

  /** Stores `record` once (by its JSON) and returns its data reference for {@link insert}. */
  data(record) {
    const key = JSON.stringify(record);
    let offset = this.#offsets.get(key);
    if (offset === undefined) {
      const bytes = encodeValue(record);
      offset = this.#dataSize;
      this.#data.push(bytes);
      this.#dataSize += bytes.length;
      this.#offsets.set(key, offset);
    }
    // Leaves are negative: -(offset + 1); 0 is an empty record (node 0, the root, is never a child).
    return -(offset + 1);
  }

  #newNode(fill) {
    if (this.#nodeCount === this.#left.length) {
      const grow = (array) => {
        const bigger = new Int32Array(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.#left = grow(this.#left);
      this.#right = grow(this.#right);
    }
    const node = this.#nodeCount++;
    this.#left[node] = fill;
    this.#right[node] = fill;
    return node;
  }

  /** Maps the network of `bits` (a bit reader over 128 bits) and `prefixLength` to `reference`. */
  insert(bit, prefixLength, reference) {
    let node = 0;
    for (let depth = 0; depth < prefixLength - 1; depth++) {
      const side = bit(depth) === 0 ? this.#left : this.#right;
      let child = side[node];
      // An empty record, or a shorter network's leaf that this one splits.
      if (child <= 0) {
        child = this.#newNode(child);
        side[node] = child;
      }
      node = child;
    }
    (bit(prefixLength - 1) === 0 ? this.#left : this.#right)[node] = reference;
  }

  /** Maps the IPv4 range [first, last] (uint32s) to `reference`, as the CIDR blocks that cover it exactly. */
  insertIpv4Range(first, last, reference) {
    for (const [start, length] of cidrs(BigInt(first), BigInt(last), 32)) {
      const value = Number(start);
      this.insert(
        (depth) => (depth < IPV4_DEPTH ? 0 : (value >>> (31 - (depth - IPV4_DEPTH))) & 1),
        IPV4_DEPTH + length,
        reference,
      );
    }
  }

  /** Maps the IPv6 range [first, last] (BigInts) to `reference`. */
  insertIpv6Range(first, last, reference) {
    for (const [start, length] of cidrs(first, last, 128)) {
      this.insert((depth) => Number((start >> BigInt(127 - depth)) & 1n), length, reference);
    }
  }

  /** The whole file: search tree, separator, data section, metadata. */
  toBuffer({ databaseType, description, buildEpoch }) {
    const nodeCount = this.#nodeCount;
    const tree = Buffer.alloc(nodeCount * 8);
    const record = (value) =>
      value === 0 ? nodeCount : value > 0 ? value : nodeCount + DATA_SECTION_SEPARATOR + (-value - 1);
    for (let node = 0; node < nodeCount; node++) {
      tree.writeUInt32BE(record(this.#left[node]), node * 8);
      tree.writeUInt32BE(record(this.#right[node]), node * 8 + 4);
    }
    const metadata = encodeValue({
      binary_format_major_version: { uint16: 2 },
      binary_format_minor_version: { uint16: 0 },
      build_epoch: buildEpoch,
      database_type: databaseType,
      description: { en: description },
      ip_version: { uint16: 6 },
      languages: ['en'],
      node_count: nodeCount,
      record_size: { uint16: 32 },
    });
    return Buffer.concat([tree, Buffer.alloc(DATA_SECTION_SEPARATOR), ...this.#data, METADATA_MARKER, metadata]);
  }
}

/** The CIDR blocks `[start, prefixLength]` that exactly cover [first, last] in a `width`-bit space. */
export function cidrs(first, last, width) {
  const blocks = [];
  let start = first;
  while (start <= last) {
    let size = 0;
    // Grow the block while it stays aligned at `start` and inside the range.
    while (
      size < width &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= last
    ) {
      size++;
    }
    blocks.push([start, width - size]);
    start += 1n << BigInt(size);
  }
  return blocks;
}
