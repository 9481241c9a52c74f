// Runs an example app under the zero-code register, the way a user would:
//   node --require @apitrail/auto/register examples/express/server.js
// apitrail's NDJSON goes to its own file (APITRAIL_NDJSON_FILE) so that it stays apart from what the
// app itself prints on stdout.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Starts `script` (relative to `root`) and resolves once it printed `{"listening":port}`. */
export async function startExample(root, script, env) {
  const outputDir = mkdtempSync(join(tmpdir(), 'apitrail-demo-out-'));
  const ndjsonFile = join(outputDir, 'apitrail.ndjson');
  const child = spawn(process.execPath, ['--require', '@apitrail/auto/register', join(root, script)], {
    cwd: root,
    // A spool of the demo's own: a run never replays what an earlier one left behind.
    env: {
      ...process.env,
      PORT: '0',
      APITRAIL_NDJSON_FILE: ndjsonFile,
      APITRAIL_SPOOL_DIR: join(outputDir, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const port = await new Promise((resolve, reject) => {
    const onData = () => {
      const match = /^\{"listening":(\d+)\}$/m.exec(stdout);
      if (match === null) return;
      child.stdout.off('data', onData);
      resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    exited.then(([code, signal]) =>
      reject(new Error(`${script} exited with ${signal ?? code} before listening:\n${stderr}`)),
    );
  });
  return {
    script,
    baseUrl: `http://127.0.0.1:${port}`,
    ndjsonFile,
    /** What the app printed itself (its own loggers' transports), apart from the listening line. */
    ownOutput: () => stdout.replace(/^\{"listening":\d+\}\n/m, ''),
    stderr: () => stderr,
    /** SIGTERM: the register flushes every record before the process exits. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code, signal] = await exited;
      if (code !== 0 && signal !== 'SIGTERM') throw new Error(`${script} exited with ${signal ?? code}:\n${stderr}`);
    },
  };
}
