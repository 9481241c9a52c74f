import { resourceFromAttributes } from '@opentelemetry/resources';
import { ApitrailConfigError, type Environment } from '@apitrail/core';
import { Spool, spoolCounts } from '@apitrail/spool';
import { countRejected } from '@apitrail/spool/internal';
import { readAutoConfig } from './config.js';
import { logRecordExporter } from './exporters.js';

/** What `replaySpool()` did with one spool directory: records exported, records still there. */
export interface ReplayOutcome {
  readonly directory: string;
  readonly exported: number;
  /** Records still in the spool: the exporter failed, or their writer is still running. */
  readonly remaining: number;
  /** Records the receiver refused for good during the replay, set aside in `refused/` (again). */
  readonly refused: number;
}

/** What `replaySpool()` exports besides the spool's segments. */
export interface ReplayOptions {
  /** The batches set aside in `refused/` too (once the receiver takes them). */
  readonly refused?: boolean;
}

/**
 * Exports what a spool holds to the OTLP endpoint the environment names, as an app starting on the
 * spool would, and returns once that is done or the exporter failed (for `apitrail spool replay`).
 * Segments of a process still running are its own and left alone; batches set aside in `refused/`
 * are exported only when `options.refused` says so.
 */
export async function replaySpool(env: Environment = process.env, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  const config = readAutoConfig(env);
  const directory = config.spool.directory;
  if (directory === undefined)
    throw new ApitrailConfigError('APITRAIL_SPOOL_DIR', 'is off: there is no spool to replay');
  const before = { ...spoolCounts() };
  const spool = new Spool({
    directory,
    maxBytes: config.spool.maxBytes,
    exporter: logRecordExporter(config, 'otlp', (records) => countRejected('logs/otlp', records)),
    maxExportBatchSize: config.logBatch.maxExportBatchSize,
    resource: resourceFromAttributes(config.resourceAttributes),
    channel: 'logs/otlp',
    claimRefused: options.refused === true,
  });
  // The exporters' sockets are unref'd (they must not hold an app that is ending): without a ref'd
  // handle of its own, a command doing nothing but this would end before the export does.
  const holdProcess = setInterval(() => undefined, 60_000);
  try {
    await spool.forceFlush();
  } finally {
    clearInterval(holdProcess);
  }
  const remaining = spool.recordsWaiting();
  // Not shutdown(): that would try a failed exporter once more.
  spool.exitSync();
  const after = spoolCounts();
  return {
    directory,
    exported: after.exported - before.exported,
    remaining,
    refused: after.refused - before.refused,
  };
}
