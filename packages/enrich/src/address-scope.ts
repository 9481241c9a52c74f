import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Where an address lives when it is not on the public Internet. */
export type AddressScope = 'loopback' | 'private' | 'link_local' | 'reserved';

function blockList(ranges: readonly [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
// RFC 1918, RFC 6598 (carrier-grade NAT) and RFC 4193 (unique local): reachable only inside a network.
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const LINK_LOCAL = blockList([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
// IANA special-purpose ranges no client on the Internet can come from: documentation (RFC 5737,
// RFC 3849, RFC 9637), benchmarking (RFC 2544), "this network" and the unspecified address,
// multicast, the reserved 240.0.0.0/4 (with the broadcast address) and the IPv6 discard prefix.
// Databases built from WHOIS data still place some of them (the embedded country file says AU for
// TEST-NET-2 and -3, JP for 2001:db8::/32): such an answer is never a fact about a client.
const RESERVED = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['3fff::', 20, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The address as the databases index it: an IPv4-mapped IPv6 address becomes its IPv4 address. */
export function normalizeAddress(address: string): string | undefined {
  const mapped = IPV4_MAPPED.exec(address);
  const plain = mapped === null ? address : mapped[1]!;
  return isIPv4(plain) || isIPv6(plain) ? plain : undefined;
}

/** The scope of a non-public address, or `undefined` for a public one (which the databases place). */
export function addressScope(address: string): AddressScope | undefined {
  const family = isIPv4(address) ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, family)) return 'loopback';
  if (PRIVATE.check(address, family)) return 'private';
  if (LINK_LOCAL.check(address, family)) return 'link_local';
  if (RESERVED.check(address, family)) return 'reserved';
  return undefined;
}
