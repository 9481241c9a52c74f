import { writeSync } from 'node:fs';
import { droppedCounts, neutralizeControlCharacters } from '@apitrail/core/internal';
import type { DurableBatchLogRecordProcessor } from './durable-batch-processor.js';

const processors = new Set<DurableBatchLogRecordProcessor>();
let listening = false;
let summarised = false;

function logRecordsDropped(): number {
  let dropped = 0;
  for (const [channel, count] of droppedCounts()) if (channel.startsWith('logs/')) dropped += count;
  return dropped;
}

/**
 * Once per process, when anything is left in a spool or was lost: one line on stderr, such as
 * `apitrail: 37 records spooled to /var/lib/app/spool (exported at the next start), 0 dropped`.
 * Called at exit, and by a shutdown that ends the process by re-raising a signal (no exit event).
 */
export function writeExitSummary(): void {
  if (summarised) return;
  const spools = [...processors].map((processor) => processor.sink).filter((sink) => sink.directory !== undefined);
  const waiting = spools.reduce((sum, sink) => sum + sink.recordsWaiting(), 0);
  const dropped = logRecordsDropped();
  if (waiting === 0 && dropped === 0) return;
  summarised = true;
  const where = spools.map((sink) => neutralizeControlCharacters(sink.directory!)).join(', ');
  const line = `apitrail: ${waiting} records spooled${where === '' ? '' : ` to ${where}`} (exported at the next start), ${dropped} dropped\n`;
  try {
    writeSync(2, line);
  } catch {
    // stderr closed: nowhere left to say it.
  }
}

/**
 * 'exit' is the one event every end but a signal's passes through: `process.exit()`, an uncaught
 * exception, an unhandled rejection (Node's default turns it into one), the event loop running out.
 * Its listeners run synchronously before the process goes, with the exit code already decided, so
 * draining there changes neither the code nor the app's stderr. A signal's default action skips
 * it: the shutdown hook calls this before it re-raises one.
 */
export function drainSpoolsSync(): void {
  for (const processor of processors) processor.drainSync();
  writeExitSummary();
}

/**
 * When the process may end at any moment but goes on for now (a signal the app handles itself, a
 * signal to pid 1 that the kernel does not act on): what is in memory goes to the spool (or the
 * NDJSON file) synchronously, and every spool stays open, exporting. No summary: the process is
 * not ending.
 */
export function persistSpoolsSync(): void {
  for (const processor of processors) processor.persistSync();
}

export function registerExitDrain(processor: DurableBatchLogRecordProcessor): void {
  processors.add(processor);
  if (!listening) {
    listening = true;
    process.on('exit', drainSpoolsSync);
  }
}
