// Every package entry point must load both with require() and with import, exposing the same names.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const packagesDir = resolve(import.meta.dirname, '..', '..', 'packages');
const require = createRequire(import.meta.url);

const manifests = readdirSync(packagesDir).map(
  (dir) =>
    JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, unknown>;
    },
);
const packageNames = manifests.map((manifest) => manifest.name);
// Every entry point: the public one, and `<name>/internal` where a package has one.
const entryPoints = manifests.flatMap((manifest) =>
  './internal' in manifest.exports ? [manifest.name, `${manifest.name}/internal`] : [manifest.name],
);

describe('packaging: CommonJS and ESM consumers', () => {
  it('finds the workspace packages', () => {
    expect(packageNames).to.include.members(['@apitrail/core', '@apitrail/auto']);
  });

  for (const name of entryPoints) {
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

// OTel needs one @opentelemetry/api per process (a second copy silently yields no-op tracers and
// loggers), so a library takes the app's copy; only the package that starts an SDK depends on one.
describe('packaging: OpenTelemetry dependencies', () => {
  const sdkPackages = /^@opentelemetry\/(sdk-|exporter-|resources$)/;
  // The command line tool is its own process: it brings the API it runs on.
  const applications = new Set(['@apitrail/cli']);
  const sdkStarters = new Set(['@apitrail/auto', '@apitrail/cli']);

  for (const dir of readdirSync(packagesDir)) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const dependencies = Object.keys(manifest.dependencies ?? {});
    if (applications.has(manifest.name)) continue;
    it(`${manifest.name} takes @opentelemetry/api as a peer dependency`, () => {
      expect(dependencies).not.to.include('@opentelemetry/api');
      expect(manifest.peerDependencies).to.have.property('@opentelemetry/api');
      expect(manifest.devDependencies).to.have.property('@opentelemetry/api');
    });
    if (!sdkStarters.has(manifest.name)) {
      it(`${manifest.name} depends on no SDK package`, () => {
        expect(dependencies.filter((name) => sdkPackages.test(name))).to.deep.equal([]);
      });
    }
  }
});
