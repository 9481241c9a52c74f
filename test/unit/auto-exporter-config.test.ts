import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { readAutoConfig } from '@apitrail/auto';
import { rootSampling } from '@apitrail/auto/internal';
import { ApitrailConfigError } from '@apitrail/core';

describe('exporter selection and OTLP settings from OTEL_*', () => {
  it('exports both signals over OTLP http/protobuf to localhost:4318 when nothing is set', () => {
    const config = readAutoConfig({});
    expect(config.traceExporters).to.deep.equal(['otlp']);
    expect(config.logExporters).to.deep.equal(['otlp']);
    expect(config.tracesOtlp).to.deep.equal({
      protocol: 'http/protobuf',
      url: 'http://localhost:4318/v1/traces',
      headers: {},
      timeoutMillis: 10000,
      compression: 'none',
    });
    expect(config.logsOtlp.url).to.equal('http://localhost:4318/v1/logs');
    expect(config.resourceAttributes).to.deep.equal({});
  });

  it('takes the exporters named, console and ndjson included, and none as no exporter', () => {
    const config = readAutoConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'console,ndjson' });
    expect(config.traceExporters).to.deep.equal([]);
    expect(config.logExporters).to.deep.equal(['console', 'ndjson']);
  });

  for (const variable of ['OTEL_TRACES_EXPORTER', 'OTEL_LOGS_EXPORTER'] as const) {
    it(`refuses "none" combined with another exporter in ${variable}`, () => {
      expect(() => readAutoConfig({ [variable]: 'none,otlp' }))
        .to.throw(ApitrailConfigError)
        .with.property('setting', variable);
    });
  }

  it('appends the signal path to the shared endpoint, and takes a signal endpoint as given', () => {
    const config = readAutoConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/base',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
    });
    expect(config.tracesOtlp.url).to.equal('https://traces.example/ingest');
    expect(config.logsOtlp.url).to.equal('https://collector.example:4318/base/v1/logs');
    expect(readAutoConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).logsOtlp.url).to.equal(
      'http://c:4318/v1/logs',
    );
  });

  it('lets a signal protocol, timeout and compression override the shared one', () => {
    const config = readAutoConfig({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700',
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
    });
    expect(config.tracesOtlp).to.include({ protocol: 'http/json', timeoutMillis: 700, compression: 'none' });
    expect(config.logsOtlp).to.include({ protocol: 'http/protobuf', timeoutMillis: 2500, compression: 'gzip' });
  });

  it('merges shared and signal headers, the signal one winning, URL-decoded', () => {
    const config = readAutoConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=shared,x-scope=a%20b',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-tenant=logs',
    });
    expect(config.logsOtlp.headers).to.deep.equal({ 'x-tenant': 'logs', 'x-scope': 'a b' });
    expect(config.tracesOtlp.headers).to.deep.equal({ 'x-tenant': 'shared', 'x-scope': 'a b' });
  });

  it('reads the resource from OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME winning', () => {
    const config = readAutoConfig({
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment=staging',
      OTEL_SERVICE_NAME: 'from-service-name',
    });
    expect(config.resourceAttributes).to.deep.equal({
      'service.name': 'from-service-name',
      'deployment.environment': 'staging',
    });
  });

  it('reads OTEL_RESOURCE_ATTRIBUTES as the specification writes it: percent-encoded, trimmed, a value keeping = and ;', () => {
    const config = readAutoConfig({
      OTEL_RESOURCE_ATTRIBUTES:
        ' team = pay%2C%20eu , build.hash=YWJj==,service.version=1.0;build=7,,note=100%25,k8s.ns=',
    });
    expect(config.resourceAttributes).to.deep.equal({
      team: 'pay, eu',
      'build.hash': 'YWJj==',
      'service.version': '1.0;build=7',
      note: '100%',
      'k8s.ns': '',
    });
  });

  it('refuses an OTLP header entry it cannot read, naming its position, never its value', () => {
    const secret = randomBytes(12).toString('hex');
    for (const value of [`x-api-key=${secret}%E0%A4`, `tenant=a,authorization ${secret}`, `=${secret}`]) {
      let message = '';
      expect(() => {
        try {
          readAutoConfig({ OTEL_EXPORTER_OTLP_HEADERS: value });
        } catch (error) {
          message = (error as Error).message;
          throw error;
        }
      })
        .to.throw(ApitrailConfigError)
        .with.property('setting', 'OTEL_EXPORTER_OTLP_HEADERS');
      expect(message)
        .to.match(/entry \d/)
        .and.not.include(secret);
    }
    // The exporter's own reading of a valid value is kept: percent-decoded, `;` starts metadata.
    expect(
      readAutoConfig({ OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${secret};x=1` }).logsOtlp.headers,
    ).to.deep.equal({
      authorization: `Bearer ${secret}`,
    });
  });

  for (const [variable, value] of [
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'thrift'],
    ['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'ftp://collector/v1/logs'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '0'],
    ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'brotli'],
  ] as const) {
    it(`refuses ${variable}=${value} and names the variable`, () => {
      expect(() => readAutoConfig({ [variable]: value }))
        .to.throw(ApitrailConfigError)
        .with.property('setting', variable);
    });
  }
});

describe('a refused OTLP endpoint', () => {
  it('is named, never echoed: an endpoint can carry credentials', () => {
    for (const endpoint of [
      (secret: string) => `ftp://user:${secret}@collector:4318`,
      (secret: string) => `http://user:${secret}@collector:99999`,
      (secret: string) => `collector/v1/logs?api_key=${secret}`,
    ]) {
      const secret = randomBytes(18).toString('base64url');
      const error = (() => {
        try {
          readAutoConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(secret) });
        } catch (thrown) {
          return thrown as ApitrailConfigError;
        }
        throw new Error('accepted');
      })();
      expect(error).to.be.instanceOf(ApitrailConfigError);
      expect(error.message).to.include('OTEL_EXPORTER_OTLP_ENDPOINT');
      expect(error.message, 'control: the message is about this endpoint').to.match(/not a URL|ftp:/);
      expect(error.message).to.not.include(secret);
    }
  });
});

