// Child processes of the benchmark: servers that announce their port with a {"listening":port}
// line, and one-shot scripts that print a JSON result.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface RunningChild {
  readonly port: number;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts `node <args>` and resolves once it printed {"listening":port}. */
export function startListening(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunningChild> {
  const child = spawnNode(args, env);
  let output = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return new Promise((resolveStart, rejectStart) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /\{"listening":(\d+)\}/.exec(output);
      if (match === null) return;
      child.stdout.off('data', onData);
      resolveStart({
        port: Number(match[1]),
        process: child,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) =>
      rejectStart(new Error(`node ${args.join(' ')} exited with ${signal ?? code} before listening:\n${output}`)),
    );
  });
}

/** Runs `node <args>` to completion and parses the last line it printed as JSON. */
export function runJson(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const child = spawnNode(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun, rejectRun) => {
    child.once('exit', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolveRun(JSON.parse(last));
      else rejectRun(new Error(`node ${args.join(' ')} exited with ${signal ?? code}:\n${stderr}${stdout}`));
    });
  });
}

/** A memory figure of a live process from /proc (Linux): VmHWM is the peak RSS, VmRSS the current one. In MiB. */
export async function memoryMiB(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** CPU time (user + system) a live process has used so far, in seconds (Linux /proc, USER_HZ = 100). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
