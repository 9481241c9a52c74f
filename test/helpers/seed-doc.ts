// The seed documents live outside the repository (../shared/seeds) and are read at test time,
// never copied in: their analysis code must keep working on apitrail's output unmodified.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from './app.ts';

/** Prowler's API key activity logging document: the NDJSON field set, jq pipelines, pandas. */
export const API_KEY_LOGGING_SEED = resolve(repoRoot, '..', 'shared', 'seeds', '000_c8af2af903f7b417.txt');

/** The bodies of the seed's fenced code blocks in `language` (```bash, ```python...). */
export function seedCodeBlocks(language: string, seedFile: string = API_KEY_LOGGING_SEED): string[] {
  const blocks: string[] = [];
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  for (const match of readFileSync(seedFile, 'utf8').matchAll(fence)) blocks.push(match[1]!);
  return blocks;
}
