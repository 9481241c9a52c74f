import { createServer, type Server } from 'node:http';
import {
  CheckpointVerifier,
  Witness,
  consistencyProof,
  logOrigin,
  parseAddCheckpoint,
  type VerifiedCheckpoint,
  type WitnessAnswer,
} from '@apitrail/integrity/internal';
import { readLogs } from './logs.js';

/** The largest add-checkpoint body accepted: a checkpoint with its epoch lines and a 64-node proof. */
const MAX_BODY_BYTES = 64 * 1024;

export interface WitnessedFileLog {
  readonly logId: string;
  readonly answers: { readonly size: number; readonly answer: WitnessAnswer }[];
}

/**
 * File mode: for each log in `files`, offers the witness every checkpoint larger than the one it
 * holds, smallest first, each with a consistency proof computed from the records. A refusal
 * (rollback, fork, unknown key) stops that log.
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
      const proof = held > 0 && complete ? consistencyProof(log.leaves, held, checkpoint.size) : [];
      const answer = witness.add({ oldSize: held, proof, checkpoint: checkpoint.note });
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
 * request; 403 unknown log key; 422 not a consistent extension (a fork).
 */
export function witnessServer(witness: Witness): Server {
  return createServer((request, response) => {
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
      let answer: WitnessAnswer;
      try {
        answer = witness.add(parseAddCheckpoint(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reply(400, 'text/plain', `${(error as Error).message}\n`);
        return;
      }
      if (answer.status === 200) reply(200, 'text/x.tlog.signature', answer.cosignature);
      else if (answer.status === 409) reply(409, 'text/x.tlog.size', `${answer.size}\n`);
      else reply(answer.status, 'text/plain', `${answer.reason}\n`);
    });
  });
}
