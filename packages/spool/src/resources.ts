import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * The resources of `records` a detector is still resolving, each once, or undefined for none. An
 * exporter that reads them early loses those attributes, and OpenTelemetry reports it on the app's
 * stderr: a batch of them waits ({@link resourcesSettled}), as the SDK's batch processors wait.
 */
export function pendingResources(records: readonly ReadableLogRecord[]): Resource[] | undefined {
  // A batch's records share a resource or two: each is looked at once.
  let pending: Set<Resource> | undefined;
  let last: Resource | undefined;
  for (const { resource } of records) {
    if (resource === last) continue;
    last = resource;
    if (resource.asyncAttributesPending === true) (pending ??= new Set()).add(resource);
  }
  return pending === undefined ? undefined : [...pending];
}

/** Settles once every resource of `pending` has its attributes, or its detector failed (they are then left out): never rejects. */
export function resourcesSettled(pending: readonly Resource[]): Promise<void> {
  return Promise.all(pending.map((resource) => resource.waitForAsyncAttributes?.())).then(
    () => undefined,
    () => undefined,
  );
}

/** The attributes `resource` knows now: those a detector is still resolving left out (at exit, which cannot wait). */
export function knownAttributes(resource: Resource): Attributes {
  if (resource.asyncAttributesPending !== true) return resource.attributes;
  const attributes: Attributes = {};
  for (const [key, value] of resource.getRawAttributes()) {
    if (value !== undefined && !(value instanceof Promise)) attributes[key] = value as Attributes[string];
  }
  return attributes;
}
