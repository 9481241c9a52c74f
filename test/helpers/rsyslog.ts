// A real rsyslog (Debian's rsyslogd) listening for syslog over TCP on a loopback port, with its own
// configuration and work directory in a temp dir, writing every received message verbatim
// (`%rawmsg%`, one per line) to a file the test reads.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIfPresent } from './collector.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface RunningRsyslog {
  readonly port: number;
  /** The raw syslog messages received so far (RFC 5424 header and message, framing removed). */
  messages(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Fails the suite (not skips it) where rsyslogd is missing: CI installs it. */
export function requireRsyslog(): string {
  const found = spawnSync('sh', ['-c', 'command -v rsyslogd || ls /usr/sbin/rsyslogd'], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  if (found.status !== 0 || !path) throw new Error('rsyslogd is not installed: apt-get install -y rsyslog');
  return path;
}

function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

export async function startRsyslog(): Promise<RunningRsyslog> {
  const rsyslogd = requireRsyslog();
  const dir = await mkdtemp(join(tmpdir(), 'apitrail-rsyslog-'));
  const port = await freePort();
  const output = join(dir, 'messages.log');
  const config = join(dir, 'rsyslog.conf');
  await writeFile(
    config,
    [
      `global(workDirectory="${dir}")`,
      'module(load="imtcp")',
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      'ruleset(name="apitrail") {',
      `  action(type="omfile" file="${output}" template="raw")`,
      '}',
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="apitrail")`,
      '',
    ].join('\n'),
  );
  const child = spawn(rsyslogd, ['-n', '-f', config, '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let diagnostics = '';
  child.stdout.on('data', (chunk: Buffer) => (diagnostics += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (diagnostics += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('rsyslogd to listen', () => {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode}: ${diagnostics}`);
    return accepts(port);
  }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    port,
    messages: async () => (await readIfPresent(output)).split('\n').filter((line) => line !== ''),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
