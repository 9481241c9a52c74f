// How @apitrail/core hands out its names and loggers: both are read on every request, from every
// other package.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { logs } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { INSTRUMENTATION_VERSION, globalLogger } from '@apitrail/core';
import { repoRoot } from '../helpers/app.ts';

describe('@apitrail/core exports', () => {
  it('are a fast-mode object, so reads of core names from other packages are not hash lookups', () => {
    // A named re-export in core's index makes tsc write each name, then redefine it as a getter,
    // which turns the exports object into a dictionary.
    const fast = execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '-e', "process.stdout.write(String(%HasFastProperties(require('@apitrail/core'))))"],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(fast).to.equal('true');
  });

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
