import { randomFillSync } from 'node:crypto';

/** What an incoming correlation id must look like to be trusted: 1-128 of `[A-Za-z0-9._:-]`. */
const ACCEPTED_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEFAULT_CORRELATION_HEADERS: readonly string[] = ['x-request-id', 'x-correlation-id'];

export interface CorrelationDecision {
  readonly correlationId: string;
  /** Set when the client sent an id that failed validation; the value itself is never kept. */
  readonly rejectedLength?: number;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Accepts the first well-formed correlation id among `headerNames` (lowercase); otherwise
 * generates a UUIDv7, which sorts by time, so ids of one incident cluster in a SIEM.
 */
export function decideCorrelationId(headers: Headers, headerNames: readonly string[]): CorrelationDecision {
  let rejectedLength: number | undefined;
  for (const name of headerNames) {
    const value = headers[name];
    if (value === undefined) continue;
    const candidate = Array.isArray(value) ? value.join(',') : value;
    if (ACCEPTED_CORRELATION_ID.test(candidate)) return { correlationId: candidate };
    rejectedLength ??= candidate.length;
  }
  const correlationId = uuidv7();
  return rejectedLength === undefined ? { correlationId } : { correlationId, rejectedLength };
}

const randomPool = Buffer.alloc(16 * 256);
let poolOffset = randomPool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, then 74 random bits. */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const bytes = randomPool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  const millis = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((millis >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) {
    hex += HEX[bytes[i]!];
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
  }
  return hex;
}
