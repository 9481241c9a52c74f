// The README has one configuration table listing every variable apitrail reads: any `APITRAIL_*` or
// `OTEL_*` name spelled in a package's source must appear there.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') || entry.name.endsWith('.mts') ? [path] : [];
  });
}

const packagesDir = join(root, 'packages');
const variables = new Set(
  readdirSync(packagesDir)
    .flatMap((name) => sourceFiles(join(packagesDir, name, 'src')))
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'((?:APITRAIL|OTEL)_[A-Z0-9_]+)'/g)].map((m) => m[1]!)),
);

describe('README configuration table', () => {
  it('finds the variables the packages read', () => {
    expect(variables).to.include('APITRAIL_NDJSON_FILE').and.to.include('OTEL_LOGS_EXPORTER');
  });

  for (const variable of [...variables].sort()) {
    it(`documents ${variable}`, () => {
      // `OTEL_BSP` and the like are prefixes read by the SDK: documented as `OTEL_BSP_*`.
      const documented = readme.includes(`\`${variable}\``) || readme.includes(`\`${variable}_*\``);
      expect(documented, `${variable} is read by a package but missing from README.md`).to.equal(true);
    });
  }
});
