// How the register condenses export failures: one line per exporter and interval from the
// reporter, and the SDK's own lines about those failures (retry notices, the global error
// handler's JSON of the error) recognised exactly and left out, while everything else, an app's
// own use of the global error handler included, is printed as before.
import { expect } from 'chai';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, loggingErrorHandler, type ExportResult } from '@opentelemetry/core';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { TracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import {
  condenseExportDiagnostics,
  DropReporter,
  endpointForDisplay,
  errorAsOtelPrintsIt,
  ExportFailureReporter,
  exportFailureReason,
  guardSpanExporter,
  isExportRetryNotice,
} from '@apitrail/auto/internal';

type Level = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** A DiagLogger that keeps every message with its level. */
function capture(): { logger: DiagLogger; lines: Array<[Level, string]> } {
  const lines: Array<[Level, string]> = [];
  const at =
    (level: Level) =>
    (...args: unknown[]): void => {
      lines.push([level, args.map(String).join(' ')]);
    };
  return {
    lines,
    logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('verbose') },
  };
}

/** Installs `logger` as OTel's diagnostic logger (what the register does), at every level, and forgets the API's own line about it. */
function install(logger: DiagLogger, lines: unknown[]): void {
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  lines.length = 0;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    address: '127.0.0.1',
    port: 9,
  });
}

