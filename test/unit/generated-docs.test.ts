// docs/attributes.md and docs/configuration.md hold tables generated from FIELD_MAPPINGS and
// CONFIG_VARIABLES, and each package README the table of its public exports; they must not drift.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIELD_MAPPINGS } from '@apitrail/core/internal';
import { GENERATED_DOCS, mappingTable, renderDoc, repoRoot } from '../../scripts/lib/generated-docs.mjs';

describe('generated docs tables (attribute mapping, configuration, package API)', function () {
  // The API tables read the packages' declarations with the TypeScript compiler (a few seconds, once).
  this.timeout(60000);

  it('has one mapping row per FIELD_MAPPINGS entry', () => {
    const table = mappingTable();
    for (const mapping of FIELD_MAPPINGS) {
      expect(table).to.include(`| \`${mapping.attribute}\``).and.to.include(`\`${mapping.ecs}\``);
    }
  });

  for (const path of Object.keys(GENERATED_DOCS)) {
    it(`${path} is up to date (regenerate: npm run generate:docs)`, async () => {
      const text = readFileSync(join(repoRoot, path), 'utf8');
      expect(await renderDoc(path, text)).to.equal(text);
    });
  }

  it('control: a stale table is told apart', async () => {
    const path = 'docs/configuration.md';
    const text = readFileSync(join(repoRoot, path), 'utf8');
    const stale = text.replace('`APITRAIL_LOG_LEVEL`', '`APITRAIL_LOG_LEVELS`');
    expect(stale).to.not.equal(text);
    expect(await renderDoc(path, stale)).to.equal(text);
  });
});
