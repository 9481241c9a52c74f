import type { Attributes, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { RedactionTally, Redactor } from './redactor.js';

/** The text-bearing parts of a span after redaction; each is the original object when clean. */
export interface RedactedSpanParts {
  readonly name: string;
  readonly attributes: Attributes;
  readonly events: TimedEvent[];
  readonly links: Link[];
  readonly status: SpanStatus;
  /** Without its trace state when that holds a secret (see {@link withoutSecretTraceState}); the exporter's view only. */
  readonly spanContext: SpanContext;
  readonly changed: boolean;
}

/**
 * A span context whose W3C trace state (vendor `key=value` entries, also as a caller sent them)
 * holds a secret loses it whole: its entries have formats of their own, so there is no masking one
 * in place. Only what is exported changes; propagation to downstream services is the app's.
 */
function withoutSecretTraceState(context: SpanContext, redactor: Redactor): SpanContext {
  const { traceState } = context;
  if (traceState === undefined) return context;
  const serialized = traceState.serialize();
  return redactor.redactText(serialized) === serialized ? context : { ...context, traceState: undefined };
}

function redactList<T extends { attributes?: Attributes }>(items: T[], redact: (item: T) => T): T[] {
  let copy: T[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const redacted = redact(item);
    if (redacted !== item) (copy ??= [...items])[index] = redacted;
  }
  return copy ?? items;
}

/** Span name, attributes, events (exception messages and stacks included), links and status message. */
export function redactSpanParts(span: ReadableSpan, redactor: Redactor, tally?: RedactionTally): RedactedSpanParts {
  const name = redactor.redactText(span.name);
  const attributes = redactor.redactAttributes(span.attributes, tally);
  const events = redactList(span.events, (event) => {
    const eventName = redactor.redactText(event.name);
    const eventAttributes = event.attributes && redactor.redactAttributes(event.attributes, tally);
    return eventName === event.name && eventAttributes === event.attributes
      ? event
      : { ...event, name: eventName, attributes: eventAttributes };
  });
  const links = redactList(span.links, (link) => {
    const linkAttributes = link.attributes && redactor.redactAttributes(link.attributes, tally);
    const context = withoutSecretTraceState(link.context, redactor);
    return linkAttributes === link.attributes && context === link.context
      ? link
      : { ...link, context, attributes: linkAttributes };
  });
  const spanContext = withoutSecretTraceState(span.spanContext(), redactor);
  const message = span.status.message && redactor.redactText(span.status.message);
  const status = message === span.status.message ? span.status : { ...span.status, message };
  const changed =
    spanContext !== span.spanContext() ||
    name !== span.name ||
    attributes !== span.attributes ||
    events !== span.events ||
    links !== span.links ||
    status !== span.status;
  return { name, attributes, events, links, status, spanContext, changed };
}

/** Makes `target` equal to its redacted copy without replacing the object the SDK holds. */
export function applyInPlace(target: Attributes, redacted: Attributes): void {
  if (redacted === target) return;
  for (const key of Object.keys(target)) {
    if (!(key in redacted)) Reflect.deleteProperty(target, key);
    else if (target[key] !== redacted[key]) target[key] = redacted[key];
  }
  // A key that held a secret comes back masked, under a name the target does not have yet.
  for (const key of Object.keys(redacted)) if (!(key in target)) target[key] = redacted[key];
}
