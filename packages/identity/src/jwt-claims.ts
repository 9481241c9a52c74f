/** The `sub` and `iss` claims of a JWT, decoded without verifying it (verification is the app's job). */
export interface JwtClaims {
  readonly sub?: string;
  readonly iss?: string;
}

const MAX_CLAIM_LENGTH = 256;

function claim(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' && value.length <= MAX_CLAIM_LENGTH ? value : undefined;
}

/**
 * Reads the payload of a compact JWT. The token is NOT verified: these claims say who the client
 * claims to be, for the audit trail; a forged token yields forged claims, which is why taking them
 * as identity is opt-in (APITRAIL_JWT_IDENTITY_CLAIMS) and why the app's own `setIdentity()`
 * (after it verified the token) always wins.
 */
export function unverifiedJwtClaims(token: string): JwtClaims {
  const payloadPart = token.split('.')[1];
  if (payloadPart === undefined) return {};
  try {
    const payload: unknown = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return {};
    const sub = claim(payload as Record<string, unknown>, 'sub');
    const iss = claim(payload as Record<string, unknown>, 'iss');
    return { ...(sub === undefined ? {} : { sub }), ...(iss === undefined ? {} : { iss }) };
  } catch {
    return {};
  }
}
