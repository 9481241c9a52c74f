// `node bench/profile.ts <configuration> [--variant <name>] [--seconds N] [--top N]`: runs one HTTP benchmark
// configuration under --cpu-prof with the same load as `npm run bench`, then prints self time per
// package and the hottest functions in µs per request (startup and warm-up included, so the
// figures are upper bounds). This is how the findings in BENCHMARKS.md were obtained.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { CONFIGURATION_LABELS, VARIANTS, launch, requestHeaders, type Configuration } from './http/suite.ts';
import { repoRoot, startListening } from './lib/child.ts';
import { hottestFunctions, selfTimeByComponent, selfTimeByOwner, type CpuProfile } from './lib/profile-summary.ts';

const WARMUP_SECONDS = 2;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

const configuration = process.argv[2] as Configuration;
if (!(configuration in CONFIGURATION_LABELS)) {
  throw new Error(
    `usage: node bench/profile.ts <${Object.keys(CONFIGURATION_LABELS).join('|')}> [--variant name] [--seconds N] [--top N]`,
  );
}
const variant = VARIANTS.find((candidate) => candidate.name === option('--variant', 'trivial'));
if (variant === undefined) throw new Error(`--variant must be one of ${VARIANTS.map(({ name }) => name).join(', ')}`);
const seconds = Number(option('--seconds', '8'));
const top = Number(option('--top', '25'));

const scratch = await mkdtemp(join(tmpdir(), 'apitrail-profile-'));
const sink = await startListening(['bench/http/sink.ts']);
try {
  const server = await launch(configuration, variant, { sinkEndpoint: `http://127.0.0.1:${sink.port}` }, scratch, {
    NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${scratch} --require ${resolve(repoRoot, 'bench/http/exit-after.cjs')}`,
    BENCH_EXIT_AFTER_MS: String((WARMUP_SECONDS + seconds + 2) * 1000),
  });
  const exited = once(server.process, 'exit');
  const url = `http://127.0.0.1:${server.port}${variant.path}`;
  const headers = requestHeaders(variant.apiKey);
  let requests = 0;
  for (const duration of [WARMUP_SECONDS, seconds]) {
    requests += (await autocannon({ url, headers, connections: 64, duration })).requests.total;
  }
  await exited;
  const file = (await readdir(scratch)).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`the server wrote no profile:\n${server.output()}`);
  const profile = JSON.parse(await readFile(join(scratch, file), 'utf8')) as CpuProfile;
  const row = ([name, microseconds]: [string, number]): string =>
    `| ${name.replace(/\|/g, '\\|')} | ${(microseconds / requests).toFixed(2)} |`;
  process.stdout.write(
    [
      `${CONFIGURATION_LABELS[configuration]}, variant ${variant.name}: ${requests} requests`,
      '',
      '| component (self time) | µs/request |',
      '| --- | --- |',
      ...selfTimeByComponent(profile).map(row),
      '',
      '| owner (self time) | µs/request |',
      '| --- | --- |',
      ...selfTimeByOwner(profile).slice(0, 20).map(row),
      '',
      '| function (self time) | µs/request |',
      '| --- | --- |',
      ...hottestFunctions(profile, top).map(row),
      '',
    ].join('\n'),
  );
} finally {
  await sink.stop();
  await rm(scratch, { recursive: true, force: true });
}
