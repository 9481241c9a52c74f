import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ApitrailConfigError } from '@apitrail/core/internal';
import { parseCheckpoint } from './checkpoint.js';
import { CheckpointVerifier, certifiedStartMs, isClosed, type VerifiedCheckpoint } from './epochs.js';
import { HASH_BYTES, verifyConsistency } from './merkle.js';
import { canonicalBase64, cosignatureLine, parseNote, type Signer, type Verifier } from './note.js';

// A witness (c2sp.org/tlog-witness): it remembers the last checkpoint it cosigned per log and
// cosigns a new one only if a consistency proof shows the new tree extends that one. A rollback
// (a smaller tree), a fork (another tree of the same or larger size) or a log signed by an unknown
// key is refused, so a cosigned checkpoint pins the log's history for anyone holding it.

export interface WitnessedLog {
  readonly size: number;
  /** Base64 root hash. */
  readonly root: string;
  /** The checkpoint note with the log's signature and this witness's cosignature. */
  readonly checkpoint: string;
  /**
   * When the witness stored this entry (ms, its own clock): the last time the log was extended.
   * An entry without it (a state written before it was kept) counts from when the state was loaded.
   */
  readonly at?: number;
}

/**
 * What a witness forgot (`WitnessState.forget`): how many logs, and the latest start time their
 * epoch certificates gave them. A log the witness does not hold that started by then may be one it
 * forgot, so it is refused rather than cosigned afresh (which would cosign a rollback or a fork).
 */
export interface ForgottenLogs {
  readonly logs: number;
  /** ms: the latest certified start of a forgotten log. */
  readonly startedBy: number;
}

/** Where `WitnessState.forget` appends the entries it drops: `<state>.forgotten.jsonl`, one per line. */
export function forgottenArchive(stateFile: string): string {
  return `${stateFile}.forgotten.jsonl`;
}

/** The witness's memory, one entry per log origin, in a JSON file written atomically. */
export class WitnessState {
  private readonly logs: Map<string, WitnessedLog>;
  private forgottenLogs: ForgottenLogs | undefined;

  /** `loadedAt`: the time an entry without `at` counts from. */
  constructor(
    private readonly file: string | undefined,
    logs: Record<string, WitnessedLog> = {},
    forgotten?: ForgottenLogs,
    loadedAt = Date.now(),
  ) {
    this.logs = new Map(Object.entries(logs).map(([origin, log]) => [origin, { at: loadedAt, ...log }]));
    this.forgottenLogs = forgotten;
  }

