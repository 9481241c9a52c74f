// A worker thread of `apitrail verify`: prepares the chunks of text it is sent (verify-batches.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { TextChunk } from './text-chunks.js';
import { prepareChunk, transferred } from './verify-batches.js';

const { fromLineText } = workerData as { fromLineText: boolean };

// The chunk's bytes go back with what was made of them, for the main thread to read into again.
parentPort!.on('message', (chunk: TextChunk) => {
  const packed = prepareChunk(chunk, fromLineText);
  parentPort!.postMessage({ packed, bytes: chunk.bytes }, [...transferred(packed), chunk.bytes.buffer as ArrayBuffer]);
});
