// Regenerates BENCHMARKS.md from bench/results/latest.json and the hand-written bench/findings.md.
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { join } from 'node:path';
import { repoRoot } from './lib/child.ts';
import { cpuBars, cpuChartSvg } from './lib/chart.ts';
import { CPU_CHART, renderMarkdown } from './lib/render.ts';

export const resultsFile = join(repoRoot, 'bench', 'results', 'latest.json');

export async function writeBenchmarksMarkdown(): Promise<void> {
  const results = JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, unknown>;
  const findings = await readFile(join(repoRoot, 'bench', 'findings.md'), 'utf8');
  const target = join(repoRoot, 'BENCHMARKS.md');
  // Formatted like every other file, so `npm run lint` (prettier --check .) stays clean.
  const markdown = await format(renderMarkdown(results, findings), {
    ...(await resolveConfig(target)),
    parser: 'markdown',
  });
  await writeFile(target, markdown);
  const http = (results.http ?? {}) as { configurations?: Record<string, unknown> };
  await writeFile(
    join(repoRoot, CPU_CHART),
    cpuChartSvg(
      cpuBars(http.configurations ?? {}),
      `Server CPU per request (µs), ${String(results.mode)} run ${String(results.generated_at).slice(0, 16)}`,
    ),
  );
}

if (import.meta.main) await writeBenchmarksMarkdown();
