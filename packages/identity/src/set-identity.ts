import {
  getRequestContext,
  guard,
  truncate,
  type AuthenticationMethod,
  type RequestIdentity,
} from '@apitrail/core/internal';

/** What the app's own auth code knows about the caller. */
export interface IdentityAnnotation {
  apiKeyId?: string;
  apiKeyName?: string;
  tenantId?: string;
  userId?: string;
  authenticationMethod?: AuthenticationMethod;
}

const AUTHENTICATION_METHODS: ReadonlySet<string> = new Set(['api_key', 'jwt', 'basic', 'session', 'unauthenticated']);
export const MAX_IDENTITY_VALUE_LENGTH = 256;

/** A string field of the annotation, bounded; anything else the app passed is ignored. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? truncate(value, MAX_IDENTITY_VALUE_LENGTH) : undefined;
}

function annotated(current: RequestIdentity, annotation: IdentityAnnotation): RequestIdentity {
  const next: RequestIdentity = { ...current };
  const fields = ['apiKeyId', 'apiKeyName', 'tenantId', 'userId'] as const;
  for (const field of fields) {
    const value = text(annotation[field]);
    if (value !== undefined) next[field] = value;
  }
  // The app names the key after checking the whole secret: the registry's public-prefix match is no
  // longer a mere claim, and the detector counts the request under the key (and may quarantine it).
  if (text(annotation.apiKeyId) !== undefined) delete next.apiKeyPrefix;
  const method = annotation.authenticationMethod;
  if (method !== undefined && AUTHENTICATION_METHODS.has(method)) next.authenticationMethod = method;
  else if (text(annotation.apiKeyId) !== undefined) next.authenticationMethod = 'api_key';
  next.isApiKeyRequest = next.authenticationMethod === 'api_key';
  return next;
}

/**
 * Annotates the request being served with what the app's own authentication established. This
 * wins over everything apitrail inferred (a resolver answering later does not overwrite it), and
 * shows on the server span's end attributes, the audit record and every later log record.
 * Returns false when called outside a request (nothing to annotate).
 */
export function setIdentity(annotation: IdentityAnnotation): boolean {
  return guard(
    'setIdentity',
    () => {
      const requestContext = getRequestContext();
      if (requestContext === undefined) return false;
      requestContext.identity = annotated(requestContext.identity, annotation);
      requestContext.identitySource = 'app';
      return true;
    },
    false,
  );
}
