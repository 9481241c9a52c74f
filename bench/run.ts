// `npm run bench` (`-- --quick` for the short development run): the HTTP overhead comparison, then
// the microbenchmarks, each in its own process; writes bench/results/latest.json and regenerates
// BENCHMARKS.md from it. A figure that cannot be measured is recorded with the reason.
import { cpus, availableParallelism, platform, release } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runHttpSuite } from './http/suite.ts';
import { pinLoadGenerator, runJson, startListening } from './lib/child.ts';
import { unavailable } from './lib/stats.ts';
import { resultsFile, writeBenchmarksMarkdown } from './render.ts';

const quick = process.argv.includes('--quick');
// The processors the run was given, read before pinning: afterwards this process may use one.
const runCpus = availableParallelism();
// Before anything is spawned: the sink and the microbenchmarks inherit the load generator's CPU.
const cpuPinning = pinLoadGenerator();
// Microbenchmarks get every CPU the run was given, not the load generator's one: `apitrail verify`
// sizes its worker threads by the processors it may use.
const microCpus = typeof cpuPinning === 'string' ? undefined : `${cpuPinning.servers},${cpuPinning.loadGenerator}`;
const MICROBENCHMARKS = [
  'redaction',
  'detect',
  'integrity',
  'ndjson',
  'spool',
  'export',
  'enrich',
  'request-path',
  'respond',
  'identity',
] as const;

function progress(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function http() {
  const sink = await startListening(['bench/http/sink.ts']);
  try {
    return await runHttpSuite({
      rounds: quick ? 1 : 3,
      warmupSeconds: quick ? 1 : 2,
      durationSeconds: quick ? 3 : 10,
      connections: 64,
      sinkEndpoint: `http://127.0.0.1:${sink.port}`,
      cpuPinning,
      onProgress: progress,
    });
  } finally {
    await sink.stop();
  }
}

async function micro(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const name of MICROBENCHMARKS) {
    progress(`micro ${name}`);
    try {
      Object.assign(
        results,
        await runJson(
          ['--expose-gc', `bench/micro/${name}.ts`],
          quick ? { BENCH_QUICK: '1' } : { BENCH_QUICK: '0' },
          microCpus,
        ),
      );
    } catch (error) {
      results[name] = unavailable(`the benchmark failed: ${(error as Error).message.slice(0, 1000)}`);
    }
  }
  return results;
}

/** The soak figure comes from its own, much longer run (`npm run soak`): kept across bench runs. */
async function previousSoak(): Promise<unknown> {
  try {
    return (JSON.parse(await readFile(resultsFile, 'utf8')) as { soak?: unknown }).soak;
  } catch {
    return undefined;
  }
}

const started = Date.now();
const results = {
  generated_at: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  node: process.version,
  cpus: runCpus,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  platform: `${platform()} ${release()}`,
  http: await http(),
  micro: await micro(),
  soak: await previousSoak(),
  duration_seconds: 0,
};
results.duration_seconds = Math.round((Date.now() - started) / 1000);
await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
await writeBenchmarksMarkdown();
progress(`wrote ${resultsFile} and BENCHMARKS.md in ${results.duration_seconds} s`);
