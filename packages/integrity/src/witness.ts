import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CheckpointVerifier, type VerifiedCheckpoint } from './epochs.js';
import { verifyConsistency } from './merkle.js';
import { cosignatureLine, type Signer, type Verifier } from './note.js';

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
}

/** The witness's memory, one entry per log origin, in a JSON file written atomically. */
export class WitnessState {
  private readonly logs: Map<string, WitnessedLog>;

  constructor(
    private readonly file: string | undefined,
    logs: Record<string, WitnessedLog> = {},
  ) {
    this.logs = new Map(Object.entries(logs));
  }

  static load(file: string): WitnessState {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new WitnessState(file);
      throw error;
    }
    const parsed = JSON.parse(text) as { logs?: Record<string, WitnessedLog> };
    return new WitnessState(file, parsed.logs ?? {});
  }

  get(origin: string): WitnessedLog | undefined {
    return this.logs.get(origin);
  }

  entries(): [string, WitnessedLog][] {
    return [...this.logs];
  }

  set(origin: string, log: WitnessedLog): void {
    this.logs.set(origin, log);
    if (this.file === undefined) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ logs: Object.fromEntries(this.logs) }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }
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
    const knownSize = known?.size ?? 0;
    if (request.oldSize !== knownSize) {
      return { status: 409, size: knownSize, reason: `the witness holds size ${knownSize}, not ${request.oldSize}` };
    }
    if (checkpoint.size < knownSize) {
      return { status: 400, reason: `rollback: size ${checkpoint.size} is smaller than the witnessed ${knownSize}` };
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
    const cosigned = `${request.checkpoint}${cosignature}`;
    this.state.set(checkpoint.origin, {
      size: checkpoint.size,
      root: checkpoint.root.toString('base64'),
      checkpoint: cosigned,
    });
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
  return {
    oldSize: Number(match[1]),
    proof: proofLines.map((line) => Buffer.from(line, 'base64')),
    checkpoint: body.slice(split + 2),
  };
}

export function formatAddCheckpoint(request: AddCheckpoint): string {
  return (
    [`old ${request.oldSize}`, ...request.proof.map((node) => node.toString('base64'))].join('\n') +
    `\n\n${request.checkpoint}`
  );
}
