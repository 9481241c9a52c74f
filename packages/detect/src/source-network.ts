import { isIPv6 } from 'node:net';

/** The first character of the id of an IPv6 /64 (sourceNetwork), U+0000: no IPv4 address starts so. */
const NETWORK_ID_MARK = 0;

/**
 * The source a client address counts as, for every rule keyed or counted by source IP (the
 * per-IP bursts, credential stuffing, tenant enumeration, and the distinct sources of a key): an
 * IPv4 address as it is (the same string, so IPv4 costs one includes(':')); an IPv6 address by its
 * /64 network, since one host holds a whole /64 (privacy addresses, RFC 4941/8981, draw new
 * interface ids within it every few hours or per connection, and an attacker may use all 2^64 of
 * them): counted per address, a client rotating them stayed under every per-IP threshold and
 * looked like many clients to a key; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a
 * dual-stack socket reports for an IPv4 client) as its IPv4 address. A zone (`%eth0`) is left
 * out. Anything that is not an IP address is counted as it is written.
 *
 * It runs for every audit record, so an IPv6 /64 is identified by a five-character string (a mark,
 * then its four 16-bit groups as UTF-16 code units) rather than written out: an id to count and
 * compare, never shown (sourceNetworkName names it in an alert). A value that is no address and
 * starts with U+0000 could share it: neither a socket nor an HTTP header (which cannot hold NUL)
 * gives one.
 */
export function sourceNetwork(address: string): string {
  // IPv4 and most non-addresses: no colon, nothing to parse.
  if (!address.includes(':')) return address;
  const groups = parsedIpv6(address);
  if (groups === undefined) return address;
  if (isIpv4Mapped(groups)) return dottedQuad(groups);
  return String.fromCharCode(NETWORK_ID_MARK, groups[0]!, groups[1]!, groups[2]!, groups[3]!);
}

/**
 * How an alert names the source `address` was counted as, when that is not the address as written:
 * `2001:db8:1:2::/64` (RFC 5952 form) for IPv6, `a.b.c.d/32` for `::ffff:a.b.c.d`; undefined for
 * IPv4 and for a value that is no IP address. Only when a rule fires.
 */
export function sourceNetworkName(address: string): string | undefined {
  if (!address.includes(':')) return undefined;
  const groups = parsedIpv6(address);
  if (groups === undefined) return undefined;
  if (isIpv4Mapped(groups)) return `${dottedQuad(groups)}/32`;
  const prefix = Array.from(groups.subarray(0, 4), (group) => group.toString(16)).join(':');
  // The WHATWG URL serializer compresses the longest run of zero groups, as RFC 5952 does.
  return `${new URL(`http://[${prefix}:0:0:0:0]`).hostname.slice(1, -1)}/64`;
}

/** The eight groups of `address` when it is an IPv6 address (a zone left out), else undefined. */
function parsedIpv6(address: string): Uint16Array | undefined {
  const zone = address.indexOf('%');
  const ip = zone < 0 ? address : address.slice(0, zone);
  return isIPv6(ip) ? ipv6Groups(ip) : undefined;
}

function isIpv4Mapped(groups: Uint16Array): boolean {
  return (
    groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff
  );
}

function dottedQuad(groups: Uint16Array): string {
  const high = groups[6]!;
  const low = groups[7]!;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Reused by ipv6Groups: the groups read before `::` and after it. */
const headGroups = new Uint16Array(8);
const tailGroups = new Uint16Array(8);
const allGroups = new Uint16Array(8);

/**
 * The eight 16-bit groups of an address isIPv6 accepted (a trailing dotted IPv4 part is two groups),
 * in one pass without splitting: it runs for every audit record from an IPv6 client. The array is
 * reused by the next call.
 */
function ipv6Groups(ip: string): Uint16Array {
  let heads = 0;
  let tails = 0;
  let afterGap = false;
  let value = 0;
  let digits = 0;
  for (let index = 0; index <= ip.length; index++) {
    const code = index < ip.length ? ip.charCodeAt(index) : 0x3a; // a ':' after the end closes the last group
    if (code === 0x3a) {
      if (digits > 0) {
        if (afterGap) tailGroups[tails++] = value;
        else headGroups[heads++] = value;
      } else if (index + 1 < ip.length && ip.charCodeAt(index + 1) === 0x3a) {
        afterGap = true;
      } else if (index > 0 && ip.charCodeAt(index - 1) === 0x3a) {
        afterGap = true;
      }
      value = 0;
      digits = 0;
    } else if (code === 0x2e) {
      // A dotted IPv4 tail: this group so far was its first octet, in decimal.
      const octets = dottedTail(ip, index - digits);
      if (afterGap) {
        tailGroups[tails++] = octets >>> 16;
        tailGroups[tails++] = octets & 0xffff;
      } else {
        headGroups[heads++] = octets >>> 16;
        headGroups[heads++] = octets & 0xffff;
      }
      break;
    } else {
      value = value * 16 + (code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57);
      digits++;
    }
  }
  for (let group = 0; group < 8; group++) {
    allGroups[group] = group < heads ? headGroups[group]! : group >= 8 - tails ? tailGroups[group - 8 + tails]! : 0;
  }
  return allGroups;
}

/** The dotted IPv4 address from `start` to the end of `ip`, as a 32-bit number. */
function dottedTail(ip: string, start: number): number {
  let result = 0;
  let octet = 0;
  for (let index = start; index < ip.length; index++) {
    const code = ip.charCodeAt(index);
    if (code === 0x2e) {
      result = result * 256 + octet;
      octet = 0;
    } else octet = octet * 10 + code - 0x30;
  }
  return result * 256 + octet;
}
