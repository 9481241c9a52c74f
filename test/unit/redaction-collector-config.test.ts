// The Collector's copy of the rules is generated from the same rule set, and the committed file
// must be what the generator writes today.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  catalogueRe2,
  collectorRedactionConfig,
  DEFAULT_RULES,
  SQL_PASSWORD_LITERAL_SOURCES,
} from '@apitrail/redaction/internal';
import { collectorConfigDir } from '../helpers/collector.ts';

const committed = readFileSync(join(collectorConfigDir, 'redaction.yaml'), 'utf8');

describe('redaction: collector-config/redaction.yaml', () => {
  it('is exactly what `npm run generate:redaction` writes from the current rule set (not stale)', () => {
    expect(committed, 'collector-config/redaction.yaml is stale: run `npm run generate:redaction`').to.equal(
      collectorRedactionConfig(DEFAULT_RULES),
    );
  });

  it('is a fragment defining only the redaction/apitrail and transform/apitrail processors', () => {
    const topLevel = committed.split('\n').filter((line) => /^[a-z]/.test(line));
    expect(topLevel).to.deep.equal(['processors:']);
    const processors = committed.split('\n').filter((line) => /^ {2}[a-z]/.test(line));
    expect(processors).to.deep.equal(['  redaction/apitrail:', '  transform/apitrail:']);
  });

  it('carries every sensitive key, every value pattern, the SQL password literal and the key=value rule', () => {
    const generated = collectorRedactionConfig(DEFAULT_RULES);
    const listed = (section: string): number => {
      const body = generated.split(`    ${section}:`)[1]!.split(/\n {4}\w/)[0]!;
      return body.split('\n').filter((line) => line.startsWith('      - ')).length;
    };
    expect(listed('blocked_key_patterns')).to.equal(DEFAULT_RULES.keys.length);
    // The value patterns, the catalogue's regexes, the SQL password literal's and the key=value rule.
    expect(listed('blocked_values')).to.equal(
      DEFAULT_RULES.patterns.length +
        catalogueRe2(DEFAULT_RULES.formats!).length +
        SQL_PASSWORD_LITERAL_SOURCES.length +
        1,
    );
    expect(listed('ignored_keys')).to.equal(DEFAULT_RULES.allow.filter((key) => !key.includes('*')).length);
  });

  it('writes RE2-safe regexes: repeat counts at most 1000, every $ escaped from config interpolation', () => {
    const generated = collectorRedactionConfig({
      keys: ['*secret*'],
      patterns: [{ name: 'long', source: 'x[a-z]{2,5000}$', trigger: 'x' }],
      allow: [],
    });
    expect(generated).to.include("'x[a-z]{2,}$$'");
    expect(generated).to.not.match(/\{\d+,\d{4,}\}/);
    expect(generated).to.not.match(/[^$]\$[^$]/);
  });
});
