import { parseArgs } from 'node:util';
import { ApitrailConfigError } from '@apitrail/core';
import { neutralizeControlCharacters, readFileBounded } from '@apitrail/core/internal';
import { readDetectConfig } from '@apitrail/detect';
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  CheckpointVerifier,
  NoteError,
  Witness,
  WitnessState,
  SIGNATURE_TYPE,
  duplicateKey,
  forgottenArchive,
  logOrigin,
  readSignerKeyFile,
  readVerifierKeyFile,
  verifyProofBundle,
  type Verifier,
} from '@apitrail/integrity/internal';
import { readEnrichConfig, createSourceEnricher } from '@apitrail/enrich';
import { ndjsonLine } from '@apitrail/export/internal';
import { analyzeFiles, analyzeJson, analyzeText, type AnalyzeReport } from './analyze.js';
import { KeyUsageReport, keyReportCsv, keyReportJson, keyReportTable } from './by-key.js';
import { quarantineCommand } from './quarantine.js';
import { UsageError } from './usage-error.js';
import { writeKeyPair } from './keygen.js';
import { UnreadableInput } from './logs.js';
import type { Output } from './output.js';
import { ProveError, proveRecord } from './prove.js';
import { verifyFiles, verifyText } from './verify.js';
import { lockState, witnessFiles, witnessServer, type WitnessedFileLog } from './witness.js';

const USAGE = `Usage:
  apitrail analyze [--json] <files...|->   run the detection rules over NDJSON or OTLP-JSON logs
  apitrail analyze --by-key [--json|--csv] <files...|->
                                           per API key: source IPs, ASNs, countries, first and
                                           last seen, status codes, alerts (--json: one object
                                           per key and line)
  apitrail quarantine list|add <key>|lift <key> [--file <path>] [--seconds <n>] [--reason <text>]
                                           the quarantine list a process with APITRAIL_RESPONSE=block
                                           watches (file: --file or APITRAIL_QUARANTINE_FILE)
  apitrail keygen --out <dir> [--name <key name>] [--witness]
                                           write a root key pair (apitrail-root.key, mode 0600, and
                                           apitrail-root.pub), or a witness key pair
  apitrail verify [--json] --public-key <root.pub> [--witness-key <w.pub> --witnessed <state>...]
                  [--workers <n>] <files...|->
                                           check the integrity logs with the public key only
                                           (--workers: threads hashing records beside the
                                           main thread, 0 = none; default one less than the
                                           processors, at most 8)
  apitrail prove --public-key <root.pub> --seq <n> [--log <id>] <files...>
                                           print an inclusion proof bundle for one record,
                                           checked as verify-proof checks it
  apitrail verify-proof --public-key <root.pub> <bundle.json>
                                           check a bundle without the logs
  apitrail witness --key <w.key> --log-key <root.pub> --state <file> [--forget-after <time>]
                   (--listen <host:port> | <files...>)
                                           cosign checkpoints that extend what was witnessed;
                                           logs not extended for --forget-after (default 30d;
                                           s, m, h or d; 0 never) move to <state>.forgotten.jsonl
                                           and are refused from then on
  apitrail spool status [--json] [--dir <path>]
                                           what a spool holds: segments, records, damaged lines;
                                           and the other spools whose records no process exports
  apitrail spool export --ndjson [--dir <path>]
                                           print every spooled record as NDJSON (nothing removed)
  apitrail spool replay [--refused] [--dir <path>]
                                           export the spool to OTEL_EXPORTER_OTLP_ENDPOINT now,
                                           removing what was exported (not a running app's);
                                           --refused: the batches set aside in refused/ too

The spool is --dir, else APITRAIL_SPOOL_DIR, else the default for OTEL_SERVICE_NAME.

Files may be gzip or zstd compressed, or the gateway's zstd archive, read as they are.

Exit codes: 0 nothing found, 1 alerts (analyze), findings (verify), an invalid bundle
(verify-proof) or a refused checkpoint (witness), 2 errors (bad usage, unreadable files or
lines). Thresholds: APITRAIL_DETECT_* variables. spool: 0 done, 1 records remain after replay, 2 errors.
`;

