import { unwatchFile, watchFile } from 'node:fs';
import { diag } from '@opentelemetry/api';
import {
  ATTR_AUTH_TOKEN_ACTOR,
  ATTR_AUTH_TOKEN_CHANGE,
  ATTR_AUTH_TOKEN_ID,
  ATTR_AUTH_TOKEN_REPLACED_BY,
  OWASP_EVENTS,
} from '@apitrail/core/internal';
import { loadKeyRegistry, type KeyRegistry, type RegistryMatch, type ResolvedApiKey } from './key-registry.js';
import type { SecurityEventName } from './security-event-catalog.js';
import { emitSecurityEvent, type SecurityEventParams } from './security-events.js';

/** One change in a key's life, as the app (or the registry file) records it. */
export interface KeyLifecycleParams extends SecurityEventParams {
  /** The key's id (never the key). */
  keyId: string;
  /** Who made the change: an operator, a service account, `registry-file`. */
  actor?: string;
}

export interface KeyRotationParams extends KeyLifecycleParams {
  /** The id of the key that replaces `keyId`. */
  replacedBy: string;
}

export type KeyChange = 'created' | 'rotated' | 'revoked' | 'expired' | 'deleted';

function emitChange(
  name: SecurityEventName,
  change: KeyChange,
  params: KeyLifecycleParams,
  replacedBy?: string,
  defaultReason?: string,
): void {
  const reason = params.reason ?? defaultReason;
  emitSecurityEvent(name, {
    ...params,
    ...(reason === undefined ? {} : { reason }),
    attributes: {
      ...params.attributes,
      [ATTR_AUTH_TOKEN_ID]: params.keyId,
      [ATTR_AUTH_TOKEN_CHANGE]: change,
      ...(params.actor === undefined ? {} : { [ATTR_AUTH_TOKEN_ACTOR]: params.actor }),
      ...(replacedBy === undefined ? {} : { [ATTR_AUTH_TOKEN_REPLACED_BY]: replacedBy }),
    },
  });
}

/**
 * The key lifecycle audit: one OWASP event per change, with `auth.token.id`, `auth.token.change`,
 * the actor and the reason. A rotation and an expiry end the old key's life, so they are
 * `authn_token_revoked` events too (`auth.token.change` tells them apart); the key that replaces a
 * rotated one gets its own `created()`.
 */
export const keyLifecycle = {
  created: (params: KeyLifecycleParams): void => emitChange(OWASP_EVENTS.authnTokenCreated, 'created', params),
  rotated: (params: KeyRotationParams): void =>
    emitChange(OWASP_EVENTS.authnTokenRevoked, 'rotated', params, params.replacedBy, 'rotated'),
  revoked: (params: KeyLifecycleParams): void => emitChange(OWASP_EVENTS.authnTokenRevoked, 'revoked', params),
  expired: (params: KeyLifecycleParams): void =>
    emitChange(OWASP_EVENTS.authnTokenRevoked, 'expired', params, undefined, 'expired'),
  deleted: (params: KeyLifecycleParams): void => emitChange(OWASP_EVENTS.authnTokenDelete, 'deleted', params),
} as const;

/** The actor of changes read from the registry file when the entry names none. */
export const REGISTRY_FILE_ACTOR = 'registry-file';

function withOptional(params: KeyLifecycleParams, reason: string | undefined): KeyLifecycleParams {
  return reason === undefined ? params : { ...params, reason };
}

/**
 * The lifecycle events between two versions of the registry: entries that appeared (`created`),
 * entries whose `revoked_at` appeared or moved (`rotated` when `rotated_to` names a successor,
 * else `revoked`), and entries that disappeared (`deleted`). Actor and reason come from the entry.
 */
export function emitRegistryChanges(before: KeyRegistry, after: KeyRegistry): void {
  const previous = new Map(before.keys.map((key) => [key.id, key]));
  const current = new Set<string>();
  for (const key of after.keys) {
    current.add(key.id);
    const old = previous.get(key.id);
    const lifecycle = key.lifecycle ?? {};
    if (old === undefined) {
      keyLifecycle.created({ keyId: key.id, actor: lifecycle.createdBy ?? REGISTRY_FILE_ACTOR });
    }
    if (key.revokedAt !== undefined && key.revokedAt.getTime() !== old?.revokedAt?.getTime()) {
      const params = withOptional(
        { keyId: key.id, actor: lifecycle.revokedBy ?? REGISTRY_FILE_ACTOR },
        lifecycle.revocationReason,
      );
      if (lifecycle.rotatedTo === undefined) keyLifecycle.revoked(params);
      else keyLifecycle.rotated({ ...params, replacedBy: lifecycle.rotatedTo });
    }
  }
  for (const id of previous.keys()) {
    if (!current.has(id)) keyLifecycle.deleted({ keyId: id, actor: REGISTRY_FILE_ACTOR });
  }
}

/**
 * A registry read from a file and read again when the file changes (polled, so it works on every
 * file system and never keeps the process alive). A file that no longer parses is reported and
 * the previous registry stays in force: an operator's typo must not un-revoke every key.
 */
export class KeyRegistryFile implements KeyRegistry {
  private current: KeyRegistry;

  constructor(
    private readonly setting: string,
    readonly path: string,
  ) {
    this.current = loadKeyRegistry(setting, path);
  }

  get size(): number {
    return this.current.size;
  }

  get keys(): readonly ResolvedApiKey[] {
    return this.current.keys;
  }

  lookup(presentedKey: string): RegistryMatch | undefined {
    return this.current.lookup(presentedKey);
  }

  /** Reads the file again and emits the lifecycle events of what changed; false when it could not be read. */
  reload(): boolean {
    let next: KeyRegistry;
    try {
      next = loadKeyRegistry(this.setting, this.path);
    } catch (error) {
      diag.error(`apitrail: ${(error as Error).message}; keeping the previous key registry`);
      return false;
    }
    const before = this.current;
    this.current = next;
    emitRegistryChanges(before, next);
    return true;
  }

  /** Polls the file every `intervalMs`; returns the function that stops watching. */
  watch(intervalMs = 1000): () => void {
    const listener = (now: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
      if (now.mtimeMs !== previous.mtimeMs) this.reload();
    };
    watchFile(this.path, { interval: intervalMs, persistent: false }, listener);
    return () => unwatchFile(this.path, listener);
  }
}
