// A worker thread of `apitrail verify`: prepares the chunks of text it is sent (verify-pack.ts).
// Taking leaves from the lines' text, it loads no OpenTelemetry module: each worker is a fresh
// isolate, and loading them took a tenth of a run. A checkpoint goes back to the main thread as text;
// the readers of records (verify-batches.ts) are loaded only for another line that is not a leaf, or
// when every line is to be parsed.
import { parentPort, workerData } from 'node:worker_threads';
import { lineTextReader } from '@apitrail/integrity/line-reading';
import { chunkLines, type TextChunk } from './chunk-lines.js';
import type { InputLine } from './input-formats.js';
import type { VerifyWorkerData } from './verify-batches.js';
import { packChunkText, packPrepared, transferred, type PackedPrepared, type PreparedBatch } from './verify-pack.js';

const { fromLineText, names, checkpointMember } = workerData as VerifyWorkerData;
const { lineLeaf } = lineTextReader(names);

let parsing: typeof import('./verify-batches.js') | undefined;
function parsingModule(): typeof import('./verify-batches.js') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first need, see above
  return (parsing ??= require('./verify-batches.js') as typeof import('./verify-batches.js'));
}

function prepare(chunk: TextChunk): PackedPrepared {
  if (!fromLineText) return parsingModule().prepareChunk(chunk, false);
  const { file, firstLine } = chunk;
  const lines = chunkLines(chunk.bytes);
  const other = (line: InputLine, number: number): PreparedBatch =>
    typeof line === 'string' && line.includes(checkpointMember)
      ? [{ kind: 'unparsed', file, line: number, text: line }]
      : parsingModule().parseLine(file)(line, number);
  return (
    packChunkText(file, firstLine, lines, lineLeaf, other) ??
    packPrepared(file, parsingModule().prepareBatch({ file, firstLine, lines }))
  );
}

// The chunk's bytes go back with what was made of them, for the main thread to read into again.
parentPort!.on('message', (chunk: TextChunk) => {
  const packed = prepare(chunk);
  parentPort!.postMessage({ packed, bytes: chunk.bytes }, [...transferred(packed), chunk.bytes.buffer as ArrayBuffer]);
});
