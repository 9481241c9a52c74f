/**
 * Whether a process with id `pid` runs (EPERM: it does, under another user). How a lock or a
 * spool segment left by a process that may have crashed is told from one still held.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
