// The winston → OTel Logs bridge, in process, with a real winston logger and the real SDK
// LoggerProvider carrying apitrail's request context processor.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { ROOT_CONTEXT, TraceFlags, context, logs, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import winston from 'winston';
import { setRequestContext } from '@apitrail/core/internal';
import { RequestContextLogRecordProcessor } from '@apitrail/http';
import { ApitrailLogTransport, instrumentLogger } from '@apitrail/winston';

const exporter = new InMemoryLogRecordExporter();

/** A transport of the app's own, writing nowhere (winston needs one besides the bridge). */
function appTransport(): winston.transport {
  return new winston.transports.Stream({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}

/** The app's own format only prints the message: what the bridge sends must not depend on it. */
const messageOnly = winston.format.printf((info) => String(info.message));

function instrumented(options: winston.LoggerOptions = {}): winston.Logger {
  return instrumentLogger(
    winston.createLogger({ level: 'info', format: messageOnly, transports: [appTransport()], ...options }),
  );
}

function inRequest(): { ctx: Context; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  const withSpan = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
  });
  const ctx = setRequestContext(withSpan, {
    correlationId: 'req-bridge-1',
    identity: { apiKeyId: 'key-7', tenantId: 'tenant-7', authenticationMethod: 'api_key', isApiKeyRequest: true },
  });
  return { ctx, traceId };
}

const bridges = (logger: winston.Logger) =>
  logger.transports.filter(
    (transport) => transport instanceof ApitrailLogTransport || transport instanceof OpenTelemetryTransportV3,
  );

