import type { RequestContext } from '@apitrail/core';

/** Why authentication failed, as far as apitrail can tell from the request alone. */
export type AuthFailureReason = 'missing_credentials' | 'unknown_api_key' | 'revoked_api_key' | 'expired_api_key';

interface Resolution {
  pending?: Promise<void>;
  failureReason?: AuthFailureReason;
}

// Bookkeeping between identity and http, not something app code or log processors should read: it
// hangs off the context under a symbol no other module holds (JSON and Object.entries skip symbol
// keys). Not in a WeakMap: one ephemeron per request costs ~0.5 µs of insertion and GC work.
const RESOLUTION = Symbol('apitrail.identity_resolution');

type WithResolution = RequestContext & { [RESOLUTION]?: Resolution };

function resolutionOf(requestContext: RequestContext): Resolution {
  return ((requestContext as WithResolution)[RESOLUTION] ??= {});
}

/** `pending` must not reject: the resolver's failures are handled where it is called. */
export function setPendingResolution(requestContext: RequestContext, pending: Promise<void>): void {
  resolutionOf(requestContext).pending = pending;
}

export function setAuthFailureReason(requestContext: RequestContext, reason: AuthFailureReason | undefined): void {
  if (reason === undefined) delete resolutionOf(requestContext).failureReason;
  else resolutionOf(requestContext).failureReason = reason;
}

export function authFailureReason(requestContext: RequestContext): AuthFailureReason | undefined {
  return (requestContext as WithResolution)[RESOLUTION]?.failureReason;
}

/** An async API key resolver was asked about this request: its records wait for {@link whenIdentityResolved}. */
export function resolvesAsynchronously(requestContext: RequestContext): boolean {
  return (requestContext as WithResolution)[RESOLUTION]?.pending !== undefined;
}

/**
 * Waits for an async API key resolution still running for this request, at most `timeoutMs`.
 * Resolves `true` when the identity is final, `false` when the wait timed out (the caller then
 * goes on with what is known: the fingerprint, or a registry match).
 */
export function whenIdentityResolved(requestContext: RequestContext, timeoutMs: number): Promise<boolean> {
  const pending = (requestContext as WithResolution)[RESOLUTION]?.pending;
  if (pending === undefined) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  return Promise.race([pending.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