/** Exit codes, as the usage text documents them. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

const DEFAULT_OUTPUT: Output = { out: process.stdout, err: process.stderr };

async function analyze(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, csv: { type: 'boolean' }, 'by-key': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one file (or - for stdin)');
  if (values.csv === true && values['by-key'] !== true) throw new UsageError('--csv goes with --by-key');
  if (values.csv === true && values.json === true) throw new UsageError('--json and --csv exclude each other');
  const detectConfig = readDetectConfig(env);
  if (values['by-key'] === true) {
    const byKey = new KeyUsageReport(createSourceEnricher(readEnrichConfig(env)));
    const report = await analyzeFiles(positionals, detectConfig, output, byKey);
    const rows = byKey.rows();
    output.out.write(
      values.json === true ? keyReportJson(rows) : values.csv === true ? keyReportCsv(rows) : keyReportTable(rows),
    );
    if (values.json !== true && values.csv !== true) output.out.write(`\n${analyzeText(report)}`);
    return exitCode(report);
  }
  const report = await analyzeFiles(positionals, detectConfig, output);
  output.out.write(values.json === true ? analyzeJson(report) : analyzeText(report));
  return exitCode(report);
}

function exitCode(report: AnalyzeReport): number {
  if (report.unreadableFiles > 0 || report.malformedLines > 0) return EXIT.error;
  return report.alerts.length + report.droppedAlerts > 0 ? EXIT.found : EXIT.clean;
}

function required(value: string | undefined, option: string, command: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command} needs ${option}`);
  return value;
}

async function verify(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      'public-key': { type: 'string' },
      'witness-key': { type: 'string' },
      witnessed: { type: 'string', multiple: true },
      workers: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('verify needs at least one file (or - for stdin)');
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isSafeInteger(workers) && workers >= 0 && workers <= 64)) {
    throw new UsageError(`--workers takes a whole number from 0 to 64, not ${values.workers}`);
  }
  const rootKey = readVerifierKeyFile(
    '--public-key',
    required(values['public-key'], '--public-key <root.pub>', 'verify'),
    SIGNATURE_TYPE.ed25519,
  );
  if ((values['witness-key'] === undefined) !== (values.witnessed === undefined)) {
    throw new UsageError('--witness-key and --witnessed go together');
  }
  const witness =
    values['witness-key'] === undefined
      ? undefined
      : {
          key: readVerifierKeyFile('--witness-key', values['witness-key'], SIGNATURE_TYPE.cosignature),
          files: values.witnessed!,
        };
  const outcome = await verifyFiles(positionals, rootKey, output, witness, workers === undefined ? {} : { workers });
  output.out.write(values.json === true ? `${ndjsonLine(outcome.report)}\n` : verifyText(outcome));
  if (outcome.unreadableFiles > 0) return EXIT.error;
  return outcome.report.findings.length > 0 ? EXIT.found : EXIT.clean;
}

function keygen(args: string[], output: Output): number {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, name: { type: 'string' }, witness: { type: 'boolean' } },
  });
  const dir = required(values.out, '--out <dir>', 'keygen');
  const witness = values.witness === true;
  const base = witness ? 'apitrail-witness' : 'apitrail-root';
  try {
    // In the try: a path that cannot be looked at (not searchable, too long) is a cause, not a stack.
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) {
      throw new ApitrailConfigError('--out', `${dir} is not a directory`);
    }
    const written = writeKeyPair(dir, base, values.name ?? base, witness);
    output.out.write(`${written.privateFile} (private: keep it offline)\n${written.publicFile}: ${written.vkey}\n`);
  } catch (error) {
    if (error instanceof NoteError) throw new UsageError(`--name: ${error.message}`);
    const { code, path } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST' && path !== undefined && path !== dir)
      throw new UsageError(`${dir} already holds ${base} keys; not overwritten`);
    if (code === undefined) throw error;
    // --out is a file, not writable, on a full disk...: the cause, not a stack.
    output.err.write(`apitrail: cannot write the keys: ${(error as Error).message}\n`);
    return EXIT.error;
  }
  return EXIT.clean;
}

async function prove(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { seq: { type: 'string' }, log: { type: 'string' }, 'public-key': { type: 'string' } },
    allowPositionals: true,
  });
  const seqText = required(values.seq, '--seq <n>', 'prove');
  if (!/^(0|[1-9][0-9]*)$/.test(seqText) || !Number.isSafeInteger(Number(seqText))) {
    throw new UsageError(`--seq takes a record's sequence number (0, 1, ...), not ${JSON.stringify(seqText)}`);
  }
  if (positionals.length === 0) throw new UsageError('prove needs the log files');
  // Without the key, a checkpoint anyone could have written into the files (signed by another
  // root, or forged) could be the one proved against: the bundle would fail verify-proof, or be
  // one nobody should trust. verify and verify-proof need the key too.
  const rootKey = readVerifierKeyFile(
    '--public-key',
    required(values['public-key'], '--public-key <root.pub>', 'prove'),
    SIGNATURE_TYPE.ed25519,
  );
  try {
    const bundle = await proveRecord(positionals, Number(seqText), values.log, rootKey);
    output.out.write(`${ndjsonLine(bundle)}\n`);
    return EXIT.clean;
  } catch (error) {
    if (error instanceof ProveError || error instanceof UnreadableInput) {
      // Log ids in the message come from the files: whoever wrote them chose them.
      output.err.write(`apitrail: ${neutralizeControlCharacters(error.message)}\n`);
      return EXIT.error;
    }
    throw error;
  }
}

/**
 * The largest bundle verify-proof reads: a record as long as the longest line verify reads (64 MiB)
 * with its proof and checkpoint. A device or a huge file named by mistake is refused at that size,
 * not read until memory runs out.
 */
