// Performance invariants that rest on V8's object layout, asserted with V8 internals
// (`--allow-natives-syntax`, `%HasFastProperties`). They are not behaviour, so they run with the
// benchmarks (`npm run test:perf`), not in `npm test`: a V8 upgrade may change a threshold without
// changing what apitrail does.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../helpers/app.ts';

/** Runs `script` in a child Node with natives syntax enabled and returns what it printed. */
function withNatives(script: string): string {
  return execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
}

describe('V8 layout of hot objects', () => {
  it('@apitrail/core exports are a fast-mode object, so reads of core names from other packages are not hash lookups', () => {
    // A named re-export in core's index makes tsc write each name, then redefine it as a getter,
    // which turns the exports object into a dictionary.
    expect(
      withNatives("process.stdout.write(String(%HasFastProperties(require('@apitrail/core/internal'))))"),
    ).to.equal('true');
  });

  it('control: an object that lost a property is reported as a dictionary', () => {
    const script = 'const o = { a: 1, b: 2 }; delete o.a; process.stdout.write(String(%HasFastProperties(o)))';
    expect(withNatives(script)).to.equal('false');
  });
});
