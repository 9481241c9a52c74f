// Regenerates README.md's generated tables (attribute mapping, configuration) from @apitrail/core (build it first).
import { readFile, writeFile } from 'node:fs/promises';
import { readmePath, renderReadme } from './lib/readme-tables.mjs';

const readme = await readFile(readmePath, 'utf8');
const rendered = await renderReadme(readme);
if (rendered !== readme) await writeFile(readmePath, rendered);
process.stdout.write(rendered === readme ? 'README.md: up to date\n' : 'README.md: tables updated\n');
