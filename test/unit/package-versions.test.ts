// The versions a package reports (instrumentation scopes, the request scope instrumentation) are
// generated from its package.json: a release that bumps the version without regenerating fails here.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { RequestScopeInstrumentation } from '@apitrail/http';
import { INSTRUMENTATION_VERSION } from '@apitrail/core/internal';
import { VERSIONED_PACKAGES, renderVersionFile, versionFilePath } from '../../scripts/lib/package-versions.mjs';

describe('generated package versions', () => {
  for (const dir of VERSIONED_PACKAGES) {
    it(`packages/${dir}/src/version.ts is what \`npm run generate:versions\` writes (not stale)`, () => {
      expect(readFileSync(versionFilePath(dir), 'utf8')).to.equal(renderVersionFile(dir));
    });
  }

  it('are what the instrumentation and the loggers report', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../packages/http/package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    const instrumentation = new RequestScopeInstrumentation({ enabled: false });
    expect([instrumentation.instrumentationName, instrumentation.instrumentationVersion]).to.deep.equal([
      manifest.name,
      manifest.version,
    ]);
    expect(INSTRUMENTATION_VERSION).to.equal(manifest.version);
  });
});
