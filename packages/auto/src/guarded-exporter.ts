import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { recordFault } from '@apitrail/core/internal';
import type { DropReporter } from './drop-reporter.js';
import type { ExportFailureReporter } from './export-failures.js';

interface Exporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

type Callback = (result: ExportResult) => void;

const FAILED_ONE_BY_ONE = 'some items could not be exported';

/**
 * Exporters can throw synchronously from `export`: the OTLP serializer overflows its stack on a
 * log body with a cycle, say. From the SDK's batch span processor that throw escapes as an
 * unhandled rejection and takes the host process down; from the log processor it silently costs
 * the whole batch, audit records included. This wrapper reports the fault once, then exports the
 * batch item by item, so only the items that cannot be exported are lost, and counted as dropped.
 * It also tells `failures` how each export ended, before the caller hears of it (the result is
 * passed on unchanged).
 */
class GuardedExporter<T> implements Exporter<T> {
  private readonly inner: Exporter<T>;
  private readonly drops: DropReporter;
  private readonly failures: ExportFailureReporter | undefined;
  /** Items handed to the exporter whose export has not answered yet. */
  private pending = 0;

  constructor(inner: Exporter<T>, drops: DropReporter, failures: ExportFailureReporter | undefined) {
    this.inner = inner;
    this.drops = drops;
    this.failures = failures;
  }

  /** Items handed to the exporter whose export has not answered yet: lost if the process ends now. */
  inFlight(): number {
    return this.pending;
  }

  export(items: T[], resultCallback: Callback): void {
    const failures = this.failures;
    this.pending += items.length;
    let answered = false;
    const done: Callback = (result) => {
      if (!answered) {
        answered = true;
        this.pending -= items.length;
      }
      if (failures !== undefined) {
        try {
          if (result.code === ExportResultCode.SUCCESS) failures.succeeded();
          else failures.failed(result.error);
        } catch {
          // Reporting must not cost the result.
        }
      }
      resultCallback(result);
    };
    try {
      this.inner.export(items, done);
    } catch (error) {
      recordFault(`${this.drops.channel} exporter`, error);
      this.exportOneByOne(items, done);
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private exportOneByOne(items: T[], resultCallback: Callback): void {
    let pending = items.length;
    let failure: Error | undefined;
    const settle = (result: ExportResult): void => {
      if (result.code !== ExportResultCode.SUCCESS) failure ??= result.error ?? new Error(FAILED_ONE_BY_ONE);
      pending -= 1;
      if (pending === 0) {
        resultCallback(
          failure === undefined
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: failure },
        );
      }
    };
    for (const item of items) {
      try {
        this.inner.export([item], settle);
      } catch {
        // Already reported; the item is lost alone and counted here, not as a failed batch.
        this.drops.add(1);
        settle({ code: ExportResultCode.SUCCESS });
      }
    }
  }
}

/** An exporter that knows how many items it has handed on without an answer yet. */
export interface InFlightCount {
  inFlight(): number;
}

export function guardSpanExporter(
  exporter: SpanExporter,
  drops: DropReporter,
  failures?: ExportFailureReporter,
): SpanExporter & InFlightCount {
  return new GuardedExporter<ReadableSpan>(exporter, drops, failures);
}

export function guardLogRecordExporter(
  exporter: LogRecordExporter,
  drops: DropReporter,
  failures?: ExportFailureReporter,
): LogRecordExporter & InFlightCount {
  return new GuardedExporter<ReadableLogRecord>(exporter, drops, failures);
}
