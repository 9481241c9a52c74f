// Child processes of the benchmark: servers that announce their port with a {"listening":port}
// line, and one-shot scripts that print a JSON result.
import { execFileSync, spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
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

/** Which CPUs the load generator (this process) and the servers under test run on. */
export interface CpuPinning {
  readonly loadGenerator: string;
  readonly servers: string;
}

/** `0-2,5` → [0, 1, 2, 5]. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(',')
    .flatMap((range) => {
      const match = /^(\d+)(?:-(\d+))?$/.exec(range);
      const first = Number(match?.[1]);
      const last = Number(match?.[2] ?? match?.[1]);
      if (match === null || last < first) throw new Error(`not a CPU list: ${list}`);
      return Array.from({ length: last - first + 1 }, (_, index) => first + index);
    });
}

/**
 * Pins this process, every thread of it (autocannon, the load generator, runs here), and what it
 * spawns later to the last CPU it may use, and leaves the others to the servers under test (Linux
 * `taskset`). Returns the pinning, or why there is none (one CPU, no taskset).
 */
export function pinLoadGenerator(): CpuPinning | string {
  try {
    const allowed = parseCpuList(
      /list:\s*(\S+)/.exec(execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' }))?.[1] ?? '',
    );
    if (allowed.length < 2) return `only CPU ${allowed.join(',')} is available, load generator and server share it`;
    const loadGenerator = String(allowed.at(-1));
    execFileSync('taskset', ['-a', '-cp', loadGenerator, String(process.pid)], { stdio: 'ignore' });
    return { loadGenerator, servers: allowed.slice(0, -1).join(',') };
  } catch (error) {
    return `not pinned: ${(error as Error).message.split('\n')[0]}`;
  }
}

function spawnNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cpus?: string,
): ChildProcessByStdio<null, Readable, Readable> {
  // taskset execs node, so the child's pid is node's (CPU and memory are read from /proc/<pid>).
  const [command, commandArgs] =
    cpus === undefined ? [process.execPath, args] : ['taskset', ['-c', cpus, process.execPath, ...args]];
  return spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts `node <args>` (on `cpus` when given) and resolves once it printed {"listening":port}. */
export function startListening(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cpus?: string,
): Promise<RunningChild> {
  const child = spawnNode(args, env, cpus);
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

/**
 * Runs `node <args>` to completion and parses the last line it printed as JSON. `cpus`: the CPUs it
 * may use (a child inherits this process's pinning otherwise).
 */
export function runJson(args: readonly string[], env: NodeJS.ProcessEnv = {}, cpus?: string): Promise<unknown> {
  const child = spawnNode(args, env, cpus);
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
