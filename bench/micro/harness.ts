// In-process timing for the microbenchmarks: calibrate a batch size, warm up, then time several
// repetitions and report the median ns/op with the spread over repetitions. Each microbenchmark is a
// separate process (`node --expose-gc bench/micro/<name>.ts`) so JIT state never leaks between them;
// it prints one JSON line of figures.
import { summarize, unavailable, type Figure, type Measured } from '../lib/stats.ts';

export const quick = process.env.BENCH_QUICK === '1';

const REPETITIONS = quick ? 5 : 11;
const REPETITION_MS = quick ? 40 : 150;
const WARMUP_MS = quick ? 150 : 1000;

/** Whatever the measured function returns lands here, so the JIT cannot drop the work as dead. */
export let blackhole: unknown;

function runBatch(work: (i: number) => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) blackhole = work(i);
  return Number(process.hrtime.bigint() - start);
}

/** Median nanoseconds per call of `work(i)` over the repetitions. */
export function nsPerOp(work: (i: number) => unknown): Measured {
  let iterations = 1;
  while (runBatch(work, iterations) < 5e6) iterations *= 2;
  const warmupEnd = Date.now() + WARMUP_MS;
  while (Date.now() < warmupEnd) runBatch(work, iterations);
  const perRepetition = Math.max(1, Math.round((iterations * REPETITION_MS) / 5));
  const samples: number[] = [];
  for (let r = 0; r < REPETITIONS; r += 1) samples.push(runBatch(work, perRepetition) / perRepetition);
  return summarize(samples, 'ns/op', 1);
}

/** Per-repetition difference of two timings of the same work, with and without the part measured. */
export function difference(withWork: Measured, without: Measured, note: string): Measured {
  const samples = withWork.samples!.map((ns, i) => ns - (without.samples![i] ?? without.value));
  return { ...summarize(samples, 'ns/op', 1), note };
}

/** Converts an ns/op figure into operations per second. */
export function perSecond(figure: Measured, unit: string): Measured {
  return summarize(
    (figure.samples ?? [figure.value]).map((ns) => 1e9 / ns),
    unit,
    0,
  );
}

export function forceGc(): void {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

/** Heap plus ArrayBuffer backing stores (typed arrays live outside the JS heap). */
export function retainedBytes(): number {
  forceGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Imports a package that may not exist yet (it is being written in parallel) and runs the
 * benchmark against it; a missing package or a changed API becomes a recorded reason, not a
 * failed run and never a number.
 */
export async function withPackage<T extends Record<string, Figure | Record<string, Figure>>>(
  name: string,
  measure: (module: Record<string, unknown>) => T | Promise<T>,
): Promise<T | Figure> {
  let module: Record<string, unknown>;
  try {
    module = (await import(name)) as Record<string, unknown>;
  } catch (error) {
    return unavailable(`${name} could not be loaded (${(error as Error).message.split('\n')[0]})`);
  }
  try {
    return await measure(module);
  } catch (error) {
    return unavailable(`${name}: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function report(figures: unknown): void {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
