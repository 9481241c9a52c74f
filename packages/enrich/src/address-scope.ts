import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Where an address lives when it is not on the public Internet. */
export type AddressScope = 'loopback' | 'private' | 'link_local';

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
  return undefined;
}
