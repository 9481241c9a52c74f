// The semconv-derived blocks of collector-config/ (security-event routing condition, ECS renames)
// must match what scripts/generate-collector-config.mjs renders from the built @apitrail/core.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@apitrail/core/internal';
import {
  GENERATED_FILES,
  collectorConfigDir,
  ecsStatements,
  generatedBlocks,
  renderGenerated,
  securityEventCondition,
} from '../../scripts/lib/collector-config-gen.mjs';

const STALE = 'stale: run `npx tsc -b packages/core && node scripts/generate-collector-config.mjs`';

describe('collector-config generated blocks', () => {
  for (const file of GENERATED_FILES) {
    it(`${file} is up to date with FIELD_MAPPINGS and the event names`, () => {
      const text = readFileSync(join(collectorConfigDir, file), 'utf8');
      expect(text).to.match(/# BEGIN GENERATED /);
      expect(renderGenerated(text, generatedBlocks(core)), `${file} is ${STALE}`).to.equal(text);
    });
  }

  it('notices a mapping added to FIELD_MAPPINGS', () => {
    const text = readFileSync(join(collectorConfigDir, 'siem-elasticsearch.yaml'), 'utf8');
    const extended = {
      ...core,
      FIELD_MAPPINGS: [...core.FIELD_MAPPINGS, { attribute: 'x.new', ndjson: 'x_new', ecs: 'apitrail.x.new' }],
    };
    const rendered = renderGenerated(text, generatedBlocks(extended));
    expect(rendered).to.not.equal(text);
    expect(rendered).to.include(`set(log.attributes["apitrail.x.new"], log.attributes["x.new"])`);
  });

  it('routes every OWASP and apitrail event name, and never the per-request audit record', () => {
    const condition = securityEventCondition(core);
    for (const name of [...Object.values(core.OWASP_EVENTS), ...Object.values(core.APITRAIL_EVENTS)]) {
      expect(condition).to.include(`log.event_name == "${name}"`);
    }
    expect(condition).to.not.include(core.EVENT_API_REQUEST);
    expect(condition).to.include(`log.attributes["${core.ATTR_EVENT_CATEGORY}"] == "authentication"`);
  });

  it('renames every attribute whose ECS field differs, converting seconds to integer nanoseconds', () => {
    const statements = ecsStatements(core);
    const renamed = core.FIELD_MAPPINGS.filter((mapping) => mapping.attribute !== mapping.ecs);
    expect(statements).to.have.length(renamed.length * 2);
    expect(statements).to.include(
      `set(log.attributes["event.duration"], Int(log.attributes["${core.ATTR_REQUEST_DURATION}"] * 1000000000)) where log.attributes["${core.ATTR_REQUEST_DURATION}"] != nil`,
    );
    expect(statements).to.include(
      `set(log.attributes["organization.id"], log.attributes["${core.ATTR_TENANT_ID}"]) where log.attributes["${core.ATTR_TENANT_ID}"] != nil`,
    );
  });

  it('refuses a block name it does not know', () => {
    expect(() => renderGenerated('  # BEGIN GENERATED nope\n  # END GENERATED nope\n', {})).to.throw(
      /unknown generated block "nope"/,
    );
  });
});
