import { isIPv4, isIPv6 } from 'node:net';

/** Runs of hex digits, dots and colons that may be an IP address; `net` decides. */
export const IP_CANDIDATE_SOURCE =
  '[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:[.][0-9]{1,3}){0,3}|\\b[0-9]{1,3}(?:[.][0-9]{1,3}){3}\\b';

/** IPv4 keeps its /24 (last octet zeroed), IPv6 its /48 (first three groups), as GA does. */
export function anonymizeIp(candidate: string): string {
  if (isIPv4(candidate)) return `${candidate.slice(0, candidate.lastIndexOf('.'))}.0`;
  if (!isIPv6(candidate)) return candidate;
  const [head = '', tail] = candidate.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const tailGroups = tail === '' ? [] : tail.split(':');
    while (groups.length + tailGroups.length < 8) groups.push('0');
    groups.push(...tailGroups);
  }
  return `${groups.slice(0, 3).join(':')}::`;
}
