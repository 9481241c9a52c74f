// Pure helpers for turning repeated measurements into reported figures. Kept free of I/O so the
// unit tests can pin them down exactly.

/** A figure with its unit, or the reason it could not be measured (never a made-up number). */
export type Figure = Measured | Unavailable;

export interface Measured {
  readonly value: number;
  readonly unit: string;
  /** Per-repetition values the median was taken from, when there were several. */
  readonly samples?: readonly number[];
  /** (max - min) / median over the repetitions: how much to trust the figure. */
  readonly spread?: number;
  /** How the figure was obtained, when the unit alone does not say. */
  readonly note?: string;
}

export interface Unavailable {
  readonly status: string;
}

export function isMeasured(figure: unknown): figure is Measured {
  return (
    typeof figure === 'object' &&
    figure !== null &&
    typeof (figure as Measured).value === 'number' &&
    typeof (figure as Measured).unit === 'string'
  );
}

export function unavailable(reason: string): Unavailable {
  return { status: `not available: ${reason}` };
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The median of repeated measurements, with the samples and their relative spread. */
export function summarize(values: readonly number[], unit: string, digits = 3): Measured {
  const middle = median(values);
  const spread = middle === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / middle;
  return { value: round(middle, digits), unit, samples: values.map((v) => round(v, digits)), spread: round(spread, 3) };
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** numerator / denominator of two measured figures in the same unit, or why it cannot be formed. */
export function ratio(numerator: Figure | undefined, denominator: Figure | undefined): Figure {
  if (!isMeasured(numerator) || !isMeasured(denominator)) return unavailable('an operand was not measured');
  if (numerator.unit !== denominator.unit) {
    throw new Error(`ratio of ${numerator.unit} to ${denominator.unit}`);
  }
  if (denominator.value === 0) return unavailable('the denominator is zero');
  return { value: round(numerator.value / denominator.value, 3), unit: 'ratio' };
}

/**
 * The order in which configurations run: every round runs each configuration once, in the same
 * order (A B C D A B C D ...), so slow drift of the machine affects all of them alike.
 */
export function interleave<T>(configurations: readonly T[], rounds: number): { round: number; configuration: T }[] {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer: ${rounds}`);
  const schedule: { round: number; configuration: T }[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const configuration of configurations) schedule.push({ round, configuration });
  }
  return schedule;
}

/** Least-squares slope of (x, y) points, e.g. MiB per minute of RSS samples. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n === 0) throw new RangeError('slope of no points');
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}