describe('export failures: condensing', () => {
  afterEach(() => diag.disable());

  describe('errorAsOtelPrintsIt', () => {
    for (const [name, error] of [
      ['an Error', new Error('plain')],
      ['a system error', refused()],
      ['an OTLPExporterError', new OTLPExporterError('Bad Request', 400, '{"why":"no"}')],
      ['a string', 'just a string'],
      [
        'an object with inherited properties',
        Object.create({ inherited: 'yes', message: 'proto' }, { own: { value: 1 } }),
      ],
    ] as const) {
      it(`is what OTel's logging error handler prints, for ${name}`, () => {
        const { logger, lines } = capture();
        install(logger, lines);
        loggingErrorHandler()(error as Error);
        expect(lines).to.deep.equal([['error', errorAsOtelPrintsIt(error)]]);
      });
    }
  });

  describe('isExportRetryNotice', () => {
    it("recognises the OTLP retrying transport's messages, whole", () => {
      for (const message of [
        'Export retry time 5000ms exceeds remaining timeout 1870ms, not retrying further.',
        'Export retry time 1200ms exceeds remaining timeout -3ms, not retrying further.',
        'Export failed after maximum retry attempts (5).',
        'Export failed with non-retryable error: OTLPExporterError: Bad Request',
        'Scheduling export retry in 1000ms',
      ]) {
        expect(isExportRetryNotice([message]), message).to.equal(true);
      }
    });

    it('not a message that only looks like one, nor one with more arguments', () => {
      for (const args of [
        ['app: Export retry time 5000ms exceeds remaining timeout 1870ms, not retrying further.'],
        ['Export retry time soon'],
        ['Export retry time 5000ms exceeds remaining timeout 1870ms, not retrying further. And more'],
        ['Export failed after maximum retry attempts (5).', { extra: true }],
        [new Error('Export failed after maximum retry attempts (5).')],
      ]) {
        expect(isExportRetryNotice(args), String(args[0])).to.equal(false);
      }
    });
  });

  describe('exportFailureReason and endpointForDisplay', () => {
    it('says what failed in a few words, without a stack', () => {
      expect(exportFailureReason(refused())).to.equal('connect ECONNREFUSED');
      expect(exportFailureReason(new OTLPExporterError('Bad Request', 400, 'body'))).to.equal('HTTP 400 Bad Request');
      expect(exportFailureReason(new OTLPExporterError('Export failed with retryable status'))).to.equal(
        'the receiver answered 429, 502, 503 or 504 until the retries ran out',
      );
      expect(exportFailureReason(new Error('Request timed out'))).to.equal('Request timed out');
      expect(exportFailureReason(undefined)).to.equal('no reason given');
      expect(exportFailureReason(new Error('line\nbreak'))).to.not.include('\n');
      expect(exportFailureReason(new Error('x'.repeat(1000))).length).to.be.below(200);
    });

    it('drops user, password, query and fragment from the endpoint', () => {
      expect(endpointForDisplay('https://user:secret@otel.example:4318/v1/traces?token=abc#x')).to.equal(
        'https://otel.example:4318/v1/traces',
      );
      expect(endpointForDisplay('not a url')).to.equal('an invalid URL');
    });
  });

  describe('ExportFailureReporter', () => {
    it('one line at the first failure, the sum per interval while failures go on, one line at recovery', async () => {
      const { logger, lines } = capture();
      install(logger, lines);
      const reporter = new ExportFailureReporter('span export', 'http://collector:4318/v1/traces', 100);
      for (let i = 0; i < 5; i++) reporter.failed(refused());
      expect(lines).to.deep.equal([
        [
          'warn',
          'apitrail: span export to http://collector:4318/v1/traces failing (connect ECONNREFUSED); further failures are summed every 100 ms',
        ],
      ]);
      await sleep(150);
      expect(lines[1]).to.deep.equal([
        'warn',
        'apitrail: 4 more span export failures to http://collector:4318/v1/traces (connect ECONNREFUSED)',
      ]);
      // A quiet interval: no line.
      await sleep(250);
      expect(lines).to.have.length(2);
      reporter.succeeded();
      reporter.succeeded();
      expect(lines.slice(2)).to.deep.equal([
        ['warn', 'apitrail: span export to http://collector:4318/v1/traces recovered after 5 failed exports'],
      ]);
      // A new outage is announced again.
      reporter.failed(new Error('Request timed out'));
      expect(lines[3]?.[1]).to.match(/failing \(Request timed out\)/);
      reporter.succeeded();
    });

    it('says nothing while exports succeed', () => {
      const { logger, lines } = capture();
      install(logger, lines);
      const reporter = new ExportFailureReporter('log export', 'stdout', 100);
      for (let i = 0; i < 10; i++) reporter.succeeded();
      expect(lines).to.deep.equal([]);
    });
  });

  describe('condenseExportDiagnostics', () => {
    it("leaves out the global error handler's printing of the error an export just failed with, once", async () => {
      const { logger, lines } = capture();
      const condensed = condenseExportDiagnostics(logger);
      const reporter = new ExportFailureReporter('span export', 'http://collector:4318/v1/traces', 10_000);
      const error = refused();
      install(condensed, lines);
      reporter.failed(error);
      const printed = errorAsOtelPrintsIt(error);
      condensed.error(printed);
      expect(lines.filter(([level]) => level === 'error')).to.deep.equal([]);
      // A second printing was not expected: it is shown.
      condensed.error(printed);
      expect(lines.filter(([level]) => level === 'error')).to.have.length(1);
      // Once the event loop has moved on, nothing is expected any more.
      reporter.failed(error);
      await nextTurn();
      condensed.error(printed);
      expect(lines.filter(([level]) => level === 'error')).to.have.length(2);
      reporter.succeeded();
    });

    it('prints what it does not recognise: another error, another level, more arguments, a retry notice at warn', () => {
      const { logger, lines } = capture();
      const condensed = condenseExportDiagnostics(logger);
      const reporter = new ExportFailureReporter('span export', 'http://collector:4318/v1/traces', 10_000);
      install(condensed, lines);
      const error = refused();
      reporter.failed(error);
      const before = lines.length;
      // The same message with another stack: an app's own error, not the export's.
      condensed.error(errorAsOtelPrintsIt(refused()));
      condensed.warn(errorAsOtelPrintsIt(error));
      condensed.error(errorAsOtelPrintsIt(error), 'more');
      condensed.warn('Export retry time 5000ms exceeds remaining timeout 1870ms, not retrying further.');
      condensed.info('an info line');
      condensed.debug('a debug line');
      expect(lines.slice(before).map(([level]) => level)).to.deep.equal([
        'error',
        'warn',
        'error',
        'warn',
        'info',
        'debug',
      ]);
      condensed.info('Export retry time 5000ms exceeds remaining timeout 1870ms, not retrying further.');
      expect(lines.slice(before)).to.have.length(6);
      reporter.succeeded();
    });

    it("with the SDK's batch span processor: its error handler's line is left out, an app's own use of it is not", async () => {
      const { logger, lines } = capture();
      install(condenseExportDiagnostics(logger), lines);
      let exports = 0;
      const failing: SpanExporter = {
        export: (_spans: ReadableSpan[], done: (result: ExportResult) => void) => {
          exports += 1;
          setTimeout(() => done({ code: ExportResultCode.FAILED, error: refused() }), 1);
        },
        shutdown: () => Promise.resolve(),
      };
      const failures = new ExportFailureReporter('span export', 'http://collector:4318/v1/traces', 10_000);
      const drops = new DropReporter('spans/test', 10_000);
      const processor = new BatchSpanProcessor({
        exporter: guardSpanExporter(failing, drops, failures),
        scheduledDelayMillis: 5,
        selfObsMeterProvider: drops.meterProvider(),
      });
      const provider = new TracerProvider({ spanProcessors: [processor] });
      const tracer = provider.getTracer('test');
      for (let i = 0; i < 5; i++) {
        tracer.startSpan(`span ${i}`).end();
        await sleep(30);
      }
      await sleep(50);
      globalErrorHandler(new Error('the app reports this'));
      expect(exports, 'exports failed').to.be.at.least(3);
      const text = lines.map(([, line]) => line);
      expect(text.filter((line) => line.includes('ECONNREFUSED'))).to.deep.equal([
        'apitrail: span export to http://collector:4318/v1/traces failing (connect ECONNREFUSED); further failures are summed every 10000 ms',
      ]);
      expect(text.some((line) => line.includes('the app reports this'))).to.equal(true);
      failures.succeeded();
      await provider.shutdown().catch(() => undefined);
    });
  });
});
