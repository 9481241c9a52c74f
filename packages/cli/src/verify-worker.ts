// A worker thread of `apitrail verify`: prepares the batches of lines it is sent (verify-batches.ts).
import { parentPort } from 'node:worker_threads';
import { packPrepared, prepareBatch, unpack, type PackedBatch } from './verify-batches.js';

parentPort!.on('message', (batch: PackedBatch) =>
  parentPort!.postMessage(packPrepared(batch.file, prepareBatch(unpack(batch)))),
);
