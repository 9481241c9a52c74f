// `npm test` checks behaviour; V8-internal assertions (natives syntax: %HasFastProperties, ...) check
// a performance invariant that a V8 upgrade may move, and live in test/perf (`npm run test:perf`).
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const testDir = resolve(import.meta.dirname, '..');
const NATIVES = /--allow-natives-syntax|%[A-Z][A-Za-z]+\(/;

const filesUnder = (dir: string): string[] =>
  readdirSync(join(testDir, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(m?ts|cjs|mjs|js)$/.test(file))
    .map((file) => join(dir, file));

describe('test suites', () => {
  it('npm test (test/unit, test/e2e, their helpers and fixtures) uses no V8 natives syntax', () => {
    const offenders = ['unit', 'e2e', 'helpers', 'fixtures']
      .flatMap(filesUnder)
      .filter((file) => file !== join('unit', 'test-suites.test.ts'))
      .filter((file) => NATIVES.test(readFileSync(join(testDir, file), 'utf8')));
    expect(offenders).to.deep.equal([]);
  });

  it('control: test/perf does', () => {
    expect(filesUnder('perf').some((file) => NATIVES.test(readFileSync(join(testDir, file), 'utf8')))).to.equal(true);
  });
});
