// `node bench/compare.ts <configuration> <other checkout> [--rounds N] [--seconds N] [--variant name]`:
// the same HTTP configuration from this checkout and from another one (built, e.g. a worktree of
// main), interleaved A B A B … with a fresh server per segment and the load generator pinned as in
// `npm run bench`. Prints server CPU per request (and p99 latency) of both, per round and as medians,
// with the ratios: how a change is measured before it lands (figures in the commit message).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { cpuSeconds, pinLoadGenerator, startListening } from './lib/child.ts';
import { median, round } from './lib/stats.ts';
import type * as Suite from './http/suite.ts';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

const [configuration, otherCheckout] = process.argv.slice(2);
if (configuration === undefined || otherCheckout === undefined || configuration.startsWith('--')) {
  throw new Error('usage: node bench/compare.ts <configuration> <other checkout> [--rounds N] [--seconds N]');
}
const rounds = Number(option('--rounds', '4'));
const seconds = Number(option('--seconds', '5'));
const cpuPinning = pinLoadGenerator();
const serverCpus = typeof cpuPinning === 'string' ? undefined : cpuPinning.servers;

const trees = {
  this: (await import('./http/suite.ts')) as typeof Suite,
  other: (await import(pathToFileURL(join(resolve(otherCheckout), 'bench/http/suite.ts')).href)) as typeof Suite,
};
const variant = trees.this.VARIANTS.find(({ name }) => name === option('--variant', 'trivial'));
if (variant === undefined) throw new Error('unknown --variant');
if (!(configuration in trees.this.CONFIGURATION_LABELS)) throw new Error(`unknown configuration ${configuration}`);

const scratch = await mkdtemp(join(tmpdir(), 'apitrail-compare-'));
const sink = await startListening(['bench/http/sink.ts']);
const cpu: Record<keyof typeof trees, number[]> = { this: [], other: [] };
const p99: Record<keyof typeof trees, number[]> = { this: [], other: [] };
try {
  for (let roundNumber = 1; roundNumber <= rounds; roundNumber++) {
    for (const tree of ['other', 'this'] as const) {
      const server = await trees[tree].launch(
        configuration as Suite.Configuration,
        variant,
        { sinkEndpoint: `http://127.0.0.1:${sink.port}`, serverCpus },
        scratch,
      );
      try {
        const url = `http://127.0.0.1:${server.port}${variant.path}`;
        const headers = trees.this.requestHeaders(variant.apiKey);
        await autocannon({ url, headers, connections: 64, duration: 2 });
        const before = await cpuSeconds(server.process.pid!);
        const result = await autocannon({ url, headers, connections: 64, duration: seconds });
        const perRequest = (((await cpuSeconds(server.process.pid!)) - before) * 1e6) / result.requests.total;
        cpu[tree].push(perRequest);
        p99[tree].push(result.latency.p99);
        process.stderr.write(
          `round ${roundNumber} ${tree}: ${perRequest.toFixed(1)} µs CPU/request, ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms\n`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const summary = {
    configuration,
    other: otherCheckout,
    cpu_per_request_this: round(median(cpu.this), 1),
    cpu_per_request_other: round(median(cpu.other), 1),
    ratio: round(median(cpu.this) / median(cpu.other), 3),
    p99_ms_this: median(p99.this),
    p99_ms_other: median(p99.other),
    samples: cpu,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await sink.stop();
  await rm(scratch, { recursive: true, force: true });
}
