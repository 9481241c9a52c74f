// Stable OpenTelemetry names come from @opentelemetry/semantic-conventions: no apitrail source
// spells one as a string literal (packages/core/src/semconv.ts imports them and hands them out).
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as stable from '@opentelemetry/semantic-conventions';

const packagesDir = resolve(import.meta.dirname, '..', '..', 'packages');

const stableAttributeNames = Object.entries(stable)
  .filter(([name, value]) => name.startsWith('ATTR_') && typeof value === 'string')
  .map(([, value]) => value as string);

/**
 * The stable attribute names `source` spells as a string literal. ECS field names (`ecs: '...'` in
 * FIELD_MAPPINGS) are another vocabulary that sometimes spells the same name, and are not counted.
 */
function retypedStableNames(source: string): string[] {
  const code = source.replaceAll(/ecs: '[^']*'/g, '');
  return stableAttributeNames.filter((name) => code.includes(`'${name}'`) || code.includes(`"${name}"`));
}

const sources = readdirSync(packagesDir).flatMap((pkg) =>
  readdirSync(join(packagesDir, pkg, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.m?ts$/.test(file))
    .map((file) => join('packages', pkg, 'src', file)),
);

describe('stable semantic conventions', () => {
  it('are imported, never retyped, in packages/*/src', () => {
    const retyped = sources.flatMap((file) =>
      retypedStableNames(readFileSync(join(packagesDir, '..', file), 'utf8')).map((name) => `${file}: ${name}`),
    );
    expect(retyped).to.deep.equal([]);
  });

  it('control: a retyped name is found', () => {
    expect(stableAttributeNames.length).to.be.above(50);
    expect(retypedStableNames("const path = 'url.path';")).to.deep.equal(['url.path']);
  });
});