describe('winston → OTel log bridge', () => {
  let provider: LoggerProvider;

  before(() => {
    // The API keeps the first global it is given: clear what another suite may have left.
    context.disable();
    logs.disable();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    provider = new LoggerProvider({
      processors: [new RequestContextLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter })],
    });
    logs.setGlobalLoggerProvider(provider);
  });
  beforeEach(() => exporter.reset());
  after(async () => {
    await provider.shutdown();
    logs.disable();
    context.disable();
  });

  const records = () => exporter.getFinishedLogRecords();

  describe('severity', () => {
    const expected: Record<string, Record<string, number>> = {
      npm: { error: 17, warn: 13, info: 9, http: 7, verbose: 6, debug: 5, silly: 1 },
      syslog: { emerg: 23, alert: 22, crit: 21, error: 17, warning: 13, notice: 10, info: 9, debug: 5 },
      cli: { error: 17, warn: 13, help: 11, data: 10, info: 9, debug: 5, prompt: 4, verbose: 3, input: 2, silly: 1 },
    };
    for (const [set, severities] of Object.entries(expected)) {
      it(`maps every level of the ${set} set`, () => {
        const levels = winston.config[set as 'npm' | 'syslog' | 'cli'].levels;
        const lowest = Object.entries(levels).sort(([, a], [, b]) => b - a)[0]![0];
        const logger = instrumented({ levels, level: lowest });
        for (const level of Object.keys(severities)) logger.log(level, `at ${level}`);
        const got = Object.fromEntries(records().map((record) => [record.severityText, record.severityNumber]));
        expect(got).to.deep.equal(severities);
      });
    }

    it('reads the level winston logged, not the text format.colorize() and format.timestamp() leave', () => {
      const logger = instrumented({
        format: winston.format.combine(
          winston.format.timestamp({ format: 'YYYY-MM-DD HH:mm:ss' }),
          winston.format.colorize(),
        ),
      });
      logger.warn('coloured');
      expect(records()[0]).to.include({ severityText: 'warn', severityNumber: 13 });
      // The record's own time says when; a zone-less app timestamp must not shadow it downstream.
      expect(records()[0]!.attributes).to.not.have.property('timestamp');
    });

    it('leaves a custom level UNSPECIFIED rather than guessing', () => {
      const logger = instrumented({ levels: { audit: 0, chatter: 1 }, level: 'chatter' });
      logger.log('audit', 'custom');
      expect(records()[0]).to.include({ severityText: 'audit', severityNumber: 0 });
    });
  });

  describe('request context', () => {
    it('emits in the caller’s context: trace id and identity on the record, context fields not repeated', () => {
      const logger = instrumented();
      const { ctx, traceId } = inRequest();
      context.with(ctx, () => logger.info('inside', { provider: 'aws' }));
      const [record] = records();
      expect(record!.spanContext?.traceId).to.equal(traceId);
      expect(record!.instrumentationScope.name).to.equal('app');
      expect(record!.body).to.equal('inside');
      expect(record!.attributes).to.deep.include({
        provider: 'aws',
        'correlation.id': 'req-bridge-1',
        'api_key.id': 'key-7',
        'tenant.id': 'tenant-7',
      });
      for (const field of ['trace_id', 'span_id', 'trace_flags', 'request_id', 'api_key_id', 'tenant_id']) {
        expect(record!.attributes).to.not.have.property(field);
      }
    });

    it('keeps the caller’s context when winston delivers the record later, outside it', () => {
      const logger = instrumented();
      const { ctx, traceId } = inRequest();
      logger.cork();
      context.with(ctx, () => logger.info('buffered'));
      expect(records(), 'still buffered').to.have.length(0);
      logger.uncork();
      expect(records()).to.have.length(1);
      expect(records()[0]!.spanContext?.traceId).to.equal(traceId);
      expect(records()[0]!.attributes['correlation.id']).to.equal('req-bridge-1');
    });

    it('adds no identity and no trace outside a request', () => {
      instrumented().info('outside');
      const [record] = records();
      expect(record!.spanContext).to.equal(undefined);
      expect(record!.attributes).to.not.have.property('correlation.id');
    });

    it('keeps metadata from forging identity attributes, audit fields or the audit scope', () => {
      const logger = instrumented();
      const body = {
        'api_key.id': 'victim-key',
        'tenant.id': 'tenant-victim',
        is_api_key_request: true,
        logger: 'api',
      };
      context.with(inRequest().ctx, () => logger.info('payload received', body));
      const [record] = records();
      expect(record!.instrumentationScope.name).to.equal('app.api');
      expect(record!.attributes).to.deep.include({
        'api_key.id': 'key-7',
        'tenant.id': 'tenant-7',
        'app.api_key.id': 'victim-key',
        'app.tenant.id': 'tenant-victim',
        'app.is_api_key_request': true,
      });
      expect(record!.attributes).to.not.have.property('is_api_key_request');
    });

    it('uses the logger named in the metadata as the instrumentation scope', () => {
      instrumented().child({ logger: 'billing' }).info('charged');
      expect(records()[0]!.instrumentationScope.name).to.equal('billing');
      expect(records()[0]!.attributes).to.not.have.property('logger');
    });
  });

  describe('exceptions', () => {
    it('maps an `err` field to exception.* attributes', () => {
      instrumented().error('upstream failed', { err: new TypeError('bad upstream'), retry: 2 });
      const { attributes } = records()[0]!;
      expect(attributes).to.include({
        'exception.type': 'TypeError',
        'exception.message': 'bad upstream',
        retry: 2,
      });
      expect(attributes['exception.stacktrace']).to.be.a('string').and.include('winston-bridge.test.ts');
      expect(attributes).to.not.have.property('err');
    });

    it('maps an Error passed as metadata (winston copies its stack onto the record)', () => {
      instrumented().error('failed:', new RangeError('out of range'));
      const { attributes, body } = records()[0]!;
      expect(body).to.equal('failed: out of range');
      expect(attributes['exception.type']).to.equal('RangeError');
      expect(attributes['exception.stacktrace'])
        .to.be.a('string')
        .and.match(/^RangeError: out of range/);
      expect(attributes).to.not.have.property('stack');
    });

    it('records a thrown non-Error value without inventing an exception', () => {
      instrumented().error('thrown', { err: 'just a string' });
      const { attributes } = records()[0]!;
      expect(attributes).to.include({ err: 'just a string' });
      expect(attributes).to.not.have.property('exception.type');
    });
  });

  describe('hostile metadata', () => {
    it('emits one bounded record marked truncated, and never throws into the app', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      const trap = {};
      Object.defineProperty(trap, 'boom', {
        enumerable: true,
        get() {
          throw new Error('getter exploded');
        },
      });
      const logger = instrumented();
      expect(() =>
        logger.warn('hostile', { loop, big: 2n ** 70n, buf: Buffer.alloc(4), trap, blob: 'z'.repeat(1 << 20) }),
      ).to.not.throw();
      expect(records()).to.have.length(1);
      const { attributes } = records()[0]!;
      expect(attributes).to.deep.include({
        loop: { self: '[Circular]' },
        big: (2n ** 70n).toString(),
        buf: '[Buffer: 4 bytes]',
        trap: { boom: '[Thrown: Error]' },
        'apitrail.log.truncated': true,
      });
      expect((attributes.blob as string).length).to.be.below(10_000);
    });
  });

  describe('one bridge per logger', () => {
    it('is idempotent and survives logger.configure()', () => {
      const logger = instrumented();
      instrumentLogger(logger);
      logger.configure({ transports: [appTransport()] });
      expect(bridges(logger)).to.have.length(1);
      logger.info('once');
      expect(records()).to.have.length(1);
    });

    it('survives logger.clear() before the app adds its new transports', () => {
      const logger = instrumented();
      logger.clear().add(appTransport());
      expect(bridges(logger)).to.have.length(1);
      logger.info('still exported');
      expect(records()).to.have.length(1);
    });

    it('maps severity with the level set configure() installed after the bridge was added', () => {
      const logger = instrumented();
      logger.configure({ levels: winston.config.cli.levels, level: 'silly', transports: [appTransport()] });
      logger.log('verbose', 'cli verbose');
      expect(records()[0]).to.include({ severityText: 'verbose', severityNumber: 3 });
    });

    it('replaces @opentelemetry/winston-transport, which would send every record a second time', () => {
      const logger = winston.createLogger({
        format: messageOnly,
        transports: [appTransport(), new OpenTelemetryTransportV3()],
      });
      instrumentLogger(logger);
      expect(bridges(logger).map((transport) => transport.constructor.name)).to.deep.equal(['ApitrailLogTransport']);
      logger.info('once only');
      expect(records()).to.have.length(1);
    });
  });
});
