import { isIPv6 } from 'node:net';

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
 * Whether a candidate without a colon (four dot-separated runs of one to three digits, as the
 * candidate pattern matched it) is an IPv4 address: every octet at most 255, none with a leading
 * zero (`net.isIPv4`'s rule). Checked here, not by `net`'s validating pattern: hostile text
 * (`1.1.` repeated) holds thousands of candidates.
 */
function isIpv4Candidate(candidate: string): boolean {
  let octet = 0;
  let digits = 0;
  for (let index = 0; index <= candidate.length; index++) {
    const code = index < candidate.length ? candidate.charCodeAt(index) : 46; /* . */
    if (code === 46) {
      if (digits === 0 || octet > 255) return false;
      octet = 0;
      digits = 0;
    } else {
      if (code < 48 || code > 57 || (digits === 1 && octet === 0)) return false;
      octet = octet * 10 + code - 48;
      digits++;
    }
  }
  return true;
}

/** IPv4 keeps its /24 (last octet zeroed), IPv6 its /48 (first three groups), as GA does. */
export function anonymizeIp(candidate: string): string {
  if (!candidate.includes(':')) {
    return isIpv4Candidate(candidate) ? `${candidate.slice(0, candidate.lastIndexOf('.'))}.0` : candidate;
  }
  // A group is empty only inside `::`: a colon that starts or ends the candidate alone is no address
  // (`:AA` repeated), dismissed before anything searches it.
  const last = candidate.length - 1;
  const colonAlone =
    (candidate.charCodeAt(0) === 58 /* : */ && candidate.charCodeAt(1) !== 58) ||
    (candidate.charCodeAt(last) === 58 && candidate.charCodeAt(last - 1) !== 58);
  if (colonAlone) return candidate;
  const doubleColon = candidate.indexOf('::');
  // At most one `::` (and no `:::`): hostile text of colons is dismissed before `net` runs.
  if (doubleColon !== candidate.lastIndexOf('::')) return candidate;
  if (doubleColon < 0) {
    // Without `::`, IPv6 has eight groups, or six and an IPv4 tail: most candidates in hostile text
    // (`b:a:`, `ff:ff:`) have too few colons and are dismissed before `net`'s validating pattern runs.
    let colons = 0;
    let thirdColon = -1;
    for (let index = 0; index < candidate.length; index++) {
      if (candidate.charCodeAt(index) === 58 /* : */ && ++colons === 3) thirdColon = index;
    }
    if (colons < 6) return candidate;
    // Eight non-empty groups, no dot: the candidate pattern allows only one to four hex digits in each,
    // so this is an address without asking `net` (hostile text repeats thousands of them).
    const eightGroups =
      colons === 7 &&
      candidate.charCodeAt(0) !== 58 &&
      candidate.charCodeAt(candidate.length - 1) !== 58 &&
      !candidate.includes('.');
    if (eightGroups) return `${candidate.slice(0, thirdColon)}::`;
  }
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
