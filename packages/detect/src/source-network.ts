import { isIPv6 } from 'node:net';
import { hashString } from './recent-distinct.js';

/**
 * The hash of what the multiple-source-IPs rule counts for a client address (`addressHash` is
 * `hashString(address)`): an IPv4 address as it is (that hash); an IPv6 address by its /64
 * network, since one host with privacy addresses (RFC 4941/8981) draws new interface ids within
 * its /64 every few hours or per connection, and counting each as a source made one client look
 * like a leaked key; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket
 * reports for an IPv4 client) as its IPv4 address. A zone (`%eth0`) is left out. Anything that is
 * not an IP address is counted as it is written. It runs for every audit record, so the /64 is
 * hashed from its four groups (FNV-1a over their eight bytes) rather than written out.
 */
export function sourceNetworkHash(address: string, addressHash: number): number {
  // IPv4 and most non-addresses: no colon, nothing to parse.
  if (!address.includes(':')) return addressHash;
  const zone = address.indexOf('%');
  const ip = zone < 0 ? address : address.slice(0, zone);
  if (!isIPv6(ip)) return addressHash;
  const groups = ipv6Groups(ip);
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    const high = groups[6]!;
    const low = groups[7]!;
    return hashString(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);
  }
  let hash = 0x811c9dc5;
  for (let group = 0; group < 4; group++) {
    hash = Math.imul(hash ^ (groups[group]! >> 8), 0x01000193);
    hash = Math.imul(hash ^ (groups[group]! & 0xff), 0x01000193);
  }
  return hash >>> 0;
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
