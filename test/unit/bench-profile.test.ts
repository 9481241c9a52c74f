// The CPU-profile summary behind BENCHMARKS.md's findings: who owns each frame, and self time per owner.
import { expect } from 'chai';
import {
  componentOf,
  hottestFunctions,
  ownerOf,
  selfTimeByComponent,
  selfTimeByOwner,
  type CpuProfile,
} from '../../bench/lib/profile-summary.ts';

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

  it('attributes each frame to a component of the request path', () => {
    const sdk = 'file:///r/node_modules/@opentelemetry/sdk-node/node_modules/@opentelemetry';
    expect(componentOf('file:///r/packages/redaction/dist/redactor.js', 'redact')).to.equal('apitrail redaction');
    expect(componentOf(`${sdk}/sdk-logs/dist/LogRecordImpl.cjs`, 'LogRecordImpl')).to.equal('OTel logs SDK');
    expect(componentOf(`${sdk}/sdk-trace/dist/Tracer.cjs`, 'startSpan')).to.equal('OTel tracing SDK');
    expect(componentOf(`${sdk}/sdk-logs/dist/utils/attributes.cjs`, 'isAnyValue')).to.equal('OTel attribute checks');
    expect(componentOf(`${sdk}/context-async-hooks/dist/AsyncLocalStorageContextManager.cjs`, 'with')).to.equal(
      'OTel context',
    );
    expect(componentOf('file:///r/node_modules/@opentelemetry/otlp-transformer/dist/w.cjs', 'writeString')).to.equal(
      'OTLP export (serialisation, HTTP)',
    );
    expect(componentOf('file:///r/node_modules/@opentelemetry/instrumentation-http/dist/http.cjs', 'x')).to.equal(
      'OTel instrumentation-http',
    );
    expect(componentOf('', '(writev)')).to.equal('node core and system calls (sockets, files)');
    expect(componentOf('node:_http_server', 'writeHead')).to.equal('node core and system calls (sockets, files)');
    expect(componentOf('', '(program)')).to.equal('V8 (compile, other)');
    expect(componentOf('', '(garbage collector)')).to.equal('garbage collection');
    expect(componentOf('', 'RegExp: (?:eyJ)')).to.equal('regular expressions (redaction)');
    expect(componentOf('file:///r/node_modules/pino/pino.js', 'write')).to.equal('pino');
    const profile: CpuProfile = {
      nodes: [frame(1, '(idle)', ''), frame(2, '(writev)', ''), frame(3, 'writeHead', 'node:_http_server')],
      samples: [1, 2, 3],
      timeDeltas: [7, 2, 3],
    };
    expect(selfTimeByComponent(profile)).to.deep.equal([
      ['(idle)', 7],
      ['node core and system calls (sockets, files)', 5],
    ]);
  });
});
