import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { Redactor } from './redactor.js';
import { applyInPlace } from './span-parts.js';

/** A raw resource attribute: a detector's value, or the promise of one it is still resolving. */
type RawAttribute = [string, AttributeValue | PromiseLike<AttributeValue | undefined> | undefined];

/** What the SDK's resource offers (structurally, so any Resource implementation fits). */
interface ResourceLike {
  readonly attributes: Attributes;
  readonly asyncAttributesPending?: boolean;
  getRawAttributes?(): RawAttribute[];
}

const isPromiseLike = (value: unknown): value is PromiseLike<AttributeValue | undefined> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/**
 * Redacts a resource's attributes (`process.command_args` can hold `--api-key=…`, and
 * OTEL_RESOURCE_ATTRIBUTES anything) once, in place: the resource is shared by every record.
 *
 * Settled, it memoizes its attributes, and those are redacted. Still waiting for a detector (no
 * exporter has waited for it yet), it builds its attributes afresh on every read from its raw list,
 * and so that list is redacted, in place: each value known now, and each value a detector is still
 * resolving as the SDK writes it back into the list (`waitForAsyncAttributes`, also a wait begun
 * before this redaction): those places keep an accessor that redacts what is written. The first export, which waits for the detectors before it
 * reads them, then sees only redacted values. A resource whose raw list is not its own (a copy) is
 * left for a record after it has settled.
 */
export function resourceRedactor(redactor: Redactor): (resource: ResourceLike) => void {
  const done = new WeakSet<ResourceLike>();
  /** An attribute as the attributes map would go: a key holding a secret masked, a value dropped (mode `drop`) gone. */
  const redactedEntries = (key: string, value: AttributeValue | undefined): RawAttribute[] =>
    value === undefined ? [[key, value]] : Object.entries(redactor.redactAttributes({ [key]: value }));

  function redactRaw(resource: ResourceLike): boolean {
    const raw = resource.getRawAttributes?.();
    // A resource that hands out a copy of its list would not take the redacted values.
    if (raw === undefined || resource.getRawAttributes?.() !== raw) return false;
    const known = raw.flatMap(([key, value]) =>
      isPromiseLike(value) ? [[key, value] as RawAttribute] : redactedEntries(key, value),
    );
    raw.splice(0, raw.length, ...known);
    raw.forEach((entry, index) => {
      if (!isPromiseLike(entry[1])) return;
      // The SDK writes the settled value here (`waitForAsyncAttributes`), also from a wait begun
      // before this redaction: redacted as it is written.
      let current = entry;
      Object.defineProperty(raw, index, {
        get: () => current,
        set: ([key, written]: RawAttribute) => {
          current = isPromiseLike(written) ? [key, written] : (redactedEntries(key, written)[0] ?? [key, undefined]);
        },
        enumerable: true,
        configurable: true,
      });
    });
    return true;
  }

  return (resource) => {
    if (done.has(resource)) return;
    if (resource.asyncAttributesPending === true) {
      if (redactRaw(resource)) done.add(resource);
      return;
    }
    applyInPlace(resource.attributes, redactor.redactAttributes(resource.attributes));
    done.add(resource);
  };
}
