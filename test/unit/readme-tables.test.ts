// The README's mapping and configuration tables are generated from FIELD_MAPPINGS and CONFIG_VARIABLES; they must not drift.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { FIELD_MAPPINGS } from '@apitrail/core';
import { mappingTable, readmePath, renderReadme } from '../../scripts/lib/readme-tables.mjs';

describe('README generated tables (mapping, configuration)', () => {
  it('has one row per FIELD_MAPPINGS entry', () => {
    const table = mappingTable();
    for (const mapping of FIELD_MAPPINGS) {
      expect(table).to.include(`| \`${mapping.attribute}\``).and.to.include(`\`${mapping.ecs}\``);
    }
  });

  it('in README.md is up to date (regenerate: node scripts/generate-readme-tables.mjs)', async () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(await renderReadme(readme)).to.equal(readme);
  });
});
