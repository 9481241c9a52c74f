import { parseArgs } from 'node:util';
import { ApitrailConfigError } from '@apitrail/core';
import { readDetectConfig } from '@apitrail/detect';
import { readIntegrityConfig, readKeyFile } from '@apitrail/integrity';
import { analyzeFiles, analyzeJson, analyzeText } from './analyze.js';
import type { Output } from './output.js';
import { verifyFiles, verifyText } from './verify.js';

const USAGE = `Usage:
  apitrail analyze [--json] <files...|->   run the detection rules over NDJSON or OTLP-JSON logs
  apitrail verify [--json] [--key-file <path>] <files...|->
                                           check integrity chains (key: --key-file,
                                           APITRAIL_INTEGRITY_KEY or APITRAIL_INTEGRITY_KEY_FILE)

Files may be gzip or zstd compressed, or the gateway's zstd archive, read as they are.

Exit codes: 0 nothing found, 1 alerts (analyze) or findings (verify), 2 errors
(bad usage, unreadable files or lines, wrong key). Thresholds: APITRAIL_DETECT_* variables.
`;

/** Exit codes, as the usage text documents them. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

const DEFAULT_OUTPUT: Output = { out: process.stdout, err: process.stderr };

async function analyze(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one file (or - for stdin)');
  const report = await analyzeFiles(positionals, readDetectConfig(env), output);
  output.out.write(values.json === true ? analyzeJson(report) : analyzeText(report));
  if (report.unreadableFiles > 0 || report.malformedLines > 0) return EXIT.error;
  return report.alerts.length + report.droppedAlerts > 0 ? EXIT.found : EXIT.clean;
}

async function verify(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, 'key-file': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('verify needs at least one file (or - for stdin)');
  const key =
    values['key-file'] !== undefined ? readKeyFile('--key-file', values['key-file']) : readIntegrityConfig(env).key;
  if (key === undefined) {
    throw new UsageError(
      'verify needs the key: --key-file <path>, APITRAIL_INTEGRITY_KEY or APITRAIL_INTEGRITY_KEY_FILE',
    );
  }
  const outcome = await verifyFiles(positionals, key, output);
  output.out.write(values.json === true ? `${JSON.stringify(outcome.report)}\n` : verifyText(outcome));
  const wrongKey = outcome.report.findings.find((finding) => finding.kind === 'wrong_key');
  if (wrongKey !== undefined) {
    output.err.write(`apitrail: wrong key: ${wrongKey.detail}\n`);
    return EXIT.error;
  }
  if (outcome.unreadableFiles > 0) return EXIT.error;
  return outcome.report.findings.length > 0 ? EXIT.found : EXIT.clean;
}

class UsageError extends Error {}

/** Runs one command and returns its exit code; usage and configuration errors are exit code 2. */
export async function main(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  output = DEFAULT_OUTPUT,
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'analyze':
        return await analyze(rest, env, output);
      case 'verify':
        return await verify(rest, env, output);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.out.write(USAGE);
        return command === undefined ? EXIT.error : EXIT.clean;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ApitrailConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      output.err.write(`apitrail: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT.error;
    }
    throw error;
  }
}
