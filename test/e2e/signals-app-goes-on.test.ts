// A signal after which the process goes on: one the app handles itself (SIGHUP for a reload,
// SIGINT in a REPL-like tool), or SIGTERM to pid 1, which the kernel does not act on (a container
// without an init). apitrail puts what is in memory out of harm's way and keeps exporting: every
// audit record of the requests served afterwards arrives, nothing waits in the spool, and nothing
// is said on stderr, also when the process later ends by itself.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { freshSpoolDir, repoRoot, startApp } from '../helpers/app.ts';
import { decodeLogLines } from '../helpers/otlp-json.ts';
import { startOtlpRecorder, type OtlpRecorder } from '../helpers/otlp-recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const SCRIPT = 'test/fixtures/goes-on-app.cjs';

function exportedIds(recorder: OtlpRecorder): Set<string> {
  const records = recorder.exports
    .filter(({ path }) => path === '/v1/logs')
    .flatMap(({ body }) => decodeLogLines(body.toString()));
  return new Set(
    records
      .filter((record) => record.eventName === 'apitrail.api_request')
      .map((record) => String(record.attributes['correlation.id'])),
  );
}

/** One GET on a connection of its own, closed after the answer (no keep-alive socket holds the app's loop). */
function get(url: string, id?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: id === undefined ? {} : { 'x-request-id': id } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function serve(baseUrl: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) expect(await get(`${baseUrl}/api/${id}`, id)).to.equal(200);
}

const segments = (spoolDir: string): string[] => readdirSync(spoolDir).filter((name) => name.endsWith('.ndjson'));

function environment(recorder: OtlpRecorder, spoolDir: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: recorder.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_EXPORTER: 'none',
    APITRAIL_SPOOL_DIR: spoolDir,
    APITRAIL_FINGERPRINT_KEY: 'goes-on-fixture-fingerprint-key-32+',
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '1000',
  };
}

const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, n) => `${prefix}-${n}`);

describe('a signal after which the process goes on', function () {
  this.timeout(60_000);

  for (const signal of ['SIGHUP', 'SIGQUIT'] as const) {
    it(`${signal} the app handles: the records after it are exported, none left in the spool, no summary`, async () => {
      const recorder = await startOtlpRecorder();
      const spoolDir = freshSpoolDir();
      try {
        const app = await startApp({
          script: SCRIPT,
          env: { ...environment(recorder, spoolDir), GOES_ON_SIGNAL: signal },
        });
        await serve(app.baseUrl, ids('before', 5));
        app.process.kill(signal);
        await waitFor('the app to handle the signal', () =>
          app.stdout().includes(`"handled":"${signal}"`) ? true : undefined,
        );
        const after = ids('after', 10);
        await serve(app.baseUrl, after);
        await waitFor('the records after the signal exported', () =>
          after.every((id) => exportedIds(recorder).has(id)) ? true : undefined,
        );
        expect(segments(spoolDir), 'nothing waits in the spool').to.deep.equal([]);
        expect(app.process.exitCode, 'still running').to.equal(null);
        const exited = once(app.process, 'exit');
        await get(`${app.baseUrl}/end`);
        const [code] = (await exited) as [number | null];
        expect(code).to.equal(0);
        expect(app.stderr(), 'no summary, no warning').to.equal('');
      } finally {
        await recorder.stop();
      }
    });
  }

  it('SIGINT the app handles, then the app ends by itself long after: the end gets its own flush bound', async () => {
    // A collector some way off: an export takes 300 ms, well within the 1 s bound, but past one that ran out.
    const recorder = await startOtlpRecorder(() => '', 300);
    const spoolDir = freshSpoolDir();
    try {
      const app = await startApp({
        script: SCRIPT,
        env: { ...environment(recorder, spoolDir), GOES_ON_SIGNAL: 'SIGINT' },
      });
      app.process.kill('SIGINT');
      await waitFor('the app to handle SIGINT', () => (app.stdout().includes('"handled":"SIGINT"') ? true : undefined));
      await delay(1_500);
      // Served all at once, and the end right after: their exports are still under way when the loop runs out.
      const served = ids('later', 20);
      const exited = once(app.process, 'exit');
      await Promise.all([serve(app.baseUrl, served.slice(0, 10)), serve(app.baseUrl, served.slice(10))]);
      await get(`${app.baseUrl}/end`);
      const [code] = (await exited) as [number | null];
      expect(code).to.equal(0);
      expect(app.stderr(), 'no flush cut short').to.equal('');
      expect(served.filter((id) => !exportedIds(recorder).has(id))).to.deep.equal([]);
      expect(segments(spoolDir)).to.deep.equal([]);
    } finally {
      await recorder.stop();
    }
  });

  it('SIGTERM to pid 1 (a container without an init): it goes on serving, as without apitrail, and exporting', async function () {
    try {
      execFileSync('unshare', ['--pid', '--fork', 'true'], { stdio: 'ignore' });
    } catch {
      this.skip(); // No pid namespaces here (not root, or no unshare).
    }
    const recorder = await startOtlpRecorder();
    const spoolDir = freshSpoolDir();
    const child = spawn(
      'unshare',
      ['--pid', '--fork', '--kill-child', process.execPath, '--require', '@apitrail/auto/register', SCRIPT],
      {
        cwd: repoRoot,
        env: { ...process.env, PORT: '0', OTEL_METRICS_EXPORTER: undefined, ...environment(recorder, spoolDir) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const port = await waitFor('the app to listen', () => /"listening":(\d+)/.exec(stdout)?.[1]);
      const baseUrl = `http://127.0.0.1:${port}`;
      await serve(baseUrl, ids('before', 3));
      const nodePid = Number(
        execFileSync('pgrep', ['-P', String(child.pid)])
          .toString()
          .trim(),
      );
      expect(execFileSync('grep', ['NSpid', `/proc/${nodePid}/status`]).toString()).to.match(/\s1\s*$/);
      process.kill(nodePid, 'SIGTERM');
      await delay(1_000);
      const after = ids('after', 10);
      await serve(baseUrl, after);
      await waitFor('the records after SIGTERM exported', () =>
        after.every((id) => exportedIds(recorder).has(id)) ? true : undefined,
      );
      expect(segments(spoolDir)).to.deep.equal([]);
    } finally {
      child.kill('SIGKILL');
      await recorder.stop();
    }
  });
});