  /**
   * The state in `file`, or an empty one when there is no such file yet (nor a link to one).
   * Anything else that cannot be read as a state throws (ApitrailConfigError): a witness that
   * started afresh from a truncated or damaged file would cosign a rollback or a fork of every log
   * it had witnessed. A symbolic link is followed for writing too, so that the file it names stays
   * the state.
   */
  static load(file: string, loadedAt = Date.now()): WitnessState {
    let text: string;
    let path: string;
    try {
      path = realpathSync(file);
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new ApitrailConfigError(file, `cannot read the witness state (${code ?? 'error'})`);
      // A link whose file is gone (on a volume not mounted, or moved away) is no first start.
      const link = lstatSync(file, { throwIfNoEntry: false });
      if (link?.isSymbolicLink() === true) {
        throw new ApitrailConfigError(file, `a symbolic link to ${readlinkSync(file)}, which does not exist`);
      }
      return new WitnessState(file, {}, undefined, loadedAt);
    }
    let logs: Record<string, WitnessedLog>;
    let forgotten: ForgottenLogs | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      logs = stateLogs(parsed);
      forgotten = stateForgotten(parsed);
    } catch (error) {
      throw new ApitrailConfigError(
        file,
        `not a witness state file (${(error as Error).message}); the witness does not start afresh from a damaged state: restore it, or move it away to forget every log witnessed`,
      );
    }
    return new WitnessState(path, logs, forgotten, loadedAt);
  }

  get(origin: string): WitnessedLog | undefined {
    return this.logs.get(origin);
  }

  entries(): [string, WitnessedLog][] {
    return [...this.logs];
  }

  /** The logs forgotten so far, if any (`forget`). */
  get forgotten(): ForgottenLogs | undefined {
    return this.forgottenLogs;
  }

  /**
   * Drops every log not extended for `afterMs` (its entry stored that long ago) and started that
   * long ago (by its certificate: a host whose clock runs ahead keeps its logs longer, and cannot
   * move the cut-off past the witness's own time less `afterMs`). The dropped entries are appended
   * to `forgottenArchive(file)` and flushed before the state is replaced, so what the witness
   * cosigned stays on disk for `apitrail verify --witnessed`, out of the state it rewrites on every
   * cosignature. Returns what was forgotten now (nothing: `logs` 0); throws, having forgotten
   * nothing, when a file cannot be written.
   */
  forget(nowMs: number, afterMs: number): ForgottenLogs {
    const cutoff = nowMs - afterMs;
    const dropped: [string, WitnessedLog, number][] = [];
    for (const [origin, log] of this.logs) {
      if ((log.at ?? nowMs) > cutoff) continue;
      const startMs = certifiedStartMs(parseCheckpoint(parseNote(log.checkpoint).text));
      if (startMs <= cutoff) dropped.push([origin, log, startMs]);
    }
    if (dropped.length === 0) return { logs: 0, startedBy: this.forgottenLogs?.startedBy ?? 0 };
    const previous = this.forgottenLogs;
    const startedBy = Math.max(previous?.startedBy ?? 0, ...dropped.map(([, , startMs]) => startMs));
    if (this.file !== undefined) {
      appendDurably(
        forgottenArchive(this.file),
        dropped.map(([origin, log]) => `${JSON.stringify({ origin, ...log })}\n`).join(''),
      );
    }
    for (const [origin] of dropped) this.logs.delete(origin);
    this.forgottenLogs = { logs: (previous?.logs ?? 0) + dropped.length, startedBy };
    try {
      this.write();
    } catch (error) {
      for (const [origin, log] of dropped) this.logs.set(origin, log);
      this.forgottenLogs = previous;
      throw error;
    }
    return { logs: dropped.length, startedBy };
  }

  /**
   * Records `log` and replaces the file with the new state before returning: the cosignature goes
   * out only after. The new file is flushed to disk before the rename and the directory after it,
   * so a crash or power cut leaves the old state or the new one, never an empty file or a state
   * older than a cosignature already given.
   */
  set(origin: string, log: WitnessedLog): void {
    const previous = this.logs.get(origin);
    this.logs.set(origin, log);
    try {
      this.write();
    } catch (error) {
      // Not written, so not cosigned (the error goes to the caller): memory keeps what the file holds.
      if (previous === undefined) this.logs.delete(origin);
      else this.logs.set(origin, previous);
      throw error;
    }
  }

  private write(): void {
    if (this.file === undefined) return;
    const state =
      this.forgottenLogs === undefined
        ? { logs: Object.fromEntries(this.logs) }
        : { logs: Object.fromEntries(this.logs), forgotten: this.forgottenLogs };
    writeDurably(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}

/** Writes (`flags` 'w') or appends ('a') `text` to `file` (made 0600 if new) and flushes it to disk. */
function writeFlushed(file: string, flags: 'w' | 'a', text: string): void {
  const fd = openSync(file, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function appendDurably(file: string, text: string): void {
  writeFlushed(file, 'a', text);
}

function writeDurably(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFlushed(temporary, 'w', text);
  renameSync(temporary, file);
  const directory = openSync(dirname(file), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/** The `logs` of a parsed state file, each entry checked: its size and root are those of the checkpoint it holds. */
function stateLogs(parsed: unknown): Record<string, WitnessedLog> {
  const logs = (parsed as { logs?: unknown } | null)?.logs;
  if (logs === null || typeof logs !== 'object' || Array.isArray(logs)) throw new Error('no `logs` object');
  for (const [origin, entry] of Object.entries(logs as Record<string, Partial<WitnessedLog>>)) {
    const checkpoint =
      typeof entry?.checkpoint === 'string' ? parseCheckpoint(parseNote(entry.checkpoint).text) : undefined;
    if (
      checkpoint?.origin !== origin ||
      checkpoint.size !== entry.size ||
      checkpoint.root.toString('base64') !== entry.root
    ) {
      throw new Error(`the entry of ${JSON.stringify(origin)} is not its checkpoint's size and root`);
    }
    if (entry.at !== undefined && !(Number.isSafeInteger(entry.at) && entry.at >= 0)) {
      throw new Error(`the entry of ${JSON.stringify(origin)} has an invalid \`at\``);
    }
  }
  return logs as Record<string, WitnessedLog>;
}

/** The `forgotten` of a parsed state file, checked, if it has one. */
function stateForgotten(parsed: unknown): ForgottenLogs | undefined {
  const forgotten = (parsed as { forgotten?: Partial<ForgottenLogs> }).forgotten;
  if (forgotten === undefined) return undefined;
  const { logs, startedBy } = forgotten ?? {};
  if (!(Number.isSafeInteger(logs) && logs! > 0 && Number.isSafeInteger(startedBy) && startedBy! > 0)) {
    throw new Error('`forgotten` is not a count of logs and a start time');
  }
  return { logs: logs!, startedBy: startedBy! };
}

export type WitnessAnswer =
  /** Cosigned: the cosignature line, and the note with it appended. */
  | { readonly status: 200; readonly cosignature: string; readonly checkpoint: string }
  /** The caller's idea of the last size is stale: `size` is what the witness holds. */
  | { readonly status: 409; readonly size: number; readonly reason: string }
  | { readonly status: 400 | 403 | 422; readonly reason: string };

export interface AddCheckpoint {
  /** The size of the checkpoint the caller believes the witness holds (0 for none). */
  readonly oldSize: number;
  /** Consistency proof from `oldSize` to the new checkpoint's size. */
  readonly proof: readonly Buffer[];
  /** The new checkpoint note, signed by its log. */
  readonly checkpoint: string;
}

export class Witness {
  private readonly checkpoints: CheckpointVerifier;

  constructor(
    private readonly key: Signer,
    logRootKey: Verifier,
    readonly state: WitnessState,
    private readonly now: () => number = Date.now,
  ) {
    this.checkpoints = new CheckpointVerifier(logRootKey);
  }

  add(request: AddCheckpoint): WitnessAnswer {
    let checkpoint: VerifiedCheckpoint;
    try {
      checkpoint = this.checkpoints.open(request.checkpoint);
    } catch (error) {
      return { status: 403, reason: `checkpoint not signed by a known log: ${(error as Error).message}` };
    }
    const known = this.state.get(checkpoint.origin);
    const forgotten = this.state.forgotten;
    // A log not held that started by the latest start of a log forgotten may be that log: cosigned
    // afresh, its rollback or fork would be. Refused, whatever size the caller believes is held.
    if (known === undefined && forgotten !== undefined && checkpoint.certificate.startMs <= forgotten.startedBy) {
      return {
        status: 422,
        reason: `the witness no longer holds logs started by ${new Date(forgotten.startedBy).toISOString()} (forgotten when not extended for its retention), and this log started at ${new Date(checkpoint.certificate.startMs).toISOString()}: it may be one of them, and cannot be cosigned afresh`,
      };
    }
    const knownSize = known?.size ?? 0;
    if (request.oldSize !== knownSize) {
      return { status: 409, size: knownSize, reason: `the witness holds size ${knownSize}, not ${request.oldSize}` };
    }
    if (checkpoint.size < knownSize) {
      return { status: 400, reason: `rollback: size ${checkpoint.size} is smaller than the witnessed ${knownSize}` };
    }
    // The log signed its last checkpoint and erased its key: a larger tree was signed by a key
    // taken before that, and cosigning it would vouch for records the process never wrote.
    const knownClosed = known !== undefined && isClosed(parseCheckpoint(parseNote(known.checkpoint).text));
    if (knownClosed && checkpoint.size > knownSize) {
      return { status: 422, reason: `the log was closed at size ${knownSize}: nothing extends it` };
    }
    if (known !== undefined && knownSize > 0) {
      const knownRoot = Buffer.from(known.root, 'base64');
      if (!verifyConsistency(knownSize, checkpoint.size, knownRoot, checkpoint.root, request.proof)) {
        return {
          status: 422,
          reason: `fork: the tree of size ${checkpoint.size} does not extend the witnessed tree of size ${knownSize}`,
        };
      }
    } else if (request.proof.length > 0) {
      return { status: 400, reason: 'a first checkpoint takes no consistency proof' };
    }
    const cosignature = cosignatureLine(checkpoint.text, this.key, Math.floor(this.now() / 1000));
    // The log's signature and this one only: lines of other keys, which nothing checked, would be
    // kept as if vouched for, and 16 of them (as many as a note may carry) made the state unreadable.
    const cosigned = `${checkpoint.signedNote}${cosignature}`;
    // The same tree without the closing line (an epoch's last checkpoint, signed just before the
    // close) is cosigned, but the closing checkpoint stays what the witness holds.
    if (!knownClosed || checkpoint.closed) {
      this.state.set(checkpoint.origin, {
        size: checkpoint.size,
        root: checkpoint.root.toString('base64'),
        checkpoint: cosigned,
        at: this.now(),
      });
    }
    return { status: 200, cosignature, checkpoint: cosigned };
  }
}

/** The tlog-witness `add-checkpoint` request body: `old <size>`, the proof lines, a blank line, the note. */
export function parseAddCheckpoint(body: string): AddCheckpoint {
  const split = body.indexOf('\n\n');
  if (split < 0) throw new Error('no blank line before the checkpoint');
  const [oldLine, ...proofLines] = body.slice(0, split).split('\n');
  const match = /^old (0|[1-9][0-9]*)$/.exec(oldLine ?? '');
  if (match === null) throw new Error('the first line is not `old <size>`');
  const proof = proofLines.map((line) => canonicalBase64(line));
  if (!proof.every((node): node is Buffer => node?.length === HASH_BYTES))
    throw new Error('a proof line is not a base64 SHA-256 hash');
  return { oldSize: Number(match[1]), proof, checkpoint: body.slice(split + 2) };
}

export function formatAddCheckpoint(request: AddCheckpoint): string {
  return (
    [`old ${request.oldSize}`, ...request.proof.map((node) => node.toString('base64'))].join('\n') +
    `\n\n${request.checkpoint}`
  );
}
