// Catastrophic-backtracking payloads against every pattern of the rule set, the whole redactor,
// hostile keys and hostile nested bodies. How fast they run is a benchmark figure
// (bench/micro/redaction.ts: worst µs per pattern); here each must merely finish. A worker thread runs
// them and the test stops it when one has run for seconds: backtracking that grows exponentially never
// finishes at all, while the worst payload takes milliseconds, so the bound tells the two apart on any
// machine, however busy, and a runaway pattern fails the test by name instead of hanging it.
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_LENGTH, patternProblem } from '@apitrail/redaction/internal';
import { ADVERSARIAL_PATTERNS, adversarialWorkloads, type PatternSource } from '../helpers/redos-payloads.ts';
import type { RedosWorkerData, RedosWorkerMessage } from '../helpers/redos-worker.ts';

/** Longest any single workload may run: about a thousand times the slowest one's time. */
const STUCK_AFTER_MS = 5_000;

type Outcome = { readonly finished: number } | { readonly stuck: string };

/** Runs every workload for `patterns` on a worker; `stuck` names the one that ran past `stuckAfterMs`. */
function runAdversarialWorkloads(patterns: readonly PatternSource[], stuckAfterMs: number): Promise<Outcome> {
  const worker = new Worker(new URL('../helpers/redos-worker.ts', import.meta.url), {
    workerData: { patterns, length: DEFAULT_MAX_LENGTH } satisfies RedosWorkerData,
  });
  return new Promise<Outcome>((resolve, reject) => {
    let current = '';
    // Loading the worker is not watched (the test's timeout covers it): a busy machine can make it slow.
    let startedAt = Infinity;
    const watch = setInterval(() => {
      if (Date.now() - startedAt <= stuckAfterMs) return;
      clearInterval(watch);
      resolve({ stuck: current });
    }, 100);
    worker.on('message', (message: RedosWorkerMessage) => {
      if ('started' in message) {
        current = message.started;
        startedAt = Date.now();
        return;
      }
      clearInterval(watch);
      resolve(message);
    });
    worker.on('error', (error) => {
      clearInterval(watch);
      reject(error);
    });
  }).finally(() => worker.terminate());
}

describe('redaction: adversarial input', function () {
  this.timeout(120_000);

  for (const pattern of ADVERSARIAL_PATTERNS) {
    it(`${pattern.name}: bounded quantifiers only, RE2-compatible`, () => {
      expect(patternProblem(pattern.source)).to.equal(undefined);
    });
  }

  it('every pattern, the whole redactor (default and PII mode), hostile keys and hostile bodies finish on every payload at the length cap', async () => {
    const workloads = adversarialWorkloads(ADVERSARIAL_PATTERNS, DEFAULT_MAX_LENGTH).length;
    expect(await runAdversarialWorkloads(ADVERSARIAL_PATTERNS, STUCK_AFTER_MS)).to.deep.equal({ finished: workloads });
  });

  it('the watch catches catastrophic backtracking that bounded quantifiers alone do not prevent', async () => {
    // Nested bounded repeats pass patternProblem, yet try every split of a run of "a" into parts.
    const nested = { name: 'nested_repeats', source: '(?:a{1,20}){1,20}!' };
    expect(patternProblem(nested.source)).to.equal(undefined);
    expect(await runAdversarialWorkloads([nested], 1_000)).to.deep.equal({
      stuck: 'nested_repeats on "a" repeated',
    });
  });
});
