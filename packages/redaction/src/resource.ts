import type { Attributes } from '@opentelemetry/api';
import type { Redactor } from './redactor.js';
import { applyInPlace } from './span-parts.js';

/** What the SDK's resource offers (structurally, so any Resource implementation fits). */
interface ResourceLike {
  readonly attributes: Attributes;
  readonly asyncAttributesPending?: boolean;
}

/**
 * Redacts a resource's attributes (`process.command_args` can hold `--api-key=…`) once, in place:
 * the resource is shared by every record and memoizes its attributes once its async detectors
 * have settled, so until then it is left for a later record to handle.
 */
export function resourceRedactor(redactor: Redactor): (resource: ResourceLike) => void {
  const done = new WeakSet<ResourceLike>();
  return (resource) => {
    if (done.has(resource) || resource.asyncAttributesPending === true) return;
    applyInPlace(resource.attributes, redactor.redactAttributes(resource.attributes));
    done.add(resource);
  };
}
