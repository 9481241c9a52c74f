/**
 * Whether two key lists (`Object.keys` results) hold the same keys in the same order: the test for
 * an object layout seen before, which the NDJSON conversion and the integrity canonical entry work out once.
 */
export function sameKeys(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/**
 * The layouts of records seen before (audit records share one, application logs bring others),
 * most recently added first and at most `capacity` of them: records with ever-new key sets must not
 * grow memory. A caller finds a layout by scanning `layouts` with its own test (`sameKeys` and
 * whatever else tells two of its layouts apart) and adds the one it builds for a miss.
 */
export class LayoutCache<Layout> {
  private readonly recent: Layout[] = [];

  constructor(private readonly capacity: number) {}

  /** Most recently added first. */
  get layouts(): readonly Layout[] {
    return this.recent;
  }

  add(layout: Layout): Layout {
    this.recent.unshift(layout);
    if (this.recent.length > this.capacity) this.recent.pop();
    return layout;
  }
}
