// The OpenSearch/Elasticsearch index template is generated from FIELD_MAPPINGS: it must be current,
// and every mapped ECS field must have the type its values need for queries and aggregations.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as core from '@apitrail/core/internal';
import { indexTemplate, indexTemplatePath, renderIndexTemplate } from '../../scripts/lib/siem-index-template.mjs';

type Properties = Record<string, { type: string; ignore_malformed?: boolean }>;
const properties = (template: Record<string, unknown>): Properties =>
  (template as { template: { mappings: { properties: Properties } } }).template.mappings.properties;

describe('SIEM index template (siem/apitrail-index-template.json)', () => {
  it('is up to date with FIELD_MAPPINGS', async () => {
    expect(
      await renderIndexTemplate(core),
      'stale: run npx tsc -b packages/core && node scripts/generate-siem-index-template.mjs',
    ).to.equal(readFileSync(indexTemplatePath, 'utf8'));
  });

  it('types the fields detections compare, count and range over', () => {
    const fields = properties(indexTemplate(core));
    expect(fields['source.ip']).to.deep.equal({ type: 'ip', ignore_malformed: true });
    expect(fields['@timestamp']!.type).to.equal('date_nanos');
    expect(fields['http.response.status_code']!.type).to.equal('long');
    expect(fields['event.duration']!.type).to.equal('long');
    expect(fields['apitrail.api_key.in_query']!.type).to.equal('boolean');
    expect(fields['apitrail.api_key.id']!.type).to.equal('keyword');
    expect(fields['organization.id']!.type).to.equal('keyword');
  });

  it('maps every ECS field of FIELD_MAPPINGS, and a new mapping with its type', () => {
    const extended = {
      ...core,
      FIELD_MAPPINGS: [
        ...core.FIELD_MAPPINGS,
        { attribute: 'x.count', ndjson: 'x_count', ecs: 'apitrail.x.count', ecsType: 'long' },
      ],
    };
    const fields = properties(indexTemplate(extended));
    for (const mapping of core.FIELD_MAPPINGS) expect(fields, mapping.ecs).to.have.property(mapping.ecs);
    expect(fields['apitrail.x.count']).to.deep.equal({ type: 'long', ignore_malformed: true });
  });
});
