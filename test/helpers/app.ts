// Starts an example app in a child process under the apitrail register (the real zero-code path)
// and collects what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.ts';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface RunningApp {
  readonly baseUrl: string;
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** JSON lines the app printed on stdout, parsed (non-JSON lines are skipped). */
  jsonLines(): Record<string, unknown>[];
  /** Sends SIGTERM and waits for the process to exit (the register flushes on SIGTERM). */
  stop(): Promise<AppExit>;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartAppOptions {
  /** Script path relative to the repository root. */
  script: string;
  /** `require` (default) or `import` — how the register is loaded; `none` for apps that start OTel themselves. */
  loader?: 'require' | 'import' | 'none';
  /** The app's environment over the test's; APITRAIL_SPOOL_DIR is a fresh directory unless given. */
  env?: Record<string, string | undefined>;
  /** A command node runs under, with its arguments (`unshare -u ...` to give it a host name of its own). */
  wrapper?: readonly string[];
}

/** What a process run to its end printed, and how it ended. */
export interface FinishedRun extends AppExit {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node <args>` from the repository root, stdin closed, until it ends; `env` over the test's
 * environment (undefined removes a variable).
 */
export function runToEnd(args: readonly string[], env: Record<string, string | undefined>): Promise<FinishedRun> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun) =>
    child.once('close', (code, signal) => resolveRun({ stdout, stderr, code, signal })),
  );
}

/** A spool of the app's own, so that no test replays records another one left behind. */
export function freshSpoolDir(): string {
  return mkdtempSync(join(tmpdir(), 'apitrail-spool-'));
}

export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const flag = options.loader === 'import' ? '--import' : '--require';
  const register = options.loader === 'none' ? [] : [flag, '@apitrail/auto/register'];
  const command = [...(options.wrapper ?? []), process.execPath, ...register, resolve(repoRoot, options.script)];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      OTEL_METRICS_EXPORTER: undefined,
      APITRAIL_SPOOL_DIR: freshSpoolDir(),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<AppExit>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const jsonLines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const giveUp = new AbortController();
  const listening = waitFor(
    'the app to listen',
    () => jsonLines().find((line) => typeof line.listening === 'number')?.listening as number | undefined,
    20000,
    giveUp.signal,
  );
  const exitedEarly = exited.then(({ code, signal }) => {
    giveUp.abort();
    throw new Error(`app exited with ${signal ?? code} before listening`);
  });
  const port = await Promise.race([listening, exitedEarly]).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\nstderr: ${stderr}`);
  });
  exitedEarly.catch(() => undefined);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    jsonLines,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
