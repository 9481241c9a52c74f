// The CPU-profile summary behind BENCHMARKS.md's findings: who owns each frame, and self time per owner.
import { expect } from 'chai';
import { hottestFunctions, ownerOf, selfTimeByOwner, type CpuProfile } from '../../bench/lib/profile-summary.ts';

const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url } });

describe('bench CPU profile summary', () => {
  it('names the owner of a frame: workspace package, dependency, node core, V8 pseudo-frame', () => {
    expect(ownerOf('file:///repo/packages/integrity/dist/canonical.js', 'canonicalJson')).to.equal(
      '@apitrail/integrity',
    );
    expect(ownerOf('file:///repo/node_modules/@opentelemetry/sdk-logs/dist/x.cjs', 'emit')).to.equal(
      '@opentelemetry/sdk-logs',
    );
    expect(ownerOf('file:///repo/node_modules/express/lib/router.js', 'handle')).to.equal('express');
    expect(ownerOf('node:internal/streams/writable', 'write')).to.equal('node core');
    expect(ownerOf('', '(garbage collector)')).to.equal('(garbage collector)');
    expect(ownerOf('', 'RegExp: (?:eyJ)|(?:AKIA)')).to.equal('(regular expressions)');
    expect(ownerOf('file:///repo/bench/http/app.cjs', 'plainHandler')).to.equal('application');
  });

  it('adds up self time per owner and per function from the samples and their time deltas', () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', ''),
        frame(2, 'sign', 'file:///r/packages/integrity/dist/chain-signer.js'),
        frame(3, 'canonicalJson', 'file:///r/packages/integrity/dist/canonical.js'),
        frame(4, 'emit', 'file:///r/node_modules/@opentelemetry/sdk-logs/dist/Logger.cjs'),
      ],
      samples: [2, 3, 3, 4, 1],
      timeDeltas: [10, 20, 30, 5, 1],
    };
    expect(selfTimeByOwner(profile)).to.deep.equal([
      ['@apitrail/integrity', 60],
      ['@opentelemetry/sdk-logs', 5],
      ['(root)', 1],
    ]);
    expect(hottestFunctions(profile, 2)).to.deep.equal([
      ['@apitrail/integrity canonicalJson canonical.js', 50],
      ['@apitrail/integrity sign chain-signer.js', 10],
    ]);
  });
});
