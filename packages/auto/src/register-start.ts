/**
 * What the register does in the main thread: starts apitrail from the environment before the app
 * loads. A configuration error stops the process at startup with one line naming the variable: a
 * security audit trail that silently runs half-configured is worse than none.
 */
import { ApitrailConfigError, neutralizeControlCharacters } from '@apitrail/core/internal';
import './running.js';
import { startApitrail } from './start.js';

if (globalThis.__apitrail === undefined) {
  try {
    globalThis.__apitrail = startApitrail();
  } catch (error) {
    if (!(error instanceof ApitrailConfigError)) throw error;
    // The message can quote the bad value (a file path), which must not add or forge a line.
    process.stderr.write(`apitrail: invalid configuration: ${neutralizeControlCharacters(error.message)}\n`);
    process.exit(78);
  }
}
