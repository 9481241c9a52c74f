import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { neutralizeControlCharacters, readString } from '@apitrail/core/internal';
import { replaySpool } from '@apitrail/auto/internal';
import { ndjsonLine, toNdjsonObject } from '@apitrail/export/internal';
import { readSpoolConfig, spoolStatus, spooledRecords, type SegmentInfo } from '@apitrail/spool';
import { defaultSpoolBase, spoolsElsewhere } from '@apitrail/spool/internal';
import { table, type Output } from './output.js';
import { UsageError } from './usage-error.js';

/** The spool directory: --dir, else what an app with this environment would use. */
function spoolDirectory(dir: string | undefined, env: NodeJS.ProcessEnv): string {
  const directory = dir ?? readSpoolConfig(env, readString(env, 'OTEL_SERVICE_NAME', 'unknown_service')).directory;
  if (directory === undefined) throw new UsageError('APITRAIL_SPOOL_DIR is off and no --dir was given');
  return directory;
}

/**
 * Why `directory` cannot be read as a spool, or undefined when it is a directory. Said in one line
 * before anything else runs: a stack trace tells a user with a typo in --dir nothing, and a replay
 * must not create the directory it was asked to read.
 */
function unreadableSpool(directory: string): { readonly missing: boolean; readonly reason: string } | undefined {
  try {
    const stat = statSync(directory, { throwIfNoEntry: false });
    if (stat === undefined) return { missing: true, reason: 'no spool directory there' };
    return stat.isDirectory() ? undefined : { missing: false, reason: 'not a directory' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: false, reason: code === 'ENOTDIR' ? 'not a directory' : `cannot be read (${code})` };
  }
}

/**
 * `status` of `directory`, and the other spools under the default spool directory of `env` whose
 * records no running process exports (`elsewhere`): another service's of this user, or this one's
 * under an earlier configuration (a spool's directory follows the service name and APITRAIL_SPOOL_DIR).
 */
async function status(directory: string, json: boolean, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const report = spoolStatus(directory);
  const elsewhere = await spoolsElsewhere(defaultSpoolBase(env), directory);
  if (json) {
    output.out.write(`${ndjsonLine({ ...report, elsewhere })}\n`);
    return 0;
  }
  const row = (segment: SegmentInfo, refused: boolean): string[] => [
    refused ? `refused/${segment.name}` : segment.name,
    String(segment.bytes),
    String(segment.records),
    String(segment.damagedLines),
    refused ? 'set aside' : `${segment.pid}${segment.writerAlive ? ' (running)' : ''}`,
  ];
  const rows = [
    ...report.segments.map((segment) => row(segment, false)),
    ...report.refused.map((segment) => row(segment, true)),
  ];
  const records = report.segments.reduce((sum, segment) => sum + segment.records, 0);
  const damaged = report.segments.reduce((sum, segment) => sum + segment.damagedLines, 0);
  const refused = report.refused.reduce((sum, segment) => sum + segment.records, 0);
  output.out.write(`${table(['segment', 'bytes', 'records', 'damaged lines', 'writer pid'], rows)}\n`);
  output.out.write(
    `${directory}: ${report.segments.length} segments, ${records} records, ${damaged} damaged lines` +
      `${report.refused.length > 0 ? `, ${refused} records refused by the receiver set aside in ${report.refused.length} files (replay --refused sends them again)` : ''}` +
      `${report.otherFiles.length > 0 ? `, ${report.otherFiles.length} other files (left untouched)` : ''}\n`,
  );
  for (const spool of elsewhere) {
    // A directory's name is anyone's who can write to the spools' directory: no terminal escapes.
    const other = neutralizeControlCharacters(spool.directory);
    output.out.write(
      `${other}: ${spool.segments} segments, ${spool.records} records left by processes that ended, ` +
        'in another spool (another service, or this one under an earlier OTEL_SERVICE_NAME or APITRAIL_SPOOL_DIR); ' +
        `apitrail spool replay --dir ${other} sends them\n`,
    );
  }
  return 0;
}

function exportNdjson(directory: string, output: Output): number {
  for (const record of spooledRecords(directory)) output.out.write(`${ndjsonLine(toNdjsonObject(record))}\n`);
  return 0;
}

const ACTIONS = new Set(['status', 'export', 'replay']);

/** `apitrail spool status|export --ndjson|replay [--refused] [--dir <path>]`. */
export async function spoolCommand(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      ndjson: { type: 'boolean' },
      refused: { type: 'boolean' },
      dir: { type: 'string' },
    },
    allowPositionals: true,
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`spool ${action ?? ''} takes no file arguments`);
  const directory = spoolDirectory(values.dir, env);
  const unreadable = ACTIONS.has(action ?? '') ? unreadableSpool(directory) : undefined;
  if (unreadable !== undefined) {
    // No spool there: nothing waits to be sent, which is no failure for replay (exit 0); status and
    // export cannot report on it (exit 2, as a bad --dir; exit 1 means records remain).
    if (action === 'replay' && unreadable.missing) {
      output.out.write(`${directory}: ${unreadable.reason}, nothing to replay\n`);
      return 0;
    }
    output.err.write(`apitrail: ${directory}: ${unreadable.reason}\n`);
    return 2;
  }
  switch (action) {
    case 'status':
      return status(directory, values.json === true, env, output);
    case 'export':
      if (values.ndjson !== true) throw new UsageError('spool export needs --ndjson (the one format it writes)');
      return exportNdjson(directory, output);
    case 'replay': {
      const outcome = await replaySpool(
        { ...env, APITRAIL_SPOOL_DIR: directory },
        { refused: values.refused === true },
      );
      output.out.write(
        `${directory}: ${outcome.exported} records exported, ${outcome.remaining} remain` +
          `${outcome.refused > 0 ? `, ${outcome.refused} refused by the receiver again (set aside in refused/)` : ''}\n`,
      );
      return outcome.remaining > 0 || outcome.refused > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`spool needs status, export --ndjson or replay (got ${JSON.stringify(action ?? '')})`);
  }
}
