export type MmdbValue =
  string | number | { readonly uint16: number } | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };
export function encodeValue(value: MmdbValue): Buffer;
export function cidrs(first: bigint, last: bigint, width: number): [bigint, number][];
export class MmdbWriter {
  data(record: MmdbValue): number;
  insert(bit: (depth: number) => number, prefixLength: number, reference: number): void;
  insertIpv4Range(first: number, last: number, reference: number): void;
  insertIpv6Range(first: bigint, last: bigint, reference: number): void;
  toBuffer(options: { databaseType: string; description: string; buildEpoch: number }): Buffer;
}
