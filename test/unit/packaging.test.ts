// Every package must load both with require() and with import, exposing the same names.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const packagesDir = resolve(import.meta.dirname, '..', '..', 'packages');
const require = createRequire(import.meta.url);

const packageNames = readdirSync(packagesDir).map(
  (dir) => (JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as { name: string }).name,
);

describe('packaging: CommonJS and ESM consumers', () => {
  it('finds the workspace packages', () => {
    expect(packageNames).to.include.members(['@apitrail/core', '@apitrail/auto']);
  });

  for (const name of packageNames) {
    it(`${name} works with require() and import, with the same exports`, async () => {
      const required = require(name) as Record<string, unknown>;
      const imported = (await import(name)) as Record<string, unknown>;
      const requiredNames = Object.keys(required)
        .filter((key) => key !== '__esModule')
        .sort();
      expect(requiredNames.length, 'exports something').to.be.above(0);
      const importedNames = Object.keys(imported)
        .filter((key) => key !== 'default' && key !== 'module.exports' && key !== '__esModule')
        .sort();
      expect(importedNames).to.deep.equal(requiredNames);
    });
  }
});
