// The entry `@apitrail/integrity/line-reading`: what `apitrail verify`'s worker threads need to take
// leaves from the text of NDJSON lines and hash them into blocks. It loads no OpenTelemetry module
// (the package's other entries do, through @apitrail/core), so a worker, a fresh isolate each run,
// starts in a fraction of the time.
export { lineTextReader, type LineFieldNames, type LineLeaf, type LineTextReader } from './line-text.js';
export { BLOCK_HEIGHT, BLOCK_LEAVES, leafDigest, perfectSubtreeDigest } from './merkle.js';
