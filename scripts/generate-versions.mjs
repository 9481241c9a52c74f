// Writes src/version.ts of the versioned packages from their package.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { VERSIONED_PACKAGES, renderVersionFile, versionFilePath } from './lib/package-versions.mjs';

for (const dir of VERSIONED_PACKAGES) {
  const path = versionFilePath(dir);
  const rendered = renderVersionFile(dir);
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // Not generated yet.
  }
  if (current !== rendered) writeFileSync(path, rendered);
  process.stdout.write(`packages/${dir}/src/version.ts: ${current === rendered ? 'up to date' : 'written'}\n`);
}
