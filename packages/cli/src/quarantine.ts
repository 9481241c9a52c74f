import { parseArgs } from 'node:util';
import { ndjsonLine } from '@apitrail/export/internal';
import { readQuarantineFile, writeQuarantineFile, type QuarantineEntry } from '@apitrail/respond/internal';
import { table, type Output } from './output.js';
import { UsageError } from './usage-error.js';

/** `apitrail quarantine list|add|lift`, on the file a running process in block mode watches. */
export function quarantineCommand(args: string[], env: NodeJS.ProcessEnv, output: Output): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      file: { type: 'string' },
      seconds: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const [action, key] = positionals;
  const file = values.file ?? env.APITRAIL_QUARANTINE_FILE;
  if (file === undefined || file === '') {
    throw new UsageError('quarantine needs the file: --file <path> or APITRAIL_QUARANTINE_FILE');
  }
  const now = Date.now();
  const entries = readQuarantineFile(file, '--file').filter((entry) => entry.untilMs > now);
  switch (action) {
    case 'list': {
      if (values.json === true) {
        output.out.write(
          // Escaped as analyze --json is (ndjsonLine): key ids come from records the detector quarantined.
          `${ndjsonLine(entries.map((entry) => ({ ...entry, until: new Date(entry.untilMs).toISOString() })))}\n`,
        );
      } else {
        output.out.write(
          table(
            ['key', 'until', 'by', 'reason'],
            entries.map((entry) => [entry.key, new Date(entry.untilMs).toISOString(), entry.by, entry.reason]),
          ),
        );
      }
      return 0;
    }
    case 'add': {
      if (key === undefined) throw new UsageError('quarantine add needs a key id (or fingerprint:<fp>)');
      const seconds = Number(values.seconds ?? 3600);
      if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError('--seconds must be a positive integer');
      const entry: QuarantineEntry = {
        key,
        untilMs: now + seconds * 1000,
        reason: values.reason ?? 'operator',
        by: values.by ?? env.USER ?? 'operator',
      };
      writeQuarantineFile(file, [...entries.filter((existing) => existing.key !== key), entry]);
      output.out.write(`quarantined ${key} until ${new Date(entry.untilMs).toISOString()}\n`);
      return 0;
    }
    case 'lift': {
      if (key === undefined) throw new UsageError('quarantine lift needs a key id (or fingerprint:<fp>)');
      const remaining = entries.filter((entry) => entry.key !== key);
      if (remaining.length === entries.length) {
        output.err.write(`apitrail: ${key} is not quarantined\n`);
        return 1;
      }
      writeQuarantineFile(file, remaining);
      output.out.write(`lifted ${key}\n`);
      return 0;
    }
    default:
      throw new UsageError('quarantine needs list, add <key> or lift <key>');
  }
}
