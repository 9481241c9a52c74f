import { diag } from '@opentelemetry/api';

/**
 * apitrail must never break the host application: every hook, processor and exporter runs its
 * work through {@link guard}. A failure is counted per component, reported once through the OTel
 * diagnostic logger, and the caller carries on with a fallback.
 */
const faults = new Map<string, number>();

export function guard<T>(component: string, work: () => T, fallback: T): T {
  try {
    return work();
  } catch (error) {
    recordFault(component, error);
    return fallback;
  }
}

export function recordFault(component: string, error: unknown): void {
  const previous = faults.get(component) ?? 0;
  faults.set(component, previous + 1);
  if (previous === 0) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
    diag.error(`apitrail: ${component} failed (${reason}); further failures are counted, not logged`);
  }
}

/** Faults seen per component since start (self-observability; exposed to tests and metrics). */
export function faultCounts(): ReadonlyMap<string, number> {
  return faults;
}

const dropped = new Map<string, number>();

/**
 * Telemetry records lost on the way out (export queue full, export failed), per signal. Losing an
 * audit record must never be silent: exporters report here, and the count is exposed beside the
 * fault counts.
 */
export function recordDropped(signal: string, count: number): void {
  dropped.set(signal, (dropped.get(signal) ?? 0) + count);
}

/** Records dropped per signal since start. */
export function droppedCounts(): ReadonlyMap<string, number> {
  return dropped;
}
