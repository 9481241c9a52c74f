import { lstat, open, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ATTR_SERVICE_NAME, type Environment } from '@apitrail/core/internal';
import { defaultSpoolDirectory } from './config.js';
import { SEGMENT_NAME, recordLinesIn, writerIsGone } from './spool.js';

/** A spool directory beside this configuration's that holds records no running process will export. */
export interface SpoolElsewhere {
  readonly directory: string;
  /** Segments whose writer has ended (another's, still running, are its to export). */
  readonly segments: number;
  /** The whole records in them. */
  readonly records: number;
  /** The `service.name`s of their resources, each once. */
  readonly serviceNames: readonly string[];
  /** Segments of ended writers of another program, not counted above (with the `command` option). */
  readonly otherPrograms: number;
}

/** Options of {@link spoolsElsewhere}. */
export interface SpoolsElsewhereOptions {
  /**
   * Only segments written by this program: their resource's `process.command` (the main script,
   * `process.argv[1]`), so an app names the spools it left under an earlier configuration and not
   * those of another service of this user.
   */
  readonly command?: string;
}

/** A resource line is well under this; a first line longer is not read as one. */
const HEAD_BYTES = 64 * 1024;

/** The first {@link HEAD_BYTES} of a file. */
async function head(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The resource attribute naming the writer's main script (the SDK's process detector sets it). */
const PROCESS_COMMAND = 'process.command';

/** The attributes of a segment's first resource line (the writer's), if it has one. */
function writerResource(bytes: Buffer): Record<string, unknown> {
  const end = bytes.indexOf(10);
  if (end === -1) return {};
  try {
    const line = JSON.parse(bytes.subarray(0, end).toString('utf8')) as {
      resource?: Record<string, unknown>;
    };
    return typeof line.resource === 'object' && line.resource !== null ? line.resource : {};
  } catch {
    return {};
  }
}

/**
 * Where the spools of this user's services are by default: `$XDG_STATE_HOME/apitrail/spool`, one
 * directory per service name (see {@link defaultSpoolDirectory}).
 */
export function defaultSpoolBase(env: Environment): string {
  return dirname(defaultSpoolDirectory(env, 'unknown_service'));
}

/**
 * The spool directories under `base` (see {@link defaultSpoolBase}) other than `own` that hold
 * segments whose writer has ended. A spool's directory follows the configuration (the service
 * name, `APITRAIL_SPOOL_DIR`, `XDG_STATE_HOME`; the spool is used only for OTLP logs): records spooled
 * under an earlier one (a renamed service, a spool moved or turned off, another logs exporter)
 * wait in a directory no app with the new configuration replays, and those of another service of
 * this user wait there until it starts. Nothing is changed; a directory or file that cannot be
 * read is passed over. `own`: the directory this process replays, undefined when it replays none.
 */
export async function spoolsElsewhere(
  base: string,
  own: string | undefined,
  options: SpoolsElsewhereOptions = {},
): Promise<SpoolElsewhere[]> {
  let entries: string[];
  try {
    entries = (await readdir(base)).sort();
  } catch {
    return [];
  }
  const ownDirectory = own === undefined ? undefined : resolve(own);
  const found: SpoolElsewhere[] = [];
  for (const entry of entries) {
    const directory = join(base, entry);
    if (resolve(directory) === ownDirectory) continue;
    const spool = await waitingIn(directory, options.command);
    if (spool !== undefined) found.push(spool);
  }
  return found;
}

/** What waits in `directory` with no running writer (of `command` only, when given), or undefined for none. */
async function waitingIn(directory: string, command: string | undefined): Promise<SpoolElsewhere | undefined> {
  let names: string[];
  try {
    if (!(await lstat(directory)).isDirectory()) return undefined;
    names = (await readdir(directory)).sort();
  } catch {
    return undefined;
  }
  let segments = 0;
  let records = 0;
  let otherPrograms = 0;
  const serviceNames = new Set<string>();
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match === null) continue;
    const path = join(directory, name);
    try {
      const stat = await lstat(path);
      if (!stat.isFile() || !writerIsGone(match, () => stat.mtimeMs)) continue;
      // Its first line (the writer's resource) first: another program's segment is not read whole.
      const resource = writerResource(await head(path));
      if (command !== undefined && resource[PROCESS_COMMAND] !== command) {
        otherPrograms += 1;
        continue;
      }
      records += recordLinesIn(await readFile(path));
      segments += 1;
      serviceNames.add(String(resource[ATTR_SERVICE_NAME]));
    } catch {
      // Removed meanwhile (exported by the app it belongs to), or unreadable: passed over.
    }
  }
  return segments === 0 ? undefined : { directory, segments, records, serviceNames: [...serviceNames], otherPrograms };
}
