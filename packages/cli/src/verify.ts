import { readFileSync } from 'node:fs';
import { ApitrailConfigError } from '@apitrail/core';
import { LogVerifier, type Verifier, type VerifyReport } from '@apitrail/integrity';
import { progressReporter, reportProblem, table, type Output } from './output.js';
import type { TextChunk } from './chunk-lines.js';
import { ChunkBuffers, readTextChunks } from './text-chunks.js';
import {
  PreparePool,
  defaultVerifyWorkers,
  parseLine,
  prepareBatch,
  prepareChunk,
  sameWhenParsed,
  type UncheckedFrom,
} from './verify-batches.js';
import { unpackPrepared, type PackedPrepared, type PreparedBatch, type PreparedSink } from './verify-pack.js';

/** What `apitrail verify` found: the verifier's report and the number of files it could not read. */
export interface VerifyOutcome {
  readonly report: VerifyReport;
  readonly unreadableFiles: number;
}

export interface WitnessCheck {
  readonly key: Verifier;
  /**
   * The witness's state files (`apitrail witness --state`: the last checkpoint it cosigned per
   * log), or the `<state>.forgotten.jsonl` of the logs it forgot (one entry a line).
   */
  readonly files: readonly string[];
}

interface Witnessed {
  readonly note: string;
  readonly file: string;
}

/**
 * The cosigned checkpoints of a witness state file, or of its forgotten logs' archive; a file that
 * is neither throws (ApitrailConfigError, naming the file and why).
 */
export function witnessedCheckpoints(file: string): Witnessed[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ApitrailConfigError('--witnessed', `cannot read ${file} (${code ?? message})`);
  }
  const checkpoints = (entries: unknown[]): Witnessed[] =>
    entries.map((entry) => {
      const note = (entry as { checkpoint?: unknown } | null)?.checkpoint;
      if (typeof note !== 'string') throw new Error('an entry without a checkpoint');
      return { note, file };
    });
  try {
    if (text.trim() === '') throw new Error('the file is empty');
    let whole: unknown;
    try {
      whole = JSON.parse(text);
    } catch {
      // Not one JSON text: the forgotten logs' archive, one entry a line.
      return checkpoints(
        text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as unknown),
      );
    }
    const logs = (whole as { logs?: unknown } | null)?.logs;
    if (logs !== null && typeof logs === 'object' && !Array.isArray(logs)) return checkpoints(Object.values(logs));
    return checkpoints([whole]);
  } catch (error) {
    throw new ApitrailConfigError(
      '--witnessed',
      `${file} is not a witness state nor its forgotten logs (${(error as Error).message})`,
    );
  }
}

/** How `verifyFiles` runs. */
export interface VerifyOptions {
  /**
   * Worker threads preparing records (canonical entries and leaf hashes) beside the main thread,
   * which prepares the chunks that find every worker busy; 0 prepares them all in the main thread.
   * Default: one less than the machine's processors, at most 8 (`defaultVerifyWorkers`). An input
   * of one chunk (about 1 MiB of lines) is prepared in the main thread whatever this says.
   */
  readonly workers?: number;
}

/**
 * Chunks queued per worker before the main thread prepares one itself: enough that no worker idles
 * while the main thread reads, applies and walks the trees (about half of a record's work once
 * leaves come from the lines' text).
 */
const BATCHES_PER_WORKER = 4;
/**
 * Chunks the main thread may prepare past one still in a worker before it waits for it: a worker
 * slowed down (a processor shared with another process, or one still starting: loading its modules
 * and compiling its code takes it a few hundred milliseconds, in which the main thread prepares
 * dozens of chunks) then does not stall the main thread too. Their packed results are about 40 KB
 * a chunk (their buffers are read into again), so this holds a few megabytes at most.
 */
const PREPARED_AHEAD = 64;

/** A chunk being prepared, in a worker (`prepared` until it is back) or already by the main thread. */
interface InFlight {
  prepared: Promise<PackedPrepared> | undefined;
  packed: PackedPrepared | undefined;
}

