// Regenerates BENCHMARKS.md from bench/results/latest.json and the hand-written bench/findings.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './lib/child.ts';
import { renderMarkdown } from './lib/render.ts';

export const resultsFile = join(repoRoot, 'bench', 'results', 'latest.json');

export async function writeBenchmarksMarkdown(): Promise<void> {
  const results = JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, unknown>;
  const findings = await readFile(join(repoRoot, 'bench', 'findings.md'), 'utf8');
  await writeFile(join(repoRoot, 'BENCHMARKS.md'), renderMarkdown(results, findings));
}

if (import.meta.main) await writeBenchmarksMarkdown();
