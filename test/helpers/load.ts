// Bounded load: `count` calls of `request(i)`, at most `concurrency` at a time, results in order.
export async function boundedLoad<T>(
  count: number,
  concurrency: number,
  request: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await request(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
