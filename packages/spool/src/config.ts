import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApitrailConfigError, readNumber, readString, type Environment } from '@apitrail/core/internal';

/** Where a service's spool lives and how large and how often it flushes (`readSpoolConfig`). */
export interface SpoolConfig {
  /** Where segments are kept; undefined when the spool is off (`APITRAIL_SPOOL_DIR=off`). */
  readonly directory: string | undefined;
  /** Segments beyond this many bytes are dropped, oldest first, and counted. */
  readonly maxBytes: number;
  /** Longest time an emitted record waits in memory before it is written out. */
  readonly flushIntervalMs: number;
}

const OFF = 'off';

/** A service name as one safe path segment. */
function directoryName(serviceName: string): string {
  const safe = serviceName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? 'unknown_service' : safe.slice(0, 100);
}

/**
 * The default spool directory: `$XDG_STATE_HOME/apitrail/spool/<service>` (state that must survive
 * a reboot, unlike a temporary directory), `~/.local/state/...` without XDG_STATE_HOME, and the
 * temporary directory only for a user with no home.
 */
export function defaultSpoolDirectory(env: Environment, serviceName: string): string {
  const stateHome = readString(env, 'XDG_STATE_HOME');
  let home: string | undefined;
  try {
    home = homedir();
  } catch {
    home = undefined;
  }
  const base =
    stateHome !== undefined ? stateHome : home !== undefined && home !== '' ? join(home, '.local', 'state') : tmpdir();
  return join(base, 'apitrail', 'spool', directoryName(serviceName));
}

/** `APITRAIL_SPOOL_DIR`, `APITRAIL_SPOOL_MAX_BYTES` and `APITRAIL_SPOOL_FLUSH_INTERVAL_MS` for `serviceName`, validated; throws ApitrailConfigError naming a bad variable. */
export function readSpoolConfig(env: Environment, serviceName: string): SpoolConfig {
  const configured = readString(env, 'APITRAIL_SPOOL_DIR');
  if (configured !== undefined && configured !== OFF && configured.includes('\u0000')) {
    throw new ApitrailConfigError('APITRAIL_SPOOL_DIR', 'a path cannot contain a NUL character');
  }
  return {
    directory:
      configured === OFF
        ? undefined
        : configured === undefined
          ? defaultSpoolDirectory(env, serviceName)
          : resolve(configured),
    maxBytes: readNumber(env, 'APITRAIL_SPOOL_MAX_BYTES', 256 * 1024 * 1024, { min: 65536, integer: true }),
    flushIntervalMs: readNumber(env, 'APITRAIL_SPOOL_FLUSH_INTERVAL_MS', 200, { min: 1, max: 60000, integer: true }),
  };
}
