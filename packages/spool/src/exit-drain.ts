import { writeSync } from 'node:fs';
import {
  droppedCounts,
  firstAtExit,
  markProcessEnding,
  neutralizeControlCharacters,
  recordFault,
  runLastExitTasks,
} from '@apitrail/core/internal';
import type { DurableBatchLogRecordProcessor } from './durable-batch-processor.js';

const processors = new Set<DurableBatchLogRecordProcessor>();
let listening = false;
let summarised = false;
/** The exit drain ran: nothing asynchronous runs any more, and every record is taken synchronously. */
let drained = false;

/** Whether the exit drain ran: a record emitted since is written synchronously, at once. */
export function exitDrained(): boolean {
  return drained;
}

function logRecordsDropped(): number {
  let dropped = 0;
  for (const [channel, count] of droppedCounts()) if (channel.startsWith('logs/')) dropped += count;
  return dropped;
}

/**
 * Once per process, when anything is left in a spool or was lost: one line on stderr, such as
 * `apitrail: 37 records spooled to /var/lib/app/spool (exported at the next start), 0 dropped`
 * (`apitrail: 3 log records dropped` without a spool).
 * Called at exit, and by a shutdown that ends the process by re-raising a signal (no exit event).
 */
function writeExitSummary(): void {
  if (summarised) return;
  const spools = [...processors].map((processor) => processor.sink).filter((sink) => sink.directory !== undefined);
  const waiting = spools.reduce((sum, sink) => sum + sink.recordsWaiting(), 0);
  const dropped = logRecordsDropped();
  if (waiting === 0 && dropped === 0) return;
  summarised = true;
  const where = spools.map((sink) => neutralizeControlCharacters(sink.directory!)).join(', ');
  // Without a spool (the NDJSON or console exporter, OTLP with the spool off) nothing waits.
  const line =
    spools.length === 0
      ? `apitrail: ${dropped} log record${dropped === 1 ? '' : 's'} dropped\n`
      : `apitrail: ${waiting} records spooled to ${where} (exported at the next start), ${dropped} dropped\n`;
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
 * draining there changes neither the code nor the app's stderr. apitrail's drain is the first
 * listener (an app's listener that throws stops the others); the records the app emits in its own
 * listeners after it are written as they come, and {@link finishAtExit} is the last listener, so
 * what it closes covers them and its summary counts them.
 */
function drainAtExit(): void {
  markProcessEnding();
  drained = true;
  for (const processor of processors) processor.drainSync();
}

/**
 * The last `exit` listener: the tasks that must come last (the integrity log's close), what stdout
 * will not write counted as dropped, then the summary.
 */
function finishAtExit(): void {
  runLastExitTasks();
  for (const processor of processors) {
    try {
      processor.sink.countUnwrittenAtExit?.();
    } catch (error) {
      recordFault(`${processor.channel} sink`, error);
    }
  }
  writeExitSummary();
}

/**
 * An app's `exit` listener that throws stops the `exit` event: Node runs no later listener, so
 * {@link finishAtExit} would not run, and the records waiting for the log's close (the app's last
 * words) would be lost with it; one the app prepended stops the drain too, and what was in memory.
 * The exception's monitor still runs, before Node prints the error and exits with the same code; it
 * only observes, so the app's end is unchanged. `process._exiting` (set by Node before it emits
 * `exit`, false for an exception while the process runs) tells the two apart.
 */
function finishIfExitStopped(): void {
  if (drained) finishAtExit();
  else if ((process as { _exiting?: boolean })._exiting === true) drainSpoolsSync();
}

/**
 * Keeps {@link finishAtExit} the last `exit` listener: one the app adds later is moved ahead of it
 * (in a microtask, as the listener is added only after this event). One added and the process
 * ended in the same synchronous run comes after it.
 */
let movePending = false;
function keepFinishLast(event: string | symbol, listener: unknown): void {
  if (placing || event !== 'exit' || listener === finishAtExit || movePending) return;
  movePending = true;
  queueMicrotask(() => {
    movePending = false;
    placeExitListeners();
  });
}

/** apitrail moving its own listeners: the `removeListener` events that causes are not the app's. */
let placing = false;
/**
 * The drain among the `exit` listeners (first when put back), {@link finishAtExit} the last, and
 * apitrail's other listeners on the process back if they were removed (see {@link isOwnListener}).
 */
function placeExitListeners(): void {
  if (drained) return;
  placing = true;
  try {
    if (!process.listeners('exit').includes(drainAtExit)) process.prependListener('exit', drainAtExit);
    // Before the drain, in their order: what they emit is then drained with the rest.
    const first = [...firstAtExit()].filter((listener) => !process.listeners('exit').includes(listener));
    for (const listener of first.reverse()) process.prependListener('exit', listener);
    process.removeListener('exit', finishAtExit);
    process.on('exit', finishAtExit);
    const emitter: NodeJS.EventEmitter = process;
    if (!emitter.listeners('newListener').includes(keepFinishLast)) process.on('newListener', keepFinishLast);
    if (!emitter.listeners('removeListener').includes(restoreExitListeners)) {
      process.on('removeListener', restoreExitListeners);
    }
    if (!emitter.listeners('uncaughtExceptionMonitor').includes(finishIfExitStopped)) {
      process.on('uncaughtExceptionMonitor', finishIfExitStopped);
    }
  } finally {
    placing = false;
  }
}

/**
 * What the `exit` event runs, every processor's last batch, the last tasks and the summary line, at
 * once: a signal's default action skips that event, so the shutdown hook calls this before it
 * re-raises one. Records emitted after it (signal-exit's callbacks) are still written
 * synchronously, but the integrity log is closed and the summary out by then.
 */
export function drainSpoolsSync(): void {
  drainAtExit();
  finishAtExit();
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

/**
 * Whether `listener` on `event` is one of apitrail's that {@link placeExitListeners} puts back: the
 * `exit` ones, and those that keep them in place, which go with every listener of the process
 * (`process.removeAllListeners()` with no argument).
 */
function isOwnListener(event: string | symbol, listener: unknown): boolean {
  switch (event) {
    case 'exit':
      return listener === drainAtExit || listener === finishAtExit || firstAtExit().has(listener as () => void);
    case 'newListener':
      return listener === keepFinishLast;
    case 'removeListener':
      return listener === restoreExitListeners;
    case 'uncaughtExceptionMonitor':
      return listener === finishIfExitStopped;
    default:
      return false;
  }
}

/**
 * An app that clears the `exit` listeners (`process.removeAllListeners('exit')`, meant for its own
 * or a library's), or every listener of the process (`process.removeAllListeners()`), would take
 * apitrail's with them, and with them the records still in memory at the end, silently. They are
 * put back, in a microtask as in {@link keepFinishLast} (removing them again is the app's intent
 * for the event's current run only): the drain first, the summary last, and the listeners that keep
 * them so. An app that ends in the same synchronous run as it removed them ends without them.
 * (`process.removeAllListeners(undefined)` removes nothing: Node takes it as an event named so.)
 */
let restorePending = false;
function restoreExitListeners(event: string | symbol, listener: unknown): void {
  if (placing || restorePending || !isOwnListener(event, listener)) return;
  restorePending = true;
  queueMicrotask(() => {
    restorePending = false;
    placeExitListeners();
  });
}

export function registerExitDrain(processor: DurableBatchLogRecordProcessor): void {
  processors.add(processor);
  listenAtExit();
}

/**
 * Puts apitrail's `exit` listeners in place (once): the drain, and the last listener that runs core's
 * last exit tasks (`atLastExit`) and writes the summary. Called by every durable processor, and by a
 * pipeline without one (OTLP with the spool off) whose last exit tasks must run all the same.
 */
export function listenAtExit(): void {
  if (!listening) {
    listening = true;
    process.on('exit', drainAtExit);
    process.on('exit', finishAtExit);
    process.on('newListener', keepFinishLast);
    process.on('uncaughtExceptionMonitor', finishIfExitStopped);
    process.on('removeListener', restoreExitListeners);
  }
}
