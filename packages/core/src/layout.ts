/**
 * Whether two key lists (`Object.keys` results) hold the same keys in the same order: the test for
 * an object layout seen before, which the NDJSON conversion and the integrity canonical entry work out once.
 */
export function sameKeys(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}
