// The seed documents live outside the repository (../shared/seeds) and are read at test time,
// never copied in: their analysis code must keep working on apitrail's output unmodified.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './app.ts';

/** Prowler's API key activity logging document: the NDJSON field set, jq pipelines, pandas. */
export const API_KEY_LOGGING_SEED = resolve(repoRoot, '..', 'shared', 'seeds', '000_c8af2af903f7b417.txt');

/** The bodies of the seed's fenced code blocks in `language` (```bash, ```python...). */
export function seedCodeBlocks(language: string, seedFile: string = API_KEY_LOGGING_SEED): string[] {
  const blocks: string[] = [];
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  let text: string;
  try {
    text = readFileSync(seedFile, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the seed document ${seedFile}: the project's shared folder must sit beside the checkout (../shared), as in CI`,
      { cause: error },
    );
  }
  for (const match of text.matchAll(fence)) blocks.push(match[1]!);
  return blocks;
}

/** Runs `command`; its stdout, or an error with its stderr. */
export function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** `lines` written as `api.log` (the file name the seed's pipelines read) in a fresh folder. */
export function writeApiLog(lines: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'apitrail-seed-')), 'api.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The seed's jq blocks, unmodified, run on the `api.log` in `dir`; one output per block. */
export function seedJqAnswers(dir: string): string[] {
  return seedCodeBlocks('bash')
    .filter((block) => block.includes('jq'))
    .map((block) => run('bash', ['-o', 'pipefail', '-c', block], dir));
}

/** Skips the calling test, loudly, where python3 with pandas is not installed. */
export function requirePandas(context: Mocha.Context): void {
  if (spawnSync('python3', ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0) return;
  process.stderr.write('\n  !!! SKIPPING the seed pandas analysis: python3 with pandas is not available !!!\n\n');
  context.skip();
}

// Python glue around the unmodified seed function: a pandas 3 compatibility alias, then the seed
// code, then a driver that prints the three result frames as JSON.
const PANDAS_3_HOUR_ALIAS = `
import pandas as _pd
if int(_pd.__version__.split('.')[0]) >= 3:
    # The seed was written for pandas < 3, where 'H' was the hourly alias; pandas 3 only accepts 'h'.
    from pandas.core.indexes.accessors import DatetimeProperties as _DatetimeProperties
    _floor = _DatetimeProperties.floor
    _DatetimeProperties.floor = lambda self, freq, *a, **k: _floor(self, 'h' if freq == 'H' else freq, *a, **k)
`;
const DRIVER = `
import json as _json, sys as _sys
_result = analyze_api_key_activity(_sys.argv[1])
def _rows(frame, columns):
    return sorted([[None if _pd.isna(row[c]) else (int(row[c]) if c != 'api_key_id' else row[c]) for c in columns]
                   for _, row in frame.iterrows()], key=str)
print(_json.dumps({
    'high_volume_keys': _rows(_result['high_volume_keys'], ['api_key_id', 'request_count']),
    'suspicious_ip_patterns': _rows(_result['suspicious_ip_patterns'], ['api_key_id', 'unique_ips']),
    'failed_requests': _rows(_result['failed_requests'], ['api_key_id', 'status_code']),
}))
`;

/** The seed's `analyze_api_key_activity`, unmodified, on `logFile`: its three frames as rows. */
export function seedPandasAnalysis(logFile: string): Record<string, unknown[][]> {
  const [analysis] = seedCodeBlocks('python');
  if (!analysis?.includes('def analyze_api_key_activity(log_file):')) {
    throw new Error('the seed no longer has analyze_api_key_activity(log_file)');
  }
  const script = join(mkdtempSync(join(tmpdir(), 'apitrail-seed-pandas-')), 'seed_analysis.py');
  writeFileSync(script, `${PANDAS_3_HOUR_ALIAS}\n${analysis}\n${DRIVER}`);
  return JSON.parse(run('python3', [script, logFile], dirname(logFile))) as Record<string, unknown[][]>;
}
