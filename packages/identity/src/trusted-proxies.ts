import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { ApitrailConfigError } from '@apitrail/core';

/**
 * Which peers may tell apitrail the client's address: a list of CIDRs (a peer inside one of them
 * is a proxy whose `X-Forwarded-For` / `Forwarded` entries are believed), or a fixed number of
 * proxy hops in front of the app. With neither, forwarding headers are ignored entirely.
 */
export type TrustedProxies =
  | { readonly kind: 'none' }
  | { readonly kind: 'cidrs'; readonly list: BlockList }
  | { readonly kind: 'hops'; readonly count: number };

const MAX_HOPS = 32;

function ipFamily(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

export function parseTrustedProxies(setting: string, value: string | undefined): TrustedProxies {
  if (value === undefined) return { kind: 'none' };
  if (/^\d+$/.test(value)) {
    const count = Number(value);
    if (count < 1 || count > MAX_HOPS) {
      throw new ApitrailConfigError(setting, `a hop count must be in [1, ${MAX_HOPS}], got ${JSON.stringify(value)}`);
    }
    return { kind: 'hops', count };
  }
  const list = new BlockList();
  for (const item of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const [address = '', prefixText, extra] = item.split('/');
    const family = ipFamily(address);
    const maxPrefix = family === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (family === undefined || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      throw new ApitrailConfigError(
        setting,
        `expected comma-separated CIDRs (10.0.0.0/8) or a hop count, got ${JSON.stringify(item)}`,
      );
    }
    list.addSubnet(address, prefix, family);
  }
  return { kind: 'cidrs', list };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** An address from a forwarding header, without port or brackets; undefined if it is not an IP. */
function forwardedAddress(token: string): string | undefined {
  let value = token.trim().replace(/^"|"$/g, '');
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']'));
  else if (value.split(':').length === 2) value = value.slice(0, value.indexOf(':'));
  return isIP(value) === 0 ? undefined : normalize(value);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The hop chains the proxies reported, nearest client first: one per forwarding header present
 * (`Forwarded`, `X-Forwarded-For`). Both are kept because a proxy writes one of them and passes the
 * other through from the client unchanged: preferring either would let a client behind a proxy of
 * the other kind name its own address.
 */
function forwardedChains(request: IncomingMessage): (string | undefined)[][] {
  const chains: (string | undefined)[][] = [];
  const forwarded = header(request, 'forwarded');
  if (forwarded !== undefined) {
    chains.push(
      forwarded.split(',').map((element) => {
        const pair = element.split(';').find((part) => part.trim().toLowerCase().startsWith('for='));
        return pair === undefined ? undefined : forwardedAddress(pair.trim().slice(4));
      }),
    );
  }
  const forwardedFor = header(request, 'x-forwarded-for');
  if (forwardedFor !== undefined) {
    chains.push(
      forwardedFor
        .split(',')
        .filter((hop) => hop.trim() !== '')
        .map(forwardedAddress),
    );
  }
  return chains;
}

/**
 * The address `distance` hops out from the app (1: what the nearest proxy saw), or undefined
 * unless every chain reports that same address there: apitrail cannot tell which header the proxy
 * wrote, so a hop counts only when the client-written header (if any) agrees with it.
 */
function reportedHop(chains: readonly (readonly (string | undefined)[])[], distance: number): string | undefined {
  let agreed: string | undefined;
  for (const chain of chains) {
    const hop = chain[chain.length - distance];
    if (hop === undefined || (agreed !== undefined && hop !== agreed)) return undefined;
    agreed = hop;
  }
  return agreed;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = ipFamily(address);
  return family !== undefined && list.check(address, family);
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy; then the chain in
 * the forwarding header is walked from the nearest hop outwards, past every trusted proxy, and
 * the first untrusted hop is the client. A malformed hop stops the walk at the last address that
 * a trusted party vouched for, so a spoofed or garbled header can never pick the address; so does
 * a hop on which `Forwarded` and `X-Forwarded-For` disagree (the client sent the one the proxy
 * does not write), which leaves the proxy's own address rather than the client's choice.
 */
export function clientAddressOf(request: IncomingMessage, proxies: TrustedProxies): string | undefined {
  const peer = request.socket.remoteAddress === undefined ? undefined : normalize(request.socket.remoteAddress);
  if (peer === undefined || proxies.kind === 'none') return peer;
  const chains = forwardedChains(request);
  if (proxies.kind === 'hops') {
    let hop: string | undefined;
    for (let distance = 1; distance <= proxies.count; distance++) {
      hop = reportedHop(chains, distance);
      if (hop === undefined) return peer;
    }
    return hop ?? peer;
  }
  let client = peer;
  for (let distance = 1; isTrusted(proxies.list, client); distance++) {
    const hop = reportedHop(chains, distance);
    if (hop === undefined) break;
    client = hop;
  }
  return client;
}
