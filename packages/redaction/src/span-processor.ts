import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { guard } from '@apitrail/core/internal';
import { newTally, type RedactionTally, type Redactor } from './redactor.js';
import { resourceRedactor } from './resource.js';
import { scopeRedactor } from './scope.js';
import { applyInPlace, redactSpanParts } from './span-parts.js';
import { summaryAttributes } from './summary.js';

export interface RedactingSpanProcessorOptions {
  /** Add `redaction.*` summary attributes to spans that had secrets. Default false. */
  summary?: boolean;
}

/**
 * Redacts spans in place: at `onStart` (so the start attributes, such as the server span's
 * `url.query`, are clean before any later processor sees them; samplers run earlier and do see
 * them raw) and again in `onEnding`, for everything set later (captured headers, events,
 * exceptions, a renamed span). Put it first among the span processors; `RedactingSpanExporter`
 * is the backstop for anything changed after `onEnding` or by processors that run before it.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  readonly #redactor: Redactor;
  readonly #tallies: WeakMap<Span, RedactionTally> | undefined;
  readonly #redactResource: ReturnType<typeof resourceRedactor>;
  readonly #redactScope: ReturnType<typeof scopeRedactor>;

  constructor(redactor: Redactor, options: RedactingSpanProcessorOptions = {}) {
    this.#redactor = redactor;
    this.#redactResource = resourceRedactor(redactor);
    this.#redactScope = scopeRedactor(redactor);
    this.#tallies = options.summary ? new WeakMap() : undefined;
  }

  onStart(span: Span): void {
    guard('redaction span processor', () => this.#redact(span, this.#tallyFor(span)), undefined);
  }

  onEnding(span: Span): void {
    guard(
      'redaction span processor',
      () => {
        const tally = this.#tallyFor(span);
        this.#redact(span, tally);
        if (tally !== undefined) span.setAttributes(summaryAttributes(tally));
      },
      undefined,
    );
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  #tallyFor(span: Span): RedactionTally | undefined {
    if (this.#tallies === undefined) return undefined;
    let tally = this.#tallies.get(span);
    if (tally === undefined) this.#tallies.set(span, (tally = newTally()));
    return tally;
  }

  #redact(span: Span, tally: RedactionTally | undefined): void {
    this.#redactResource(span.resource);
    this.#redactScope(span.instrumentationScope);
    const parts = redactSpanParts(span, this.#redactor, tally);
    if (!parts.changed) return;
    if (parts.name !== span.name) span.updateName(parts.name);
    applyInPlace(span.attributes, parts.attributes);
    // The SDK's arrays are mutable even where its types say readonly: replace entries, keep arrays.
    if (parts.events !== span.events) span.events.splice(0, span.events.length, ...parts.events);
    if (parts.links !== span.links) span.links.splice(0, span.links.length, ...parts.links);
    if (parts.status !== span.status) span.setStatus(parts.status);
  }
}
