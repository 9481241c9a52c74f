// APITRAIL_NDJSON_FILE naming a FIFO (a named pipe a log shipper reads). Opening a FIFO for writing
// waits until a reader opens it: with no reader yet, the register's NDJSON exporter blocked the
// main thread in openSync at start, and the app never ran its first line (killed after 15 s, nothing
// printed). A FIFO is now opened only when a reader is there; until then each export fails, counted
// and reported, and the next one tries again, so the records flow once the shipper is up.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, repoRoot, runToEnd, startApp } from '../helpers/app.ts';
import { randomString } from '../helpers/redaction-secrets.ts';
import { waitFor } from '../helpers/wait.ts';

function fifo(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'apitrail-fifo-')), 'audit.pipe');
  execFileSync('mkfifo', [path]);
  return path;
}

/** A reader of `path` (what a log shipper does), collecting what it reads. */
function reader(path: string): { text(): string; stop(): void } {
  const child = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { text: () => text, stop: () => child.kill() };
}

const env = (path: string): Record<string, string | undefined> => ({
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'ndjson',
  APITRAIL_NDJSON_FILE: path,
  APITRAIL_SPOOL_DIR: freshSpoolDir(),
  APITRAIL_FINGERPRINT_KEY: randomString(64, '0123456789abcdef'),
  OTEL_METRICS_EXPORTER: undefined,
  SECRET: randomString(24),
});

describe('APITRAIL_NDJSON_FILE naming a FIFO', function () {
  this.timeout(60_000);

  it('with no reader, the app runs and ends as without apitrail; the loss is reported', async () => {
    const path = fifo();
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--require', '@apitrail/auto/register', 'test/fixtures/calls-itself-app.cjs'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env(path) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const hung = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(hung);
    const result = { code, stdout, stderr };
    expect({ code: result.code, stdout: result.stdout }).to.deep.equal({ code: 0, stdout: 'answered ok\n' });
    expect(Date.now() - started).to.be.below(15_000);
    expect(result.stderr).to.include(`log export to ${path} failing`);
    // The exit summary without a spool (the NDJSON exporter needs none).
    expect(result.stderr).to.match(/^apitrail: 1 log record dropped$/m);
  });

  it('a reader that comes after the start, or after another went away, gets the records written from then on', async () => {
    const path = fifo();
    const app = await startApp({ script: 'examples/node-http/server.js', env: env(path) });
    let shipper = reader(path);
    /**
     * Waits until the reader has a record of `path`, asking for one again at each look: `cat` may not
     * have the FIFO open yet when a request is answered (a loaded machine starts it late), and a
     * record written with no reader is lost (EPIPE, counted), as the test below expects.
     */
    const throughTheFifo = (what: string, path: string): Promise<true> =>
      waitFor(what, async () => {
        if (shipper.text().includes(`"path":"${path}"`)) return true;
        await fetch(`${app.baseUrl}${path}`);
        return undefined;
      });
    try {
      await throughTheFifo('the first audit record through the FIFO', '/api/v1/scans');
      // The shipper restarts: the records between its two runs are lost (EPIPE, counted), then they flow again.
      shipper.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await fetch(`${app.baseUrl}/api/v1/keys`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      shipper = reader(path);
      await throughTheFifo('an audit record through the FIFO to the second reader', '/api/v1/scans/7');
    } finally {
      await app.stop();
      shipper.stop();
    }
  });

  it('control: with a reader there from the start, every record goes through', async () => {
    const path = fifo();
    const shipper = reader(path);
    try {
      const result = await runToEnd(
        ['--require', '@apitrail/auto/register', 'test/fixtures/calls-itself-app.cjs'],
        env(path),
      );
      expect(result.code, result.stderr).to.equal(0);
      await waitFor('the audit record through the FIFO', () =>
        shipper.text().includes('"event":"apitrail.api_request"') ? true : undefined,
      );
    } finally {
      shipper.stop();
    }
  });
});
