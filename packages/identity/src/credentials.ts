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
/** The base64 of the longest credential, with a byte of separator: longer ones are not decoded. */
const MAX_BASIC_LENGTH = Math.ceil((MAX_CREDENTIAL_LENGTH + 1) / 3) * 4;

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What API key header `name` holds: one key, or the lines it was sent on. node:http joins a header
 * sent on several lines into one value ("<a>, <b>"), and an app reading `headersDistinct` (or
 * splitting on commas) takes the first line's key. Nearly every request sends one line with no
 * comma: that value is the answer, and only a value with a comma is looked up line by line (no
 * array or closure is made otherwise).
 */
function headerKeys(request: IncomingMessage, name: string): string | readonly string[] | undefined {
  const value = firstValue(request.headers[name])?.trim();
  if (!value) return undefined;
  if (!value.includes(',')) return value;
  const lines = request.headersDistinct?.[name];
  return lines !== undefined && lines.length > 1 ? lines : value;
}

/** The first key of API key header `name` (its first non-empty line), see {@link headerKeys}. */
function firstHeaderKey(request: IncomingMessage, name: string): string | undefined {
  const keys = headerKeys(request, name);
  if (keys === undefined || typeof keys === 'string') return keys;
  for (const line of keys) {
    const key = line.trim();
    if (key !== '') return key;
  }
  return undefined;
}

function fromAuthorization(value: string): PresentedCredential | undefined {
  const space = value.indexOf(' ');
  if (space <= 0) return undefined;
  const scheme = value.slice(0, space).toLowerCase();
  const credential = value.slice(space + 1).trim();
  if (credential === '') return undefined;
  if (scheme === 'basic') return fromBasic(credential);
  if (!KEY_SCHEMES.has(scheme)) return undefined;
  if (scheme === 'bearer' && JWT_SHAPE.test(credential)) return { kind: 'jwt', token: credential };
  return { kind: 'api_key', secret: credential, inQuery: false };
}

/** RFC 7617's token68 as base64 (padding optional): what a client encodes `user:password` with. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
/** C0 and C1 controls and DEL: never in a user name a client typed. */
const CONTROL = /\p{Cc}/u;

/**
 * A Basic credential: a user name (the password is dropped here, before anything else sees it), or
 * an API key when no password comes with it. Many APIs take their key as the user name with an
 * empty password (`curl -u <key>:`), and clients send the key base64-encoded without a colon: that
 * user name is the secret, identified as a key (registry, resolver, fingerprint), never recorded as
 * `user.id`. An empty user name is no credential (the password is not read). A value that is not
 * base64 of UTF-8 text (a bare key after `Basic`) is none either: decoding it leniently would put
 * bytes of the key in `user.id`.
 */
function fromBasic(credential: string): PresentedCredential | undefined {
  if (credential.length > MAX_BASIC_LENGTH || !BASE64.test(credential)) return undefined;
  let decoded: string;
  try {
    decoded = STRICT_UTF8.decode(Buffer.from(credential, 'base64'));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  const userName = colon === -1 ? decoded : decoded.slice(0, colon);
  if (userName === '') return undefined;
  if (colon === -1 || colon === decoded.length - 1) return { kind: 'api_key', secret: userName, inQuery: false };
  return CONTROL.test(userName) ? undefined : { kind: 'basic', userName };
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
 * `Api-Key`, `Basic`: a user name, or a key when one half is empty), then the API key headers, then
 * (only when configured) the query parameter.
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
    const keys = headerKeys(request, name);
    if (typeof keys === 'string') found = withOther(found, keys, skip);
    else if (keys !== undefined) {
      for (const line of keys) if (line.trim() !== '') found = withOther(found, line.trim(), skip);
    }
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
    const key = firstHeaderKey(request, name);
    if (key !== undefined) return { kind: 'api_key', secret: key, inQuery: false };
  }
  if (sources.apiKeyQueryParam === undefined) return undefined;
  const inQuery = fromQuery(request.url ?? '/', sources.apiKeyQueryParam);
  return inQuery === undefined ? undefined : { kind: 'api_key', secret: inQuery, inQuery: true };
}