const MAX_BUNDLE_BYTES = 80 * 1024 * 1024;

function verifyProof(args: string[], output: Output): number {
  const { values, positionals } = parseArgs({
    args,
    options: { 'public-key': { type: 'string' } },
    allowPositionals: true,
  });
  const rootKey = readVerifierKeyFile(
    '--public-key',
    required(values['public-key'], '--public-key <root.pub>', 'verify-proof'),
    SIGNATURE_TYPE.ed25519,
  );
  if (positionals.length !== 1) throw new UsageError('verify-proof takes one bundle file (or - for stdin)');
  let text: string;
  let bundle: unknown;
  try {
    text = (positionals[0] === '-' ? readFileSync(0) : readFileBounded(positionals[0]!, MAX_BUNDLE_BYTES)).toString(
      'utf8',
    );
    bundle = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text it stopped at: the bundle's, whatever it holds.
    output.err.write(`apitrail: cannot read the bundle: ${neutralizeControlCharacters((error as Error).message)}\n`);
    return EXIT.error;
  }
  const started = performance.now();
  const duplicate = duplicateKey(text);
  const check =
    duplicate === undefined
      ? verifyProofBundle(bundle, rootKey)
      : { ok: false as const, reason: `duplicate key ${JSON.stringify(duplicate)}: the bundle reads two ways` };
  const elapsed = performance.now() - started;
  if (!check.ok) {
    output.out.write(`INVALID: ${neutralizeControlCharacters(check.reason)}\n`);
    return EXIT.found;
  }
  output.out.write(
    `OK: seq ${check.sequence} of log ${neutralizeControlCharacters(check.logId)} is in its tree of size ${check.size} (epoch ${check.epoch}), checked in ${elapsed.toFixed(2)} ms\n`,
  );
  return EXIT.clean;
}

async function witness(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      'log-key': { type: 'string' },
      state: { type: 'string' },
      listen: { type: 'string' },
      'forget-after': { type: 'string' },
    },
    allowPositionals: true,
  });
  const forgetAfter = values['forget-after'] ?? DEFAULT_FORGET_AFTER;
  const forgetAfterMs = parseForgetAfter(forgetAfter);
  const key = readSignerKeyFile(
    '--key',
    required(values.key, '--key <apitrail-witness.key>', 'witness'),
    SIGNATURE_TYPE.cosignature,
  );
  const logKey = readVerifierKeyFile(
    '--log-key',
    required(values['log-key'], '--log-key <apitrail-root.pub>', 'witness'),
    SIGNATURE_TYPE.ed25519,
  );
  const stateFile = required(values.state, '--state <file>', 'witness');
  if (values.listen === undefined && positionals.length === 0) {
    throw new UsageError('witness needs --listen <host:port> or log files');
  }
  const release = lockState(stateFile);
  try {
    const service = new Witness(key, logKey, WitnessState.load(stateFile));
    const forget = (): void => {
      if (forgetAfterMs > 0) reportForgotten(service.state, forgetAfterMs, forgetAfter, stateFile, output);
    };
    forget();
    return await runWitness(service, logKey, values.listen, positionals, output, forget, forgetAfterMs);
  } finally {
    release();
  }
}

/** The witness's retention when --forget-after is not given. */
const DEFAULT_FORGET_AFTER = '30d';
const DURATION_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** --forget-after: `0` (never) or a whole number of s, m, h or d; in ms. */
function parseForgetAfter(text: string): number {
  if (text === '0') return 0;
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(text);
  if (match === null) {
    throw new UsageError(
      `--forget-after takes a time such as 30d, 12h, 90m or 45s (0: never forget), not ${JSON.stringify(text)}`,
    );
  }
  return Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
}

