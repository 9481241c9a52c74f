// Runs the adversarial workloads on a worker thread and announces each before it starts: a regex
// cannot be interrupted on the thread running it, so only a watcher on another thread can stop (and
// name) one that backtracks catastrophically.
import { parentPort, workerData } from 'node:worker_threads';
import { adversarialWorkloads, type PatternSource } from './redos-payloads.ts';

export interface RedosWorkerData {
  readonly patterns: readonly PatternSource[];
  readonly length: number;
}

export type RedosWorkerMessage = { readonly started: string } | { readonly finished: number };

const { patterns, length } = workerData as RedosWorkerData;
const workloads = adversarialWorkloads(patterns, length);
for (const { group, input, run } of workloads) {
  parentPort!.postMessage({ started: `${group} on ${input}` } satisfies RedosWorkerMessage);
  run();
}
parentPort!.postMessage({ finished: workloads.length } satisfies RedosWorkerMessage);
