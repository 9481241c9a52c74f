// Runs the project's real OpenTelemetry Collector distribution (built from its Go modules by
// `npm run collector:build`) on loopback ephemeral ports, and reads what its file exporters wrote.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorBinary } from '../../scripts/lib/collector-dist.mjs';
import { spawnCollector } from '../../scripts/lib/collector-pipeline.mjs';
import { decodeLogLines, decodeSpanLines, type ExportedLogRecord, type ExportedSpan } from './otlp-json.ts';
import { freePort } from './ports.ts';

export { collectorConfigDir, spawnCollector, type CollectorProcess } from '../../scripts/lib/collector-pipeline.mjs';

function goOnPath(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The collector binary. Where `go` is not installed at all, the calling suite is skipped with a
 * loud message; with Go present, a missing build is an error, never a skip.
 */
export async function requireCollector(context: Mocha.Context): Promise<string> {
  const binary = await collectorBinary();
  if (binary !== undefined) return binary;
  if (!goOnPath()) {
    process.stderr.write(
      '\n  !!! SKIPPING real-collector tests: `go` is not on PATH, so the collector cannot be built !!!\n\n',
    );
    context.skip();
  }
  throw new Error('the collector distribution is not built for this manifest: run `npm run collector:build`');
}

export interface RunningCollector {
  readonly otlpHttpEndpoint: string;
  readonly outputDir: string;
  readonly process: ChildProcess;
  logs(): Promise<ExportedLogRecord[]>;
  spans(): Promise<ExportedSpan[]>;
  /** Everything the collector's exporters wrote, as raw text (for searching for leaked secrets). */
  rawOutput(): Promise<string>;
  stop(): Promise<void>;
}

export async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export async function startCollector(
  binary: string,
  configFile: string | readonly string[],
  env: Record<string, string> = {},
): Promise<RunningCollector> {
  const outputDir = await mkdtemp(join(tmpdir(), 'apitrail-collector-'));
  const otlpPort = await freePort();
  const collector = await spawnCollector(
    binary,
    typeof configFile === 'string' ? [configFile] : configFile,
    {
      APITRAIL_COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
      APITRAIL_COLLECTOR_OUTPUT_DIR: outputDir,
      ...env,
    },
    await freePort(),
  );
  const logsFile = join(outputDir, 'logs.jsonl');
  const tracesFile = join(outputDir, 'traces.jsonl');
  return {
    otlpHttpEndpoint: `http://127.0.0.1:${otlpPort}`,
    outputDir,
    process: collector.process,
    logs: async () => decodeLogLines(await readIfPresent(logsFile)),
    spans: async () => decodeSpanLines(await readIfPresent(tracesFile)),
    rawOutput: async () => (await readIfPresent(logsFile)) + (await readIfPresent(tracesFile)),
    stop: () => collector.stop(),
  };
}

/**
 * The environment of an app sending traces and logs to `collector` over OTLP, with batches flushed
 * every 100 ms so tests need not wait. `logsExporters` may add `ndjson`.
 */
export function exportingTo(collector: RunningCollector, logsExporters = 'otlp'): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: logsExporters,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
  };
}