describe('rootSampling: whether a trace a request starts is sampled, without a server span', () => {
  const traceIds = Array.from({ length: 400 }, () => randomBytes(16).toString('hex'));
  const sampledShare = (env: NodeJS.ProcessEnv): number =>
    traceIds.filter((traceId) => rootSampling(env)(traceId)).length / traceIds.length;

  it('samples every trace by default and with the always-on samplers', () => {
    for (const sampler of [undefined, 'always_on', 'parentbased_always_on', 'not_a_sampler']) {
      expect(sampledShare({ OTEL_TRACES_SAMPLER: sampler }), String(sampler)).to.equal(1);
    }
  });

  it('samples none with the always-off samplers', () => {
    for (const sampler of ['always_off', 'parentbased_always_off']) {
      expect(sampledShare({ OTEL_TRACES_SAMPLER: sampler }), sampler).to.equal(0);
    }
  });

  it('samples by trace id with the ratio samplers, as the SDK decides a root', () => {
    for (const sampler of ['traceidratio', 'parentbased_traceidratio']) {
      expect(sampledShare({ OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: '0' })).to.equal(0);
      const half = sampledShare({ OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: '0.5' });
      expect(half).to.be.within(0.35, 0.65);
      // Out of range or blank: the SDK's ratio 1.
      expect(sampledShare({ OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: '7' })).to.equal(1);
      expect(sampledShare({ OTEL_TRACES_SAMPLER: sampler })).to.equal(1);
    }
    // The same id gets the same answer as the SDK's own sampler.
    const sdk = new TraceIdRatioBasedSampler(0.5);
    const decide = rootSampling({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    for (const traceId of traceIds) {
      const expected = sdk.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
      expect(decide(traceId), traceId).to.equal(expected);
    }
  });
});