/**
 * Verifies every log in `files` with the root public key. A line that does not parse is itself a
 * finding (an edit or a cut mid-line); an unreadable file is an error. Records are prepared in
 * worker threads and the main thread and handed to the verifier in file order, so the report does
 * not depend on the number of workers nor on which thread prepared what.
 *
 * The leaves of the lines apitrail's NDJSON exporter wrote are first taken from their text,
 * without parsing them (`lineLeaf`): when every root then matches its signed checkpoint, that is
 * proof the records are the signed ones. Any finding is decided by a second pass that parses every
 * record, so the report is the same as if every line had been parsed; when the only findings are
 * logs without their closing checkpoint, parsing just the lines no checkpoint checked tells whether
 * they read the same. Standard input cannot be read twice: it is parsed in one pass.
 */
export async function verifyFiles(
  files: readonly string[],
  rootKey: Verifier,
  output: Output,
  witness?: WitnessCheck,
  options: VerifyOptions = {},
): Promise<VerifyOutcome> {
  const workers = options.workers ?? defaultVerifyWorkers();
  const problems: string[] = [];
  const witnessed =
    witness === undefined
      ? undefined
      : { key: witness.key, checkpoints: witness.files.flatMap((file) => witnessedCheckpoints(file)) };
  if (!files.includes('-')) {
    const outcome = await verifyPass(files, rootKey, output, witnessed, workers, true, problems);
    const { findings, logs } = outcome.report;
    // A log without its closing checkpoint (its process still running) is the usual finding, and
    // only its unchecked tail can read otherwise when parsed: those lines alone are parsed again.
    const asParsed =
      findings.length === 0 ||
      (findings.every((finding) => finding.kind === 'truncated') &&
        (await uncheckedSameWhenParsed(files, new Map(logs.map((log) => [log.logId, log.verifiedSize])))));
    if (asParsed) {
      problems.forEach((problem, index) => reportProblem(output, index, problem));
      return outcome;
    }
    problems.length = 0;
  }
  const outcome = await verifyPass(files, rootKey, output, witnessed, workers, false, problems);
  problems.forEach((problem, index) => reportProblem(output, index, problem));
  return outcome;
}

/** Whether the lines whose leaves no checkpoint checked give the same records parsed (`sameWhenParsed`). */
async function uncheckedSameWhenParsed(files: readonly string[], unchecked: UncheckedFrom): Promise<boolean> {
  let same = true;
  const buffers = new ChunkBuffers();
  await readTextChunks(
    files,
    {
      chunk: async (chunk) => {
        same &&= sameWhenParsed(chunk, unchecked);
        buffers.recycle(chunk.bytes);
      },
      batch: async () => undefined,
      unreadable: async () => {
        same = false;
      },
    },
    buffers,
  );
  return same;
}