/** Forgets the logs idle past `afterMs` and says so (a failure to write is said too: nothing was forgotten). */
function reportForgotten(state: WitnessState, afterMs: number, after: string, stateFile: string, output: Output): void {
  try {
    const forgotten = state.forget(Date.now(), afterMs);
    if (forgotten.logs === 0) return;
    output.out.write(
      `witness: forgot ${forgotten.logs} logs not extended for ${after} (moved to ${forgottenArchive(stateFile)}); from now on it refuses any log it does not hold that started by ${new Date(forgotten.startedBy).toISOString()}\n`,
    );
  } catch (error) {
    output.err.write(`apitrail: witness: could not forget idle logs (kept all): ${(error as Error).message}\n`);
  }
}

async function runWitness(
  service: Witness,
  logKey: Verifier,
  listen: string | undefined,
  positionals: string[],
  output: Output,
  forget: () => void,
  forgetAfterMs: number,
): Promise<number> {
  if (listen !== undefined) {
    const match = /^(.+):(\d+)$/.exec(listen);
    if (match === null) throw new UsageError('--listen takes <host>:<port>');
    const server = witnessServer(service);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(match[2]), match[1], resolve);
      });
    } catch (error) {
      // A port in use or not allowed, an address not on this host: the cause, not a stack.
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ApitrailConfigError('--listen', `cannot listen on ${listen} (${code})`);
    }
    // The signal handlers before the line that says it listens: a supervisor that stops it as soon
    // as it reads that line would otherwise kill it outright (and leave its lock behind).
    // Idle logs are forgotten while it runs too: a few times per retention, at least hourly.
    const forgetting =
      forgetAfterMs > 0 ? setInterval(forget, Math.min(forgetAfterMs / 4, 3_600_000)).unref() : undefined;
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        clearInterval(forgetting);
        server.close(() => resolve());
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    const address = server.address();
    output.out.write(
      `witness listening on ${typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : listen}\n`,
    );
    await stopped;
    return EXIT.clean;
  }
  let refused = 0;
  let witnessed: WitnessedFileLog[];
  try {
    witnessed = await witnessFiles(service, new CheckpointVerifier(logKey), positionals);
  } catch (error) {
    if (!(error instanceof UnreadableInput)) throw error;
    output.err.write(`apitrail: ${error.message}\n`);
    return EXIT.error;
  }
  if (witnessed.length === 0) {
    output.err.write('apitrail: no integrity log in the files: nothing to witness\n');
    return EXIT.error;
  }
  for (const log of witnessed) {
    // A log id comes from the files: whoever wrote them chose it.
    const logId = neutralizeControlCharacters(log.logId);
    if (log.answers.length === 0 && service.state.get(logOrigin(log.logId)) === undefined) {
      output.out.write(`log ${logId}: no checkpoint signed down from --log-key\n`);
    }
    for (const { size, answer } of log.answers) {
      if (answer.status === 200) output.out.write(`log ${logId}: cosigned size ${size}\n`);
      else {
        refused++;
        output.out.write(
          `log ${logId}: REFUSED size ${size} (${answer.status}): ${neutralizeControlCharacters(answer.reason)}\n`,
        );
      }
    }
  }
  return refused > 0 ? EXIT.found : EXIT.clean;
}

/**
 * `apitrail verify --help`: what a user types to learn a command's options. The usage text covers
 * every command; a `--help` after `--` is a file name, as parseArgs reads it.
 */
function asksForHelp(args: readonly string[]): boolean {
  const separator = args.indexOf('--');
  const options = separator === -1 ? args : args.slice(0, separator);
  return options.includes('--help') || options.includes('-h');
}

/** Runs one command and returns its exit code; usage and configuration errors are exit code 2. */
export async function main(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  output = DEFAULT_OUTPUT,
): Promise<number> {
  const [command, ...rest] = args;
  if (command !== undefined && asksForHelp(rest)) {
    output.out.write(USAGE);
    return EXIT.clean;
  }
  try {
    switch (command) {
      case 'analyze':
        return await analyze(rest, env, output);
      case 'quarantine':
        return quarantineCommand(rest, env, output);
      case 'verify':
        return await verify(rest, output);
      case 'keygen':
        return keygen(rest, output);
      case 'prove':
        return await prove(rest, output);
      case 'verify-proof':
        return verifyProof(rest, output);
      case 'witness':
        return await witness(rest, output);
      case 'spool':
        // Loaded on demand: replay starts an OTLP exporter, whose modules the other commands, run
        // over large inputs in a small heap, have no use for.
        return await (await import('./spool.js')).spoolCommand(rest, env, output);
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
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      output.err.write(`apitrail: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT.error;
    }
    // A key or setting that cannot be used: its cause alone, not buried above the usage text.
    if (error instanceof ApitrailConfigError) {
      // The cause may quote a file's text (a state or key file that does not parse).
      output.err.write(`apitrail: ${neutralizeControlCharacters(error.message)}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
