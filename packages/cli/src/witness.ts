import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { ApitrailConfigError } from '@apitrail/core';
import { processRunning } from '@apitrail/core/internal';
import {
  CheckpointVerifier,
  Witness,
  consistencyProof,
  logOrigin,
  parseAddCheckpoint,
  type AddCheckpoint,
  type VerifiedCheckpoint,
  type WitnessAnswer,
} from '@apitrail/integrity/internal';
import { readLogs } from './logs.js';

/**
 * Takes `<state>.lock` (holding this process's id) for as long as the witness runs, and returns
 * its release. Two witnesses on one state file (a file-mode run beside the service) would each
 * refuse only against what it read at start, cosign two forks of one log between them, and each
 * overwrite the other's state. The lock of a process that is gone (a crash) is taken over.
 */
export function lockState(stateFile: string): () => void {
  let path = stateFile;
  try {
    path = realpathSync(stateFile);
  } catch {
    // No state yet: the lock goes beside the name given.
  }
  const lock = `${path}.lock`;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new ApitrailConfigError(
          stateFile,
          `cannot lock the witness state: its directory does not exist (${code})`,
        );
      }
      if (code !== 'EEXIST') throw new ApitrailConfigError(stateFile, `cannot lock the witness state (${code})`);
    }
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Number.isSafeInteger(holder) && holder > 0 && processRunning(holder)) {
      throw new ApitrailConfigError(stateFile, `in use by the witness with process id ${holder} (${lock})`);
    }
    rmSync(lock, { force: true });
  }
}

/** The largest add-checkpoint body accepted: a checkpoint with its epoch lines and a 64-node proof. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * A witness may face the open network: each connection holds a socket and up to MAX_BODY_BYTES, so
 * a request must arrive whole within REQUEST_TIMEOUT_MS (408 after; Node's default is 5 minutes) and
 * at most MAX_CONNECTIONS are open at once (further ones are closed unanswered): clients that send
 * slowly or never finish cannot exhaust its memory or sockets, only delay submitters.
 */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 256;

export interface WitnessServerLimits {
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
}

export interface WitnessedFileLog {
  readonly logId: string;
  readonly answers: { readonly size: number; readonly answer: WitnessAnswer }[];
}

/**
 * File mode: for each log in `files`, offers the witness every checkpoint larger than the one it
 * holds, smallest first, each with a consistency proof computed from the records. A refusal
 * (rollback, fork, unknown key), or records missing below a checkpoint, stops that log.
 */
export async function witnessFiles(
  witness: Witness,
  rootCheckpoints: CheckpointVerifier,
  files: readonly string[],
): Promise<WitnessedFileLog[]> {
  const results: WitnessedFileLog[] = [];
  for (const [logId, log] of await readLogs(files)) {
    const answers: WitnessedFileLog['answers'][number][] = [];
    const checkpoints = log.checkpoints
      .flatMap((note): VerifiedCheckpoint[] => {
        try {
          return [rootCheckpoints.open(note)];
        } catch {
          return [];
        }
      })
      .filter((checkpoint) => checkpoint.origin === logOrigin(logId))
      .sort((a, b) => a.size - b.size);
    for (const checkpoint of checkpoints) {
      const held = witness.state.get(checkpoint.origin)?.size ?? 0;
      if (
        checkpoint.size < held ||
        (checkpoint.size === held &&
          held > 0 &&
          witness.state.get(checkpoint.origin)!.root === checkpoint.root.toString('base64'))
      )
        continue;
      const complete = log.leaves.firstGap(0, checkpoint.size) === checkpoint.size;
      // Without every record up to the size there is no proof to offer, and the witness would call
      // the checkpoint a fork: the files are incomplete, which is said instead, and nothing is sent.
      const answer: WitnessAnswer =
        held > 0 && !complete
          ? {
              status: 400,
              reason: `records below size ${checkpoint.size} are missing from the files: no consistency proof from size ${held}`,
            }
          : witness.add({
              oldSize: held,
              proof: held > 0 ? consistencyProof(log.leaves, held, checkpoint.size) : [],
              checkpoint: checkpoint.note,
            });
      answers.push({ size: checkpoint.size, answer });
      if (answer.status !== 200) break;
    }
    results.push({ logId, answers });
  }
  return results;
}

/**
 * The HTTP witness: `POST /add-checkpoint` as c2sp.org/tlog-witness describes it (body: `old
 * <size>`, the consistency proof one base64 hash a line, a blank line, the checkpoint note).
 * 200 with the cosignature line; 409 with the size the witness holds; 400 rollback or bad
 * request; 403 unknown log key; 422 not a consistent extension (a fork) or past the log's close;
 * 500 when the state could not be written (nothing cosigned).
 */
export function witnessServer(
  witness: Witness,
  { requestTimeoutMs = REQUEST_TIMEOUT_MS, maxConnections = MAX_CONNECTIONS }: WitnessServerLimits = {},
): Server {
  const limits = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    // How often Node looks for requests past their time (30 s by default, longer than the time itself).
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs / 2),
  };
  const server = createServer(limits, (request, response) => {
    const reply = (status: number, type: string, text: string): void => {
      response.writeHead(status, { 'content-type': type }).end(text);
    };
    if (request.method !== 'POST' || request.url !== '/add-checkpoint') {
      reply(404, 'text/plain', 'only POST /add-checkpoint\n');
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        reply(400, 'text/plain', 'request too large\n');
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (response.headersSent) return;
      let submitted: AddCheckpoint;
      try {
        submitted = parseAddCheckpoint(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        reply(400, 'text/plain', `${(error as Error).message}\n`);
        return;
      }
      let answer: WitnessAnswer;
      try {
        answer = witness.add(submitted);
      } catch (error) {
        // The state could not be written (a full disk...): nothing was cosigned, and the same
        // request may be sent again. Not the submitter's fault, so not a 400.
        reply(500, 'text/plain', `the witness could not record its state: ${(error as Error).message}\n`);
        return;
      }
      if (answer.status === 200) reply(200, 'text/x.tlog.signature', answer.cosignature);
      else if (answer.status === 409) reply(409, 'text/x.tlog.size', `${answer.size}\n`);
      else reply(answer.status, 'text/plain', `${answer.reason}\n`);
    });
  });
  server.maxConnections = maxConnections;
  return server;
}
