import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** What flushOnExit needs of the telemetry pipeline. */
export interface ExitPipeline {
  /** Exports what is queued, leaving the pipeline open for records still to come. */
  flush(): Promise<void>;
  /** Exports what is queued and closes the pipeline: records emitted afterwards are lost. */
  shutdown(): Promise<void>;
  /** Log records emitted so far (see {@link EmittedRecordCounter}). */
  recordsEmitted(): number;
}

/** Counts the log records that enter the pipeline, so a flush can tell whether more came during it. */
export class EmittedRecordCounter implements LogRecordProcessor {
  count = 0;

  onEmit(): void {
    this.count += 1;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(`apitrail: flush did not finish within ${timeoutMs} ms; exiting with records still queued`);
      resolve();
    }, timeoutMs);
    timer.unref();
  });
  return Promise.race([work.catch((error: unknown) => diag.error('apitrail: flush failed', error)), timeout]).finally(
    () => clearTimeout(timer),
  );
}

/**
 * Flushes until a flush ends with nothing new emitted during it. Requests still in flight when
 * the process is told to stop can be answered while a flush runs (it waits on the network); their
 * audit records go out with the next round instead of meeting an already closed pipeline.
 */
async function drain(pipeline: ExitPipeline): Promise<void> {
  let emitted: number;
  do {
    emitted = pipeline.recordsEmitted();
    await pipeline.flush();
  } while (pipeline.recordsEmitted() !== emitted);
}

/**
 * Flushes queued telemetry when the process is about to end: on `beforeExit`, and on SIGTERM and
 * SIGINT. apitrail never takes over the app's signal handling: when the app has its own listener
 * for the signal, apitrail only flushes, keeps the pipeline open for the requests the app still
 * finishes, and leaves the exit to the app (closing the pipeline at `beforeExit`); when it has
 * none, apitrail flushes, closes the pipeline and then re-raises the signal so the default action
 * (termination) still happens. Each is bounded by `timeoutMs`.
 *
 * Returns a function that removes the listeners.
 */
export function flushOnExit(pipeline: ExitPipeline, timeoutMs: number): () => void {
  let finishing: Promise<void> | undefined;
  const finishOnce = (): Promise<void> =>
    (finishing ??= withTimeout(
      drain(pipeline).then(() => pipeline.shutdown()),
      timeoutMs,
    ));

  const onBeforeExit = (): void => void finishOnce();
  process.once('beforeExit', onBeforeExit);

  const signalHandlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      if (process.listenerCount(signal) > 1) {
        void withTimeout(drain(pipeline), timeoutMs);
        return;
      }
      void finishOnce().then(() => {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}
