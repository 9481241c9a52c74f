import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { guard } from '@apitrail/core/internal';
import type { Redactor } from './redactor.js';
import { resourceRedactor } from './resource.js';
import { scopeRedactor } from './scope.js';
import { redactSpanParts } from './span-parts.js';

function redactedView(span: ReadableSpan, redactor: Redactor): ReadableSpan {
  const parts = redactSpanParts(span, redactor);
  if (!parts.changed) return span;
  return {
    name: parts.name,
    kind: span.kind,
    spanContext: () => parts.spanContext,
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: parts.status,
    attributes: parts.attributes,
    links: parts.links,
    events: parts.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * The backstop: wraps an exporter and redacts every span once more on its way out, catching
 * anything set after `onEnding` or by processors that ran before `RedactingSpanProcessor`. Fails
 * closed: if redaction itself fails, the batch is reported failed rather than sent unredacted.
 */
export class RedactingSpanExporter implements SpanExporter {
  readonly #exporter: SpanExporter;
  readonly #redactor: Redactor;
  readonly #redactResource: ReturnType<typeof resourceRedactor>;
  readonly #redactScope: ReturnType<typeof scopeRedactor>;

  constructor(exporter: SpanExporter, redactor: Redactor) {
    this.#exporter = exporter;
    this.#redactor = redactor;
    this.#redactResource = resourceRedactor(redactor);
    this.#redactScope = scopeRedactor(redactor);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const redacted = guard(
      'redacting span exporter',
      () =>
        spans.map((span) => {
          this.#redactResource(span.resource);
          this.#redactScope(span.instrumentationScope);
          return redactedView(span, this.#redactor);
        }),
      undefined,
    );
    if (redacted === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('apitrail: span redaction failed') });
      return;
    }
    this.#exporter.export(redacted, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.#exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#exporter.forceFlush?.() ?? Promise.resolve();
  }
}
