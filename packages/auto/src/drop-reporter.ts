import {
  createNoopMeter,
  diag,
  type Attributes,
  type Counter,
  type Meter,
  type MeterProvider,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, recordDropped } from '@apitrail/core/internal';

// The SDK batch processors' self-observability counters: a data point carrying `error.type` is a
// record that never reached the exporter's destination (queue full, or the export failed).
const PROCESSED_COUNTERS: ReadonlySet<string> = new Set([
  'otel.sdk.processor.log.processed',
  'otel.sdk.processor.span.processed',
]);

/**
 * Surfaces records the SDK's batch processors drop. On its own the log processor drops silently
 * when its queue is full, and the span processor only says so once the queue drains. Passed as the
 * processors' `selfObsMeterProvider`, this counts every loss in `droppedCounts()` (per
 * `signal/exporter`) and writes a diagnostic warning at the first loss, then at most one per
 * interval with the count since the last one, so an outage is visible without flooding stderr.
 */
export class DropReporter {
  /** `signal/exporter`, as in `logs/otlp`. */
  readonly channel: string;
  private readonly intervalMs: number;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(channel: string, intervalMs: number) {
    this.channel = channel;
    this.intervalMs = intervalMs;
  }

  add(count: number): void {
    recordDropped(this.channel, count);
    this.pending += count;
    // The first loss after a quiet interval is reported at once (the process may be about to
    // exit); later ones are summed until the interval ends.
    if (this.timer === undefined) this.report();
  }

  meterProvider(): MeterProvider {
    const noop = createNoopMeter();
    const counter: Counter = {
      add: (value: number, attributes?: Attributes) => {
        if (attributes?.[ATTR_ERROR_TYPE] !== undefined) this.add(value);
      },
    };
    const meter: Meter = Object.create(noop) as Meter;
    meter.createCounter = ((name, options) =>
      PROCESSED_COUNTERS.has(name) ? counter : noop.createCounter(name, options)) as Meter['createCounter'];
    return { getMeter: () => meter };
  }

  private report(): void {
    this.timer = undefined;
    if (this.pending === 0) return;
    diag.warn(
      `apitrail: ${this.pending} ${this.channel} records dropped (export queue full, export failed or refused by the receiver); ` +
        `further drops are summed every ${this.intervalMs} ms`,
    );
    this.pending = 0;
    this.timer = setTimeout(() => this.report(), this.intervalMs).unref();
  }
}
