// A real tmpfs for the disk-fault tests: a read-only one gives EROFS, a tiny one ENOSPC, even for
// root (whom permission bits do not stop). Mounting needs root and a kernel that allows it; where
// it is not permitted the test is skipped, loudly, never passed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MountedTmpfs {
  readonly directory: string;
  /** Makes the mount read-only (EROFS) or writable again. */
  remount(mode: 'ro' | 'rw'): void;
  /** Unmounts (lazily if a process still holds a file open) and removes the mount point. */
  unmount(): void;
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function skipLoudly(context: Mocha.Context, why: string): never {
  const message = `SKIPPING disk-fault test "${context.test?.title ?? ''}": ${why}`;
  process.stderr.write(`\n  !!! ${message} !!!\n\n`);
  context.skip();
  throw new Error(message);
}

/** A fresh tmpfs of `sizeBytes` in its own temp dir, or the test skipped with the reason. */
export function mountTmpfs(context: Mocha.Context, sizeBytes: number): MountedTmpfs {
  if (process.getuid?.() !== 0) skipLoudly(context, 'mounting a tmpfs needs root');
  const directory = mkdtempSync(join(tmpdir(), 'apitrail-tmpfs-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', directory]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    skipLoudly(context, `mount -t tmpfs failed (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`);
  }
  return {
    directory,
    remount: (mode) => run('mount', ['-o', `remount,${mode}`, directory]),
    unmount: () => {
      try {
        run('umount', [directory]);
      } catch {
        // Busy (a child still holds a file open): detached now, freed when it closes.
        run('umount', ['-l', directory]);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
