// rules/generated/ ships the Sigma rules converted for Splunk (SPL), Elasticsearch (ES|QL) and
// OpenSearch/Kibana (Lucene over ECS): regenerated from rules/*.yml, they must be current.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDir, renderGeneratedQueries } from '../../scripts/lib/sigma-queries.mjs';

describe('generated Sigma conversions (rules/generated/)', function () {
  // sigma-cli twice and pySigma's OpenSearch backend once.
  this.timeout(120_000);
  let rendered: Record<string, string>;

  before(async () => {
    rendered = await renderGeneratedQueries();
  });

  for (const file of ['splunk-hec-savedsearches.conf', 'elasticsearch-ecs.esql', 'opensearch-ecs-lucene.json']) {
    it(`${file} is up to date with rules/`, () => {
      expect(rendered[file], `${file} is stale: run node scripts/generate-sigma-queries.mjs`).to.equal(
        readFileSync(join(generatedDir, file), 'utf8'),
      );
    });
  }

  it('names every rule: each correlation and each standalone rule is a saved search', () => {
    const lucene = JSON.parse(rendered['opensearch-ecs-lucene.json']!) as { rules: { kind: string; title: string }[] };
    const correlations = lucene.rules.filter((rule) => rule.kind === 'correlation');
    expect(correlations.length).to.be.above(0);
    for (const rule of correlations) expect(rendered['splunk-hec-savedsearches.conf']).to.include(`[${rule.title}]`);
    expect(rendered['splunk-hec-savedsearches.conf']).to.include('[API key used after it was revoked or expired');
  });
});
