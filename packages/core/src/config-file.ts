import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';

/** The most a file named by a variable (a key registry, a key, a quarantine list) may hold. */
export const CONFIG_FILE_MAX_BYTES = 64 * 1024 * 1024;

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, apitrail: true });
}

/** The text of a read failure: apitrail's own explanation, or the system's error code. */
export function readFailureText(error: unknown): string {
  const { code, message, apitrail } = (error ?? {}) as { code?: string; message?: string; apitrail?: boolean };
  return apitrail === true ? (message ?? 'error') : (code ?? message ?? 'error');
}

function readAll(fd: number, chunks: Buffer[], total: number, maxBytes: number): Buffer {
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return Buffer.concat(chunks, total);
    total += read;
    if (total > maxBytes) throw failure('EFBIG', `it holds more than ${maxBytes} bytes`);
    chunks.push(chunk.subarray(0, read));
  }
}

/** How long a FIFO's writer may take to send its data and close it. */
export const CONFIG_FIFO_WAIT_MS = 10_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The bytes of a file a variable names, read synchronously at start (and on a change), without
 * waiting forever or without bound. readFileSync opens a FIFO (a named pipe) and waits for a writer:
 * with none the app hung at start with nothing said; and it read /dev/zero (or a runaway file)
 * until the heap ran out. A FIFO is read without waiting in the kernel: end of file before any data
 * or any sign of a writer means no process writes to it (refused); otherwise its data is read until
 * the writer closes it (`<(command)` process substitution, a secret injector), for at most
 * CONFIG_FIFO_WAIT_MS. Beyond `maxBytes` the read is refused.
 */
export function readFileBounded(path: string, maxBytes = CONFIG_FILE_MAX_BYTES): Buffer {
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    // The open below says why.
  }
  if (!fifo) {
    const fd = openSync(path, 'r');
    try {
      return readAll(fd, [], 0, maxBytes);
    } finally {
      closeSync(fd);
    }
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let writer = false;
    const deadline = Date.now() + CONFIG_FIFO_WAIT_MS;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        // A writer has it open and has not written (all) yet.
        writer = true;
        if (Date.now() > deadline) {
          throw failure('ETIMEDOUT', `its writer sent no end of file within ${CONFIG_FIFO_WAIT_MS} ms`);
        }
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (read === 0) {
        if (!writer) throw failure('ENOWRITER', 'it is a FIFO no process writes to');
        return Buffer.concat(chunks, total);
      }
      writer = true;
      total += read;
      if (total > maxBytes) throw failure('EFBIG', `it holds more than ${maxBytes} bytes`);
      chunks.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
}
