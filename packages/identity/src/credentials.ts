import type { IncomingMessage } from 'node:http';

/**
 * What the client presented, read once from the request. `secret` is the raw credential: it lives
 * only as long as the lookup that consumes it, and no other module keeps a reference to it.
 */
export type PresentedCredential =
  | { readonly kind: 'api_key'; readonly secret: string; readonly inQuery: boolean }
  | { readonly kind: 'jwt'; readonly token: string }
  | { readonly kind: 'basic'; readonly userName: string };

const KEY_SCHEMES = new Set(['bearer', 'token', 'apikey', 'api-key']);
/** Three base64url segments, the first two a JSON object (`eyJ` is base64 for `{"`). */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]{1,8192}\.eyJ[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{0,8192}$/;
/** Longer credentials are refused unread: nothing legitimate is that long, and hashing it costs. */
const MAX_CREDENTIAL_LENGTH = 16384;

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function fromAuthorization(value: string): PresentedCredential | undefined {
  const space = value.indexOf(' ');
  if (space <= 0) return undefined;
  const scheme = value.slice(0, space).toLowerCase();
  const credential = value.slice(space + 1).trim();
  if (credential === '') return undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // The password (after the colon) is dropped here, before anything else sees the credential.
    const userName = colon === -1 ? decoded : decoded.slice(0, colon);
    return userName === '' ? undefined : { kind: 'basic', userName };
  }
  if (!KEY_SCHEMES.has(scheme)) return undefined;
  if (scheme === 'bearer' && JWT_SHAPE.test(credential)) return { kind: 'jwt', token: credential };
  return { kind: 'api_key', secret: credential, inQuery: false };
}

function fromQuery(url: string, parameter: string): string | undefined {
  const mark = url.indexOf('?');
  if (mark === -1) return undefined;
  const value = new URLSearchParams(url.slice(mark + 1)).get(parameter);
  return value === null || value === '' ? undefined : value;
}

export interface CredentialSources {
  readonly apiKeyHeaders: readonly string[];
  readonly apiKeyQueryParam?: string;
}

/**
 * The credential the request carries, looked for in `Authorization` (`Bearer`, `Token`, `ApiKey`,
 * `Api-Key`, `Basic`), then the API key headers, then (only when configured) the query parameter.
 */
export function extractCredential(
  request: IncomingMessage,
  sources: CredentialSources,
): PresentedCredential | undefined {
  const credential = findCredential(request, sources);
  if (credential === undefined) return undefined;
  const length =
    credential.kind === 'api_key' ? credential.secret.length : credential.kind === 'jwt' ? credential.token.length : 0;
  return length > MAX_CREDENTIAL_LENGTH ? undefined : credential;
}

/**
 * Every API key the request carries, wherever it is (`Authorization`, each API key header, the query
 * parameter when configured), except `primary`'s: what the quarantine gate must also check, since
 * the app may read its key from any of them while the identity names another credential.
 */
export function otherApiKeys(
  request: IncomingMessage,
  sources: CredentialSources,
  primary: PresentedCredential | undefined,
): readonly string[] {
  // Nearly every request carries one key or none: no array is made for it.
  const skip = primary?.kind === 'api_key' ? primary.secret : undefined;
  let found: string[] | undefined;
  const authorization = firstValue(request.headers.authorization)?.trim();
  const fromHeader = authorization === undefined ? undefined : fromAuthorization(authorization);
  if (fromHeader?.kind === 'api_key') found = withOther(found, fromHeader.secret, skip);
  for (const name of sources.apiKeyHeaders) {
    const value = firstValue(request.headers[name])?.trim();
    if (value) found = withOther(found, value, skip);
  }
  if (sources.apiKeyQueryParam !== undefined) {
    const inQuery = fromQuery(request.url ?? '/', sources.apiKeyQueryParam);
    if (inQuery !== undefined) found = withOther(found, inQuery, skip);
  }
  return found ?? NO_OTHER_KEYS;
}

const NO_OTHER_KEYS: readonly string[] = [];

/** `found` with `secret` added, unless it is the primary key's, already there, or too long to be one. */
function withOther(found: string[] | undefined, secret: string, skip: string | undefined): string[] | undefined {
  if (secret === skip || secret.length > MAX_CREDENTIAL_LENGTH || found?.includes(secret)) return found;
  (found ??= []).push(secret);
  return found;
}

function findCredential(request: IncomingMessage, sources: CredentialSources): PresentedCredential | undefined {
  const authorization = firstValue(request.headers.authorization);
  const fromHeader = authorization === undefined ? undefined : fromAuthorization(authorization.trim());
  if (fromHeader !== undefined) return fromHeader;
  for (const name of sources.apiKeyHeaders) {
    const value = firstValue(request.headers[name])?.trim();
    if (value) return { kind: 'api_key', secret: value, inQuery: false };
  }
  if (sources.apiKeyQueryParam === undefined) return undefined;
  const inQuery = fromQuery(request.url ?? '/', sources.apiKeyQueryParam);
  return inQuery === undefined ? undefined : { kind: 'api_key', secret: inQuery, inQuery: true };
}
