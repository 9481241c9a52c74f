// `npm run soak`: the apitrail register (configuration C, trivial handler, OTLP to the discarding
// sink, an API key on every request) under a moderate, paced load for 10 minutes (`--minutes N` to
// change), server RSS sampled every 10 s, and the live heap after every major GC (http/heap-report.cjs):
// RSS alone cannot tell a leak from V8 growing its old generation between collections. Reports
// whether memory levels off; writes `soak` into bench/results/latest.json and regenerates
// BENCHMARKS.md. Not part of npm test or npm run bench.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import autocannon from 'autocannon';
import { VARIANTS, launch, requestHeaders } from './http/suite.ts';
import { memoryMiB, repoRoot, startListening } from './lib/child.ts';
import { round, slope, unavailable } from './lib/stats.ts';
import { resultsFile, writeBenchmarksMarkdown } from './render.ts';

const minutesFlag = process.argv.indexOf('--minutes');
const minutes = minutesFlag === -1 ? 10 : Number(process.argv[minutesFlag + 1]);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${process.argv[minutesFlag + 1]}`);
const RATE = 500;
const SAMPLE_MS = 10_000;

/** The server's `{"heap_after_major_gc":[seconds, MiB]}` lines as [minute, MiB]. */
function heapAfterMajorGc(output: string): [number, number][] {
  return [...output.matchAll(/\{"heap_after_major_gc":\[(\d+),([\d.]+)\]\}/g)].map((match) => [
    Number(match[1]) / 60,
    Number(match[2]),
  ]);
}

async function soak() {
  const sink = await startListening(['bench/http/sink.ts']);
  const server = await launch('full', VARIANTS[0]!, { sinkEndpoint: `http://127.0.0.1:${sink.port}` }, tmpdir(), {
    NODE_OPTIONS: `--require ${resolve(repoRoot, 'bench/http/heap-report.cjs')}`,
  });
  const pid = server.process.pid!;
  const samples: [number, number][] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    memoryMiB(pid, 'VmRSS').then(
      (rss) => samples.push([(Date.now() - started) / 60_000, rss]),
      () => undefined,
    );
  }, SAMPLE_MS);
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${server.port}/`,
      connections: 10,
      overallRate: RATE,
      duration: Math.round(minutes * 60),
      headers: requestHeaders(true),
    });
    const secondHalf = samples.filter(([minute]) => minute >= minutes / 2);
    const liveHeap = heapAfterMajorGc(server.output());
    const liveSecondHalf = liveHeap.filter(([minute]) => minute >= minutes / 2);
    return {
      duration: { value: minutes, unit: 'min' },
      offered_rate: { value: RATE, unit: 'requests/s' },
      requests: { value: result.requests.total, unit: 'requests' },
      errors: { value: result.errors + result.timeouts + result.non2xx, unit: 'requests' },
      p99: { value: result.latency.p99, unit: 'ms' },
      rss_first_sample: { value: round(samples[0]?.[1] ?? Number.NaN, 1), unit: 'MiB' },
      rss_last_sample: { value: round(samples.at(-1)?.[1] ?? Number.NaN, 1), unit: 'MiB' },
      peak_rss: { value: round(await memoryMiB(pid, 'VmHWM'), 1), unit: 'MiB' },
      rss_growth_second_half:
        secondHalf.length < 2
          ? unavailable('fewer than two RSS samples in the second half of the run')
          : {
              value: round(slope(secondHalf), 2),
              unit: 'MiB/min',
              note: 'least-squares slope of RSS samples over the second half of the run',
            },
      rss_samples: { value: samples.length, unit: 'samples' },
      major_gcs: { value: liveHeap.length, unit: 'collections' },
      heap_after_major_gc_last: { value: liveHeap.at(-1)?.[1] ?? Number.NaN, unit: 'MiB' },
      heap_after_major_gc_growth_second_half:
        liveSecondHalf.length < 2
          ? unavailable('fewer than two major GCs in the second half of the run')
          : {
              value: round(slope(liveSecondHalf), 3),
              unit: 'MiB/min',
              note: 'least-squares slope of the heap V8 kept alive after each major GC, second half: a leak makes it climb',
            },
      // Not a figure: [minute, MiB] after each major GC.
      heap_after_major_gc_series: liveHeap.map(([minute, mib]) => [round(minute, 2), mib]),
      // Not a figure: the trajectory behind the slope, [minute, MiB] every 10 s.
      rss_series: samples.map(([minute, mib]) => [round(minute, 2), round(mib, 1)]),
    };
  } finally {
    clearInterval(sampler);
    await server.stop();
    await sink.stop();
  }
}

const figures = await soak();
let results: Record<string, unknown> = {};
try {
  results = JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, unknown>;
} catch {
  // No bench run yet: the soak figure is written on its own.
}
results.soak = { generated_at: new Date().toISOString(), ...figures };
await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
await writeBenchmarksMarkdown();
process.stderr.write(`soak: ${JSON.stringify(figures)}\n`);