/** One pass over the files (see `verifyFiles`); what it cannot read goes to `problems`. */
async function verifyPass(
  files: readonly string[],
  rootKey: Verifier,
  output: Output,
  witness: { readonly key: Verifier; readonly checkpoints: readonly Witnessed[] } | undefined,
  workers: number,
  fromLineText: boolean,
  problems: string[],
): Promise<VerifyOutcome> {
  const verifier = new LogVerifier(rootKey);
  if (witness !== undefined) {
    for (const { note, file } of witness.checkpoints) verifier.addWitnessed(note, witness.key, file);
  }
  const malformed: { location: string; reason: string }[] = [];
  const add = (item: PreparedBatch[number]): void => {
    if (item.kind === 'malformed') malformed.push({ location: `${item.file}:${item.line}`, reason: item.reason });
    else if (item.kind === 'unparsed') parseLine(item.file)(item.text, item.line).forEach(add);
    else verifier.addPrepared(item);
  };
  const sink: PreparedSink = { run: (...run) => verifier.addLeafRun(...run), other: add };
  const apply = (packed: PackedPrepared): void => unpackPrepared(packed, sink);
  const buffers = new ChunkBuffers();
  const prepareHere = (chunk: TextChunk): PackedPrepared => {
    const packed = prepareChunk(chunk, fromLineText);
    buffers.recycle(chunk.bytes);
    return packed;
  };
  let pool: PreparePool | undefined;
  let first: TextChunk | undefined;
  const inFlight: InFlight[] = [];
  const toPool = (chunk: TextChunk): InFlight => {
    const item: InFlight = { prepared: pool!.prepare(chunk), packed: undefined };
    // Marks the chunk ready for the in-order apply loop; a failure surfaces where `prepared` is awaited.
    item.prepared!.then((packed) => (item.packed = packed)).catch(() => undefined);
    return item;
  };
  const applyHead = async (): Promise<void> => {
    const { packed, prepared } = inFlight.shift()!;
    apply(packed ?? (await prepared!));
  };
  const drain = async (): Promise<void> => {
    while (inFlight.length > 0) await applyHead();
  };
  let unreadableFiles = 0;
  const progress = progressReporter(output, fromLineText ? 'verifying' : 'verifying, parsing every record');
  try {
    await readTextChunks(
      files,
      {
        async chunk(chunk) {
          if (workers < 1) return apply(prepareHere(chunk));
          // The first chunk waits: an input that fits in it is prepared here, without starting threads.
          if (first === undefined && pool === undefined) {
            first = chunk;
            return;
          }
          pool ??= new PreparePool(workers, fromLineText, (bytes) => buffers.recycle(bytes));
          if (first !== undefined) {
            inFlight.push(toPool(first));
            first = undefined;
          }
          // Every worker busy (as while they start): the main thread prepares this chunk itself
          // rather than wait, so on two processors both prepare.
          inFlight.push(
            pool.queued() < BATCHES_PER_WORKER ? toPool(chunk) : { prepared: undefined, packed: prepareHere(chunk) },
          );
          // What is ready is applied now, in order; what follows a chunk still in a worker waits.
          while (inFlight[0]?.packed !== undefined) await applyHead();
          while (inFlight.length > workers * BATCHES_PER_WORKER + PREPARED_AHEAD) await applyHead();
        },
        async batch(batch) {
          // The gateway archive's entries: prepared here, after everything read before them.
          if (first !== undefined) apply(prepareHere(first));
          first = undefined;
          await drain();
          prepareBatch(batch).forEach(add);
        },
        async unreadable(file, reason) {
          // Reported after everything read before it, as in a single thread.
          if (first !== undefined) apply(prepareHere(first));
          first = undefined;
          await drain();
          problems.push(`cannot read ${file}: ${reason}`);
          unreadableFiles++;
        },
        progress: progress.update,
      },
      buffers,
    );
    await drain();
    if (first !== undefined) apply(prepareHere(first));
  } finally {
    await pool?.close();
  }
  progress.done();
  const report = verifier.finish();
  for (const { location, reason } of malformed) {
    report.findings.push({ kind: 'modified', location, detail: `unreadable line: ${reason}` });
  }
  return { report, unreadableFiles };
}

export function verifyText({ report }: VerifyOutcome): string {
  const logs = table(
    ['log', 'records', 'duplicates', 'checkpoints', 'verified', 'epochs', 'closed'],
    report.logs.map((log) => [
      log.logId,
      String(log.records),
      String(log.duplicates),
      String(log.checkpoints),
      String(log.verifiedSize),
      String(log.epochs),
      log.closed ? 'yes' : 'no',
    ]),
  );
  const findings =
    report.findings.length === 0
      ? `OK: ${report.records} records, ${report.logs.length} logs, no findings\n`
      : table(
          ['finding', 'where', 'log', 'detail'],
          report.findings.map((finding) => [finding.kind, finding.location ?? '', finding.logId ?? '', finding.detail]),
        ) + `${report.findings.length} findings in ${report.records} records\n`;
  return `${logs}\n${findings}`;
}
