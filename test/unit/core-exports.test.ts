// How @apitrail/core hands out its loggers, read on every request from every other package. (The
// layout of its exports object is a performance invariant: test/perf/v8-layout.test.ts.)
import { expect } from 'chai';
import { logs } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { INSTRUMENTATION_VERSION, globalLogger } from '@apitrail/core/internal';

describe('@apitrail/core exports', () => {
  describe('globalLogger', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = () => new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });

    beforeEach(() => {
      logs.disable();
      exporter.reset();
    });
    after(() => logs.disable());

    it('keeps one logger per global provider and fetches a new one when the provider changes', () => {
      const logger = globalLogger('apitrail.test');
      const beforeStart = logger();
      expect(logger()).to.equal(beforeStart);

      logs.setGlobalLoggerProvider(provider());
      const started = logger();
      expect(started).to.not.equal(beforeStart);
      expect(logger()).to.equal(started);

      logs.disable();
      logs.setGlobalLoggerProvider(provider());
      const replaced = logger();
      expect(replaced).to.not.equal(started);
      replaced.emit({ body: 'through the replacing provider' });
      const [record] = exporter.getFinishedLogRecords();
      expect(record!.body).to.equal('through the replacing provider');
      expect(record!.instrumentationScope).to.include({ name: 'apitrail.test', version: INSTRUMENTATION_VERSION });
    });
  });
});
