import { isIPv4, isIPv6 } from 'node:net';

/** Runs of hex digits, dots and colons that may be an IP address; `net` decides. */
export const IP_CANDIDATE_SOURCE =
  '[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:[.][0-9]{1,3}){0,3}|\\b[0-9]{1,3}(?:[.][0-9]{1,3}){3}\\b';

/**
 * False when `text` cannot hold an IP candidate: every IPv6 one has two colons at most four hex
 * digits apart, every IPv4 one a digit, a dot and a digit. Both start with a character a scan finds
 * in one step, while the candidate pattern backtracks a little at every position of a hex run.
 */
export const mayHoldIpAddress = (text: string): boolean => /:[0-9A-Fa-f]{0,4}:|[0-9][.][0-9]/.test(text);

/**
 * Whether a candidate with colons has too few of them for IPv6 without `::` (eight groups, or six
 * and an IPv4 tail): most candidates in hostile text (`b:a:`, `ff:ff:`) are dismissed here, before
 * `net`'s validating pattern runs.
 */
function tooFewGroupsForIPv6(candidate: string): boolean {
  if (candidate.includes('::')) return false;
  let colons = 0;
  for (let index = 0; index < candidate.length; index++) if (candidate.charCodeAt(index) === 58 /* : */) colons++;
  return colons < 6;
}

/** IPv4 keeps its /24 (last octet zeroed), IPv6 its /48 (first three groups), as GA does. */
export function anonymizeIp(candidate: string): string {
  if (!candidate.includes(':')) {
    return isIPv4(candidate) ? `${candidate.slice(0, candidate.lastIndexOf('.'))}.0` : candidate;
  }
  if (tooFewGroupsForIPv6(candidate) || !isIPv6(candidate)) return candidate;
  const [head = '', tail] = candidate.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const tailGroups = tail === '' ? [] : tail.split(':');
    while (groups.length + tailGroups.length < 8) groups.push('0');
    groups.push(...tailGroups);
  }
  return `${groups.slice(0, 3).join(':')}::`;
}
