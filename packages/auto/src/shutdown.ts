import { diag } from '@opentelemetry/api';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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
 * Flushes queued telemetry when the process is about to end: on `beforeExit`, and on SIGTERM and
 * SIGINT. apitrail never takes over the app's signal handling: when the app has its own listener
 * for the signal, apitrail only flushes and leaves the exit to the app; when it has none, apitrail
 * flushes and then re-raises the signal so the default action (termination) still happens.
 *
 * Returns a function that removes the listeners.
 */
export function flushOnExit(flush: () => Promise<void>, timeoutMs: number): () => void {
  let flushing: Promise<void> | undefined;
  const flushOnce = (): Promise<void> => (flushing ??= withTimeout(flush(), timeoutMs));

  const onBeforeExit = (): void => void flushOnce();
  process.once('beforeExit', onBeforeExit);

  const signalHandlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      const appHandlesSignal = process.listenerCount(signal) > 1;
      void flushOnce().then(() => {
        if (appHandlesSignal) return;
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
