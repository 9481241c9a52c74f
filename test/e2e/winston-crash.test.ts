// An app whose winston logger handles its uncaught exceptions (a transport with handleExceptions):
// winston logs the failure with `exception: true`, and a transport without handleExceptions skips
// such a record (winston-transport's _write). apitrail's bridge is one: the line the app printed about
// its own crash never reached the exported logs, while an unhandled rejection's did. The bridge now
// takes the exception records winston logs, without becoming an exception handler itself (that would
// make winston catch exceptions the app leaves alone).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, runToEnd, type FinishedRun } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';

interface Exported {
  message?: string;
  level?: string;
  'exception.message'?: string;
  'exception.stacktrace'?: string;
}

async function run(
  register: boolean,
  env: Record<string, string>,
  script = 'test/fixtures/winston-crash-app.cjs',
): Promise<FinishedRun & { exported: Exported[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'apitrail-winston-crash-')), 'records.ndjson');
  const result = await runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), script], {
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'ndjson',
    APITRAIL_NDJSON_FILE: file,
    APITRAIL_SPOOL_DIR: freshSpoolDir(),
    APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
    OTEL_METRICS_EXPORTER: undefined,
    OTEL_LOG_LEVEL: undefined,
    ...env,
  });
  const exported = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Exported)
    : [];
  return { ...result, exported };
}

/** The app's own lines, the secret (which apitrail masks there too) and the stack's variable parts left out. */
const appLines = (stdout: string, secret: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const { level, message } = JSON.parse(line) as { level: string; message: string };
      return `${level} ${message.split('\n')[0]!.replace(secret, '<s>').replace('[REDACTED]', '<s>')}`;
    });

describe('winston handling the app’s uncaught exceptions, under the register', function () {
  this.timeout(60_000);

  for (const [kind, exitOnError] of [
    ['throw', 'true'],
    ['throw', 'false'],
    ['reject', 'true'],
  ] as const) {
    it(`${kind}, exitOnError ${exitOnError}: the failure winston logs is exported, redacted; exit code and lines as without apitrail`, async () => {
      const secret = `sk_live_${randomString(32)}`;
      const env = { CRASH_KIND: kind, CRASH_EXIT_ON_ERROR: exitOnError, CRASH_SECRET: secret };
      const without = await run(false, env);
      const withRegister = await run(true, env);
      expect({ code: withRegister.code, signal: withRegister.signal }).to.deep.equal({
        code: without.code,
        signal: without.signal,
      });
      expect(appLines(withRegister.stdout, secret)).to.deep.equal(appLines(without.stdout, secret));
      const failure = withRegister.exported.filter((record) => record['exception.message'] !== undefined);
      expect(failure, JSON.stringify(withRegister.exported)).to.have.length(1);
      expect(failure[0]!.level).to.equal('ERROR');
      expect(failure[0]!['exception.message']).to.match(/^(crashed|rejected) password=\[REDACTED\]$/);
      expect(failure[0]!['exception.stacktrace']).to.include('winston-crash-app.cjs');
      expect(JSON.stringify(withRegister.exported)).to.not.include(secret);
      expect(withRegister.exported.map((record) => record.message)).to.include('started');
    });
  }

  it('an app that leaves its exceptions alone still dies of them, as without apitrail (the bridge handles none)', async () => {
    const secret = `sk_live_${randomString(32)}`;
    const script = '-e';
    const code = `require('winston').createLogger({ transports: [new (require('winston').transports.Console)()] }).info('up');
      setTimeout(() => { throw new Error('unhandled'); }, 10);
      setTimeout(() => console.log('still running'), 300);`;
    const runIt = (register: boolean): Promise<FinishedRun> =>
      runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), script, code], {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        APITRAIL_SPOOL_DIR: freshSpoolDir(),
        APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
        CRASH_SECRET: secret,
      });
    const [without, withRegister] = [await runIt(false), await runIt(true)];
    expect(without.code).to.equal(1);
    expect({ code: withRegister.code, stdout: withRegister.stdout }).to.deep.equal({
      code: without.code,
      stdout: without.stdout,
    });
    expect(withRegister.stdout).to.not.include('still running');
    expect(withRegister.stderr).to.include('Error: unhandled');
  });
});
