// What test/fixtures/request-scope-app.cjs answers, for the tests that run it.

/** The fixture's `/correlation` answer when the request context (correlation id `id`) reached every kind of async continuation. */
export function correlationSeenEverywhere(id: string): Record<string, string> {
  return { sync: id, afterAwait: id, inTimeout: id, inChain: id, inImmediate: id };
}
