// The app's stdout is its own: a CLI or a service that writes NDJSON there must find nothing of
// apitrail's in it. OTel's diagnostics (an export retry during a collector outage is an info
// message) go to stderr, at the level OTEL_LOG_LEVEL sets.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runToEnd, type FinishedRun } from '../helpers/app.ts';

/** A credential a diagnostic quotes (an error holding a URL with a password), made for this run. */
const password = randomBytes(18).toString('base64url');

/** Runs a script that writes one line of its own and an OTel diagnostic at every level. */
function run(register: boolean, env: NodeJS.ProcessEnv = {}): Promise<FinishedRun> {
  const script = `
    const { diag } = require('@opentelemetry/api');
    for (const level of ['error', 'warn', 'info', 'debug', 'verbose']) diag[level]('diagnostic-' + level);
    diag.warn('export failed', new Error('connect ECONNREFUSED https://collector:${password}@otel.internal:4318'));
    process.stdout.write('the app line\\n');`;
  return runToEnd([...(register ? ['--require', '@apitrail/auto/register'] : []), '-e', script], {
    APITRAIL_SPOOL_DIR: 'off',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    ...env,
  });
}

describe("the app's stdout under the register", function () {
  it('holds only what the app wrote: OTel diagnostics go to stderr, at the default level info', async () => {
    const { stdout, stderr } = await run(true);
    expect(stdout).to.equal('the app line\n');
    for (const level of ['error', 'warn', 'info']) expect(stderr).to.include(`diagnostic-${level}`);
    expect(stderr).to.not.include('diagnostic-debug');
  });

  it('redacts what a diagnostic quotes: the message is there, the credential in it is not', async () => {
    const { stderr } = await run(true);
    // The error with its URL was printed (its host is there), the credential in it is not.
    expect(stderr).to.include('export failed').and.include('ECONNREFUSED').and.include('otel.internal');
    expect(stderr).to.not.include(password);
  });

  it('OTEL_LOG_LEVEL=debug: more on stderr, still nothing on stdout', async () => {
    const { stdout, stderr } = await run(true, { OTEL_LOG_LEVEL: 'debug' });
    expect(stdout).to.equal('the app line\n');
    expect(stderr).to.include('diagnostic-debug');
  });

  it('control: without the register no diagnostic logger is installed at all', async () => {
    const { stdout, stderr } = await run(false);
    expect(stdout).to.equal('the app line\n');
    expect(stderr).to.equal('');
  });
});
