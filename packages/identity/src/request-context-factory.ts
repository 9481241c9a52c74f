import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  APITRAIL_EVENTS,
  UNAUTHENTICATED,
  setRequestContext,
  truncate,
  type RequestContext,
} from '@apitrail/core/internal';
import { CachedApiKeyResolver, type ApiKeyResolver } from './cached-api-key-resolver.js';
import { readIdentityConfig, type IdentityConfig } from './config.js';
import { DEFAULT_CORRELATION_HEADERS, decideCorrelationId, type CredentialCheck } from './correlation.js';
import { extractCredential, otherApiKeys, type PresentedCredential } from './credentials.js';
import { fingerprintOf, keyedDigest } from './fingerprint.js';
import { unverifiedJwtClaims } from './jwt-claims.js';
import { LruCache } from './lru-cache.js';
import { applyResolution, applyResolvedKey } from './resolved-key.js';
import { setAuthFailureReason } from './resolution-state.js';
import { emitSecurityEvent } from './security-events.js';
import { MAX_IDENTITY_VALUE_LENGTH } from './set-identity.js';
import { clientAddressOf } from './trusted-proxies.js';

export interface IdentityOptions {
  /** Incoming headers that may carry a correlation id, in order of preference. */
  correlationHeaders?: readonly string[];
  /** From {@link readIdentityConfig}; defaults to the defaults (no registry, random fingerprint key). */
  config?: IdentityConfig;
  resolveApiKey?: ApiKeyResolver;
  /** Resolver cache bounds: entries (default 10000) and time to live (default 60 s). */
  resolverCache?: { maxEntries?: number; ttlMs?: number };
  /**
   * Whether a correlation id is a credential (`@apitrail/auto` passes the redactor's verdict): such
   * an id is replaced by a generated one.
   */
  isCredential?: CredentialCheck;
}

/** Builds the {@link RequestContext} of an incoming request. Called once, when the request arrives. */
export type RequestContextFactory = (request: IncomingMessage) => RequestContext;

const IN_QUERY_WARNINGS_REMEMBERED = 10_000;
const DAY_MS = 86_400_000;

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : truncate(first.trim(), MAX_IDENTITY_VALUE_LENGTH);
}

/**
 * Builds a request's RequestContext: its correlation id, the presented credential resolved to an
 * identity (app resolver, key registry, or keyed fingerprint), the claimed tenant and the client address.
 */
export function createRequestContextFactory(options: IdentityOptions = {}): RequestContextFactory {
  const correlationHeaders = (options.correlationHeaders ?? DEFAULT_CORRELATION_HEADERS).map((h) => h.toLowerCase());
  const config = options.config ?? readIdentityConfig({});
  const appResolver =
    options.resolveApiKey === undefined
      ? undefined
      : new CachedApiKeyResolver(
          options.resolveApiKey,
          options.resolverCache?.maxEntries,
          options.resolverCache?.ttlMs,
        );
  const inQueryWarned = new LruCache<true>(IN_QUERY_WARNINGS_REMEMBERED, DAY_MS);
  const canTellUnknownKeys = appResolver !== undefined || config.keyRegistry !== undefined;

  function warnKeyInQueryOnce(requestContext: RequestContext, digest: string): void {
    if (inQueryWarned.get(digest) !== undefined) return;
    inQueryWarned.set(digest, true);
    emitSecurityEvent(
      APITRAIL_EVENTS.apiKeyInQuery,
      {
        reason: 'api_key_in_query',
        description: 'API key sent in the URL query string; URLs leak through proxies, logs and browser history',
      },
      setRequestContext(ROOT_CONTEXT, requestContext),
    );
  }

  function identifyApiKey(requestContext: RequestContext, secret: string, inQuery: boolean): void {
    const digest = keyedDigest(config.fingerprintMac, secret);
    requestContext.identity = {
      authenticationMethod: 'api_key',
      isApiKeyRequest: true,
      apiKeyFingerprint: fingerprintOf(digest),
      ...(inQuery ? { apiKeyInQuery: true } : {}),
    };
    requestContext.identitySource = 'fingerprint';
    const match = config.keyRegistry?.lookup(secret);
    if (match !== undefined) {
      applyResolvedKey(requestContext, match.key, 'registry');
      if (match.prefix !== undefined) requestContext.identity.apiKeyPrefix = match.prefix;
    }
    const known =
      (appResolver !== undefined && applyResolution(requestContext, appResolver.resolve(digest, secret))) ||
      match !== undefined;
    if (!known && canTellUnknownKeys) setAuthFailureReason(requestContext, 'unknown_api_key');
    if (inQuery) warnKeyInQueryOnce(requestContext, digest);
  }

  function identify(requestContext: RequestContext, credential: PresentedCredential | undefined): void {
    switch (credential?.kind) {
      case undefined:
        setAuthFailureReason(requestContext, 'missing_credentials');
        return;
      case 'basic':
        requestContext.identity = {
          authenticationMethod: 'basic',
          isApiKeyRequest: false,
          userId: truncate(credential.userName, MAX_IDENTITY_VALUE_LENGTH),
        };
        requestContext.identitySource = 'basic';
        return;
      case 'jwt': {
        const claims = unverifiedJwtClaims(credential.token);
        const useSub = config.jwtIdentityClaims.includes('sub') && claims.sub !== undefined;
        const useIss = config.jwtIdentityClaims.includes('iss') && claims.iss !== undefined;
        requestContext.identity = {
          authenticationMethod: 'jwt',
          isApiKeyRequest: false,
          ...(useSub ? { userId: claims.sub } : {}),
          ...(useIss ? { jwtIssuer: claims.iss } : {}),
        };
        requestContext.identitySource = 'jwt';
        return;
      }
      case 'api_key':
        identifyApiKey(requestContext, credential.secret, credential.inQuery);
        return;
    }
  }

  return (request) => {
    const correlation = decideCorrelationId(request.headers, correlationHeaders, options.isCredential);
    const clientAddress = clientAddressOf(request, config.trustedProxies);
    const requestContext: RequestContext = {
      correlationId: correlation.correlationId,
      ...(correlation.rejectedLength === undefined ? {} : { rejectedCorrelationIdLength: correlation.rejectedLength }),
      ...(correlation.rejectedAsCredential ? { correlationIdWasCredential: true } : {}),
      ...(clientAddress === undefined ? {} : { clientAddress }),
      identity: { ...UNAUTHENTICATED },
    };
    const credential = extractCredential(request, config);
    identify(requestContext, credential);
    const others = otherApiKeys(request, config, credential);
    if (others.length > 0) {
      // Named like the identity (registry id, keyed fingerprint), never kept as secrets.
      requestContext.otherApiKeys = others.map((secret) => {
        const match = config.keyRegistry?.lookup(secret);
        const apiKeyFingerprint = fingerprintOf(keyedDigest(config.fingerprintMac, secret));
        return match === undefined ? { apiKeyFingerprint } : { apiKeyId: match.key.id, apiKeyFingerprint };
      });
    }
    const tenantHeader = headerValue(request, config.tenantHeader);
    if (tenantHeader !== undefined) {
      if (config.trustTenantHeader) requestContext.identity.tenantId ??= tenantHeader;
      else requestContext.claimedTenantId = tenantHeader;
    }
    return requestContext;
  };
}
