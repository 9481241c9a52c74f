/**
 * Secret ranges: a flat list `[start, end, start, end, …]` of UTF-16 offsets. Every detector appends
 * what it finds; the list is made ascending and disjoint once, when all have run, so the union of
 * their findings is masked whole.
 */

/**
 * Adds `[start, end)`. In order (the usual case: a detector finds its secrets left to right), it is
 * merged with the last range it overlaps or touches; out of order (a later detector, a token whose
 * lead starts before a secret found earlier) it is appended as it is, for {@link normalizeRanges}:
 * sorting once keeps a detector that finds thousands of secrets (hostile text) linear, where
 * re-sorting at each one made it quadratic.
 */
export function addRange(ranges: number[], start: number, end: number): void {
  const last = ranges.length - 1;
  if (last < 0 || start > ranges[last]!) {
    ranges.push(start, end);
  } else if (start >= ranges[last - 1]!) {
    ranges[last] = Math.max(ranges[last]!, end);
  } else {
    ranges.push(start, end);
  }
}

/** `ranges` made ascending and disjoint (overlapping or touching ranges merged), in place. */
export function normalizeRanges(ranges: number[]): number[] {
  let ordered = true;
  for (let index = 2; index < ranges.length && ordered; index += 2) ordered = ranges[index]! > ranges[index - 1]!;
  if (ordered) return ranges;
  const pairs: [number, number][] = [];
  for (let index = 0; index < ranges.length; index += 2) pairs.push([ranges[index]!, ranges[index + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  ranges.length = 0;
  for (const [start, end] of pairs) {
    if (ranges.length > 0 && start <= ranges[ranges.length - 1]!) {
      ranges[ranges.length - 1] = Math.max(ranges[ranges.length - 1]!, end);
    } else {
      ranges.push(start, end);
    }
  }
  return ranges;
}
