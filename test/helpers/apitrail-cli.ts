// Runs the real `apitrail` bin (packages/cli/bin/apitrail.js) in a child process.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from './app.ts';

export const apitrailBin = resolve(repoRoot, 'node_modules', '.bin', 'apitrail');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runApitrail(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; stdin?: string | Buffer; nodeFlags?: readonly string[] } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), apitrailBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, APITRAIL_INTEGRITY_KEY_FILE: undefined, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** A fresh quarantine file in which the real bin has quarantined `keyId` for ten minutes (APITRAIL_QUARANTINE_FILE). */
export async function quarantineFileWith(keyId: string): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
  const add = await runApitrail(['quarantine', 'add', keyId, '--file', file, '--seconds', '600']);
  if (add.code !== 0) throw new Error(`apitrail quarantine add exited ${add.code}: ${add.stderr}`);
  return file;
}
