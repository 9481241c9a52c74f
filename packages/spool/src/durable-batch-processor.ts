import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { recordFault } from '@apitrail/core/internal';
import { countDropped } from './counters.js';
import { exitDrained, registerExitDrain } from './exit-drain.js';
import type { RecordSink } from './sink.js';

/** Options of a DurableBatchLogRecordProcessor: its sink, the flush interval, the batch size, the channel losses are counted under. */
export interface DurableBatchOptions {
  readonly sink: RecordSink;
  /** Longest time a record waits in memory before the sink has it (APITRAIL_SPOOL_FLUSH_INTERVAL_MS). */
  readonly flushIntervalMs: number;
  /** Where losses are counted in core's `droppedCounts()`, e.g. `logs/otlp`. */
  readonly channel: string;
  /**
   * A batch this large is handed over at the next turn of the event loop instead of at the flush
   * interval (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE): the sink encodes a batch in one synchronous go, and
   * at thousands of requests a second a whole interval's records stall the event loop for
   * milliseconds, which every request waiting behind them pays. Default: no size limit.
   */
  readonly maxBatchSize?: number;
}

/**
 * The batching stage in front of a sink, in place of the SDK's BatchLogRecordProcessor. On the
 * request path it only appends the record to an array; a timer hands the batch to the sink at most
 * `flushIntervalMs` later (sooner, at the next turn of the event loop, once it holds
 * `maxBatchSize` records), and when the process ends by `process.exit()`, an uncaught exception or
 * an unhandled rejection, the exit drain hands over what is left, synchronously. It never drops a
 * record for lack of queue space: the sink (a disk spool) is the queue.
 */
export class DurableBatchLogRecordProcessor implements LogRecordProcessor {
  private readonly options: DurableBatchOptions;
  private pending: ReadableLogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(options: DurableBatchOptions) {
    this.options = options;
    registerExitDrain(this);
  }

  get sink(): RecordSink {
    return this.options.sink;
  }

  /** Where its losses are counted (`logs/otlp`). */
  get channel(): string {
    return this.options.channel;
  }

  onEmit(record: ReadWriteLogRecord): void {
    this.pending.push(record);
    // Shut down at the process's end, or past the exit drain (the app's own `exit` listener): no
    // timer would run any more, so the record goes to the sink now, and at exit is made final there.
    if (this.closed || exitDrained()) {
      this.handOver();
      if (exitDrained()) this.options.sink.exitSync();
      return;
    }
    this.timer ??= setTimeout(this.handOver, this.options.flushIntervalMs).unref();
    // Not here: the record's emitter (the end of a request) would pay the whole batch.
    if (this.pending.length >= (this.options.maxBatchSize ?? Infinity)) {
      this.immediate ??= setImmediate(this.handOver).unref();
    }
  }

  forceFlush(): Promise<void> {
    this.handOver();
    return this.options.sink.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.handOver();
    this.closed = true;
    await this.options.sink.shutdown();
  }

  /** At process exit: the last batch to the sink, synchronously (records emitted after shutdown too). */
  drainSync(): void {
    this.handOver();
    this.options.sink.exitSync();
  }

  /** What is pending to the sink and made durable there, synchronously; the processor goes on working. */
  persistSync(): void {
    this.handOver();
    this.options.sink.persistSync();
  }

  private readonly handOver = (): void => {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.options.sink.write(batch);
    } catch (error) {
      // The sink counts what it refuses; a throw is a fault of its own, and costs this batch.
      recordFault(`${this.options.channel} sink`, error);
      countDropped(this.options.channel, batch.length);
    }
  };
}
