// Regenerates BENCHMARKS.md from bench/results/latest.json and the hand-written bench/findings.md.
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { join } from 'node:path';
import { repoRoot } from './lib/child.ts';
import { renderMarkdown } from './lib/render.ts';

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
}

if (import.meta.main) await writeBenchmarksMarkdown();
