import { diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, neutralizeControlCharacters, recordFault, type Environment } from '@apitrail/core/internal';
import { Spool, countRejected, defaultSpoolBase, spoolsElsewhere, type SpoolElsewhere } from '@apitrail/spool/internal';
import type { AutoConfig } from './config.js';
import { isSpooled, logRecordExporter } from './exporters.js';

/** At most this many spools are named at start; the rest are counted in one more line. */
const NAMED = 5;

/**
 * Whether this process exports what `spool` holds: only records of this program under this very
 * service name, left in a spool this process no longer uses because APITRAIL_SPOOL_DIR or
 * XDG_STATE_HOME changed (the spool moved), and only when it spools OTLP logs itself. A service
 * renamed is not enough: two services may run one program (a generic worker), and this process's
 * exporter settings (endpoint, credentials, tenant headers) are not made for another service's
 * records.
 */
function replayable(spool: SpoolElsewhere, config: AutoConfig, spooling: boolean): boolean {
  if (!spooling || spool.otherPrograms > 0 || spool.serviceNames.length !== 1) return false;
  const name = config.resourceAttributes[ATTR_SERVICE_NAME];
  const left = spool.serviceNames[0]!;
  return typeof name === 'string' ? left === name : left.startsWith('unknown_service');
}

/** Exports what `directory` holds as the spool of an app starting on it would, to this process's OTLP endpoint. */
function replayFrom(directory: string, config: AutoConfig): void {
  const channel = 'logs/otlp';
  // Its timers are unref'd: it holds no process; what it has not exported when the process ends stays on disk.
  new Spool({
    directory,
    maxBytes: config.spool.maxBytes,
    exporter: logRecordExporter(config, 'otlp', (records) => countRejected(channel, records)),
    maxExportBatchSize: config.logBatch.maxExportBatchSize,
    resource: resourceFromAttributes(config.resourceAttributes),
    channel,
    writeBehindMs: Math.max(1, Math.floor(config.spool.flushIntervalMs / 2)),
  });
}

/**
 * At start, the spools beside this process's that hold records this program (the same main script)
 * spooled and no running process exports. A spool's directory follows the configuration (service
 * name, `APITRAIL_SPOOL_DIR`, `XDG_STATE_HOME`, whether OTLP logs are spooled), so records spooled
 * under an earlier one wait where no app with the new one looks. Those of this very service (the
 * spool moved) are exported from there (see {@link replayable}); of every other such spool one line
 * on stderr says how many records wait and the command that sends them. Spools of other programs
 * (another service of this user) are not named: they wait for their own app (`apitrail spool
 * status` lists every spool). Asynchronous, off the request path; a failure is counted, never thrown.
 */
export function reportSpoolsElsewhere(config: AutoConfig, env: Environment): void {
  const command = process.argv[1];
  if (command === undefined) return;
  const spooling = config.logExporters.some((name) => isSpooled(config, name));
  const own = spooling ? config.spool.directory : undefined;
  spoolsElsewhere(defaultSpoolBase(env), own, { command })
    .then((spools) => {
      const named = spools.filter((spool) => {
        if (!replayable(spool, config, spooling)) return true;
        diag.warn(
          `apitrail: ${spool.records} records of this service wait in the spool ` +
            `${neutralizeControlCharacters(spool.directory)}, left there under an earlier APITRAIL_SPOOL_DIR or ` +
            'XDG_STATE_HOME: exporting them from there',
        );
        replayFrom(spool.directory, config);
        return false;
      });
      for (const spool of named.slice(0, NAMED)) {
        const directory = neutralizeControlCharacters(spool.directory);
        diag.warn(
          `apitrail: ${spool.records} records wait in the spool ${directory} (${spool.segments} segments left by ` +
            'runs of this program that ended), which this process does not export under its configuration ' +
            '(OTEL_SERVICE_NAME, APITRAIL_SPOOL_DIR, XDG_STATE_HOME and OTEL_LOGS_EXPORTER decide the spool): an app ' +
            `started with the earlier configuration exports them, or now: apitrail spool replay --dir ${directory}`,
        );
      }
      if (named.length > NAMED) {
        const rest = named.slice(NAMED);
        diag.warn(
          `apitrail: ${rest.reduce((sum, spool) => sum + spool.records, 0)} records wait in ${rest.length} more ` +
            'spools this process does not export (apitrail spool status lists them)',
        );
      }
    })
    // After the report too: a throw there would be an unhandled rejection, which Node ends the app on.
    .catch((error: unknown) => recordFault('spools elsewhere', error));
}
