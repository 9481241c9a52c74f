// reportSpoolsElsewhere runs after start, from a promise: nothing it does may become an unhandled
// rejection, which Node ends the app on. A diagnostic logger that throws stands for any fault in
// what it does with the spools it found.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { readAutoConfig, reportSpoolsElsewhere } from '@apitrail/auto/internal';
import { faultCounts } from '@apitrail/core/internal';
import { collectUnhandledRejections } from '../helpers/unhandled-rejections.ts';

describe('reportSpoolsElsewhere', () => {
  const unhandled = collectUnhandledRejections();
  afterEach(() => diag.disable());

  it('a fault while reporting a spool it found is counted, never an unhandled rejection', async () => {
    const state = mkdtempSync(join(tmpdir(), 'apitrail-elsewhere-unit-'));
    // A spool of this program under another service name, its writer (a pid no process has) gone.
    const other = join(state, 'apitrail', 'spool', 'earlier-name');
    mkdirSync(other, { recursive: true });
    writeFileSync(
      join(other, `000000001-${2 ** 22 + 12345}-00000001.ndjson`),
      `${JSON.stringify({ resource: { 'service.name': 'earlier-name', 'process.command': process.argv[1] } })}\n` +
        `{"t":[0,0],"o":[0,0]}\n`,
    );
    const env = { XDG_STATE_HOME: state, OTEL_SERVICE_NAME: 'later-name', OTEL_LOGS_EXPORTER: 'otlp' };
    const warned: string[] = [];
    const failing = (message: string): void => {
      warned.push(message);
      throw new Error('the diagnostic logger failed');
    };
    diag.setLogger(
      { error: () => {}, warn: failing, info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const faults = faultCounts().get('spools elsewhere') ?? 0;
    reportSpoolsElsewhere(readAutoConfig(env), env);
    for (let waited = 0; waited < 2_000 && warned.length === 0; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    // Control: the spool was found and reported (the logger was called).
    expect(warned.join('\n')).to.include('earlier-name');
    expect(unhandled).to.deep.equal([]);
    expect(faultCounts().get('spools elsewhere')).to.equal(faults + 1);
  });
});
