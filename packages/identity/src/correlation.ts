import { randomFillSync } from 'node:crypto';

/** What an incoming correlation id must look like to be trusted: 1-128 of `[A-Za-z0-9._:-]`. */
const ACCEPTED_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEFAULT_CORRELATION_HEADERS: readonly string[] = ['x-request-id', 'x-correlation-id'];

export interface CorrelationDecision {
  readonly correlationId: string;
  /** Set when the client sent an id that failed validation; the value itself is never kept. */
  readonly rejectedLength?: number;
  /** Set when the refused id was well-formed but a credential (a token sent as `X-Request-ID`). */
  readonly rejectedAsCredential?: true;
}

/** Whether a string holds a credential; given by whoever knows the credential formats (redaction). */
export type CredentialCheck = (value: string) => boolean;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Accepts the first well-formed correlation id among `headerNames` (lowercase) that is no
 * credential; otherwise generates a UUIDv7, which sorts by time, so ids of one incident cluster in a
 * SIEM. A credential sent as a correlation id would be exported in every record of the request and
 * masked there, leaving the record impossible to correlate: it is refused like a malformed id.
 */
export function decideCorrelationId(
  headers: Headers,
  headerNames: readonly string[],
  isCredential?: CredentialCheck,
): CorrelationDecision {
  let rejectedLength: number | undefined;
  let rejectedAsCredential = false;
  for (const name of headerNames) {
    const value = headers[name];
    if (value === undefined) continue;
    const candidate = Array.isArray(value) ? value.join(',') : value;
    if (ACCEPTED_CORRELATION_ID.test(candidate)) {
      if (isCredential === undefined || !isCredential(candidate)) return { correlationId: candidate };
      rejectedAsCredential ||= rejectedLength === undefined;
    }
    rejectedLength ??= candidate.length;
  }
  const correlationId = uuidv7();
  if (rejectedLength === undefined) return { correlationId };
  return rejectedAsCredential
    ? { correlationId, rejectedLength, rejectedAsCredential }
    : { correlationId, rejectedLength };
}

const randomPool = Buffer.alloc(16 * 256);
let poolOffset = randomPool.length;

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, then 74 random bits. */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  // Written in place into the pool's next 16 bytes (each used once): no view, no BigInt per id.
  const start = poolOffset;
  poolOffset += 16;
  randomPool.writeUIntBE(now, start, 6);
  randomPool[start + 6] = (randomPool[start + 6]! & 0x0f) | 0x70;
  randomPool[start + 8] = (randomPool[start + 8]! & 0x3f) | 0x80;
  const hex = randomPool.toString('hex', start, start + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
