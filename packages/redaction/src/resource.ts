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
 * resolving as it arrives. The SDK writes a settled value back into the list
 * (`waitForAsyncAttributes`, also one begun before this redaction), so those places keep an
 * accessor that redacts what is written. The first export, which waits for the detectors before it
 * reads them, then sees only redacted values. A resource whose raw list is not its own (a copy) is
 * left for a record after it has settled.
 */
export function resourceRedactor(redactor: Redactor): (resource: ResourceLike) => void {
  const done = new WeakSet<ResourceLike>();
  const redactOne = (key: string, value: AttributeValue | undefined): AttributeValue | undefined =>
    value === undefined ? undefined : redactor.redactAttributes({ [key]: value })[key];

  function redactRaw(resource: ResourceLike): boolean {
    const raw = resource.getRawAttributes?.();
    // A resource that hands out a copy of its list would not take the redacted values.
    if (raw === undefined || resource.getRawAttributes?.() !== raw) return false;
    const known = raw.flatMap(([key, value]): RawAttribute[] => {
      if (value === undefined || isPromiseLike(value)) return [[key, value]];
      // As the attributes map would go: a value redaction drops (APITRAIL_REDACTION_MODE=drop) leaves
      // the list, a key holding a secret comes back masked.
      return Object.entries(redactor.redactAttributes({ [key]: value }));
    });
    raw.splice(0, raw.length, ...known);
    raw.forEach(([key, value], index) => {
      if (!isPromiseLike(value)) return;
      const arriving = (promise: PromiseLike<AttributeValue | undefined>): RawAttribute => [
        key,
        Promise.resolve(promise).then((settled) => redactOne(key, settled)),
      ];
      let current = arriving(value);
      Object.defineProperty(raw, index, {
        get: () => current,
        set: ([, written]: RawAttribute) => {
          current = isPromiseLike(written) ? arriving(written) : [key, redactOne(key, written)];
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
