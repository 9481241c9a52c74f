// Regenerates the generated tables of docs/ (attribute mapping, configuration) from @apitrail/core (build it first).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED_DOCS, renderDoc, repoRoot } from './lib/generated-docs.mjs';

for (const path of Object.keys(GENERATED_DOCS)) {
  const file = join(repoRoot, path);
  const text = await readFile(file, 'utf8');
  const rendered = await renderDoc(path, text);
  if (rendered !== text) await writeFile(file, rendered);
  process.stdout.write(`${path}: ${rendered === text ? 'up to date' : 'tables updated'}\n`);
}
