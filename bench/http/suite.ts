// HTTP overhead: the same trivial handler under four configurations, interleaved in one run, with
// autocannon (in this process) as the load generator and the server in a child process.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { ATTR_INTEGRITY_MAC, EVENT_API_REQUEST, NDJSON_FIELDS } from '@apitrail/core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { cpuSeconds, memoryMiB, startListening, type RunningChild } from '../lib/child.ts';
import { interleave, ratio, round, summarize, type Figure } from '../lib/stats.ts';

/** The four configurations. */
export const CONFIGURATIONS = ['bare', 'otel', 'full', 'ndjson'] as const;
/** C with one part taken away, so C's cost can be attributed (headline variant only). */
export const ATTRIBUTION_CONFIGURATIONS = ['full_without_integrity', 'full_without_log_export'] as const;
export type Configuration = (typeof CONFIGURATIONS)[number] | (typeof ATTRIBUTION_CONFIGURATIONS)[number];

export const CONFIGURATION_LABELS: Record<Configuration, string> = {
  bare: 'A: bare node:http, no OTel',
  otel: 'B: NodeSDK + instrumentation-http, batch spans, OTLP',
  full: 'C: apitrail register, OTLP logs + traces',
  ndjson: 'D: apitrail register, NDJSON logs to a file, OTLP traces',
  full_without_integrity: 'C without integrity (no APITRAIL_INTEGRITY_KEY)',
  full_without_log_export:
    'C with OTEL_LOGS_EXPORTER=none: audit record built, redacted and seen by detection, not exported (integrity then signs nothing)',
};

export interface Variant {
  readonly name: string;
  readonly description: string;
  readonly app: 'node' | 'express';
  readonly path: string;
  /** Whether every request carries an API key (generated per run, never a committed secret). */
  readonly apiKey: boolean;
  readonly configurations: readonly Configuration[];
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'trivial',
    description: 'node:http handler, no credentials',
    app: 'node',
    path: '/',
    apiKey: false,
    configurations: [...CONFIGURATIONS, ...ATTRIBUTION_CONFIGURATIONS],
  },
  {
    name: 'api_key_express',
    description: 'Express 5 route with path parameters and a query, API key on every request',
    app: 'express',
    path: '/api/v1/tenants/acme/scans/42?provider=aws',
    apiKey: true,
    configurations: CONFIGURATIONS,
  },
];

export interface HttpOptions {
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly sinkEndpoint: string;
  readonly onProgress: (line: string) => void;
}

interface Segment {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  peakRss: number;
  /** Server CPU (user + system) per completed request: less sensitive to a shared machine than wall time. */
  cpuPerRequest: number;
  /** Server CPU (all threads) over the segment in cores: well below 1 means the load generator was the limit. */
  serverBusy: number;
  errors: number;
  exportRequests: number;
}

/** Unsets (spawn skips undefined values) every inherited OTEL_ or APITRAIL_ setting that could skew a configuration. */
function withoutInheritedSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => name.startsWith('OTEL_') || name.startsWith('APITRAIL_'))
      .map((name) => [name, undefined]),
  );
}

function ndjsonFile(scratch: string, variant: Variant): string {
  return join(scratch, `audit-${variant.name}.ndjson`);
}

/** What D wrote, so the table shows it really wrote signed audit records (SIGKILL loses the last batch). */
async function ndjsonCheck(scratch: string, variant: Variant): Promise<Record<string, Figure>> {
  const lines = (await readFile(ndjsonFile(scratch, variant), 'utf8').catch(() => '')).split('\n');
  const audit = lines.filter((line) => line.includes(`"${NDJSON_FIELDS.event}":"${EVENT_API_REQUEST}"`));
  return {
    audit_records: { value: audit.length, unit: 'NDJSON lines' },
    audit_records_signed: {
      value: audit.filter((line) => line.includes(`"${ATTR_INTEGRITY_MAC}":`)).length,
      unit: 'NDJSON lines',
    },
  };
}

export function launch(
  configuration: Configuration,
  variant: Variant,
  options: Pick<HttpOptions, 'sinkEndpoint'>,
  scratch: string,
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const app = 'bench/http/app.cjs';
  const register = ['--require', '@apitrail/auto/register', app];
  const base = { ...withoutInheritedSettings(), BENCH_APP: variant.app, ...extraEnv };
  const exporting = { OTEL_EXPORTER_OTLP_ENDPOINT: options.sinkEndpoint, OTEL_SERVICE_NAME: 'apitrail-bench' };
  // Integrity is on whenever a key is configured; a fresh random key per run, never a fixed one.
  const apitrail = { ...exporting, APITRAIL_INTEGRITY_KEY: randomBytes(32).toString('hex') };
  switch (configuration) {
    case 'bare':
      return startListening([app], base);
    case 'otel':
      return startListening(['--require', './bench/http/otel-baseline.cjs', app], { ...base, ...exporting });
    case 'full':
      return startListening(register, { ...base, ...apitrail });
    case 'ndjson':
      return startListening(register, {
        ...base,
        ...apitrail,
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: ndjsonFile(scratch, variant),
      });
    case 'full_without_integrity':
      return startListening(register, { ...base, ...exporting });
    case 'full_without_log_export':
      return startListening(register, { ...base, ...apitrail, OTEL_LOGS_EXPORTER: 'none' });
  }
}

async function exportRequestCount(sinkEndpoint: string): Promise<number> {
  const stats = (await (await fetch(`${sinkEndpoint}/stats`)).json()) as Record<string, { requests: number }>;
  return Object.values(stats).reduce((sum, signal) => sum + signal.requests, 0);
}

async function measure(
  server: RunningChild,
  variant: Variant,
  options: HttpOptions,
  headers: Record<string, string>,
): Promise<Segment> {
  const url = `http://127.0.0.1:${server.port}${variant.path}`;
  await autocannon({ url, headers, connections: options.connections, duration: options.warmupSeconds });
  const exportedBefore = await exportRequestCount(options.sinkEndpoint);
  const cpuBefore = await cpuSeconds(server.process.pid!);
  const result = await autocannon({
    url,
    headers,
    connections: options.connections,
    duration: options.durationSeconds,
  });
  const cpu = (await cpuSeconds(server.process.pid!)) - cpuBefore;
  return {
    cpuPerRequest: (cpu * 1e6) / result.requests.total,
    serverBusy: cpu / options.durationSeconds,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    peakRss: await memoryMiB(server.process.pid!, 'VmHWM'),
    errors: result.errors + result.timeouts + result.non2xx,
    exportRequests: (await exportRequestCount(options.sinkEndpoint)) - exportedBefore,
  };
}

function perConfiguration(segments: Segment[]) {
  const median = (pick: (segment: Segment) => number, unit: string, digits: number) =>
    summarize(segments.map(pick), unit, digits);
  return {
    throughput: median((s) => s.requestsPerSecond, 'requests/s', 0),
    p50: median((s) => s.p50, 'ms', 3),
    p99: median((s) => s.p99, 'ms', 3),
    cpu_per_request: median((s) => s.cpuPerRequest, 'µs', 1),
    server_busy: median((s) => s.serverBusy, 'cores', 2),
    peak_rss: { value: round(Math.max(...segments.map((s) => s.peakRss)), 1), unit: 'MiB' },
    errors: { value: segments.reduce((sum, s) => sum + s.errors, 0), unit: 'requests' },
    export_requests: { value: segments.reduce((sum, s) => sum + s.exportRequests, 0), unit: 'OTLP requests' },
  };
}

type ConfigurationFigures = ReturnType<typeof perConfiguration>;

function ratios(figures: Partial<Record<Configuration, ConfigurationFigures>>) {
  const pair = (a: Configuration, b: Configuration): Record<string, Figure> => ({
    throughput: ratio(figures[a]?.throughput, figures[b]?.throughput),
    p50: ratio(figures[a]?.p50, figures[b]?.p50),
    p99: ratio(figures[a]?.p99, figures[b]?.p99),
    cpu_per_request: ratio(figures[a]?.cpu_per_request, figures[b]?.cpu_per_request),
  });
  return {
    full_vs_otel: pair('full', 'otel'),
    ndjson_vs_otel: pair('ndjson', 'otel'),
    otel_vs_bare: pair('otel', 'bare'),
    ...(figures.full_without_integrity === undefined
      ? {}
      : {
          full_without_integrity_vs_otel: pair('full_without_integrity', 'otel'),
          full_without_log_export_vs_otel: pair('full_without_log_export', 'otel'),
        }),
  };
}

/** What every request sends; the API key (Prowler's `pk_<prefix>.<secret>` shape) is generated per run. */
export function requestHeaders(apiKey: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'apitrail-bench/1 (autocannon)' };
  if (apiKey) {
    headers.authorization = `Api-Key pk_${randomBytes(4).toString('hex')}.${randomBytes(24).toString('base64url')}`;
  }
  return headers;
}

async function runVariant(variant: Variant, options: HttpOptions, scratch: string) {
  const headers = requestHeaders(variant.apiKey);
  const segments: Partial<Record<Configuration, Segment[]>> = {};
  const failures: Partial<Record<Configuration, string>> = {};
  for (const { round, configuration } of interleave(variant.configurations, options.rounds)) {
    if (failures[configuration] !== undefined) continue;
    let server: RunningChild | undefined;
    try {
      server = await launch(configuration, variant, options, scratch);
      const segment = await measure(server, variant, options, headers);
      (segments[configuration] ??= []).push(segment);
      options.onProgress(
        `http ${variant.name} round ${round} ${configuration}: ${Math.round(segment.requestsPerSecond)} req/s, ` +
          `p99 ${segment.p99} ms, ${segment.cpuPerRequest.toFixed(1)} µs CPU/request (server busy ${segment.serverBusy.toFixed(2)} cores), peak RSS ${segment.peakRss.toFixed(1)} MiB, ${segment.exportRequests} export requests`,
      );
    } catch (error) {
      failures[configuration] = (error as Error).message.slice(0, 2000);
      options.onProgress(`http ${variant.name} ${configuration} FAILED: ${failures[configuration]}`);
    } finally {
      await server?.stop();
    }
  }
  const configurations: Partial<Record<Configuration, ConfigurationFigures | { status: string }>> = {};
  const measured: Partial<Record<Configuration, ConfigurationFigures>> = {};
  for (const configuration of variant.configurations) {
    const list = segments[configuration];
    if (list === undefined) {
      configurations[configuration] = { status: `not available: ${failures[configuration] ?? 'not run'}` };
    } else {
      measured[configuration] = perConfiguration(list);
      configurations[configuration] = measured[configuration];
    }
  }
  return {
    description: variant.description,
    configurations,
    ratios: ratios(measured),
    ndjson_output: await ndjsonCheck(scratch, variant),
  };
}

export async function runHttpSuite(options: HttpOptions) {
  const scratch = await mkdtemp(join(tmpdir(), 'apitrail-bench-'));
  try {
    const [main, ...others] = VARIANTS;
    const headline = await runVariant(main!, options, scratch);
    const variants: Record<string, Awaited<ReturnType<typeof runVariant>>> = {};
    for (const variant of others) variants[variant.name] = await runVariant(variant, options, scratch);
    return {
      method: {
        schedule:
          'A B C D, then the attribution configurations (headline variant only), repeated per round; fresh server process per segment',
        configurations: CONFIGURATION_LABELS,
        rounds: options.rounds,
        warmup_seconds: options.warmupSeconds,
        duration_seconds: options.durationSeconds,
        connections: options.connections,
        load_generator: 'autocannon (programmatic, in the orchestrating process)',
        cpu_per_request: 'server utime + stime from /proc/<pid>/stat over the measured interval / requests completed',
        server_busy:
          'server CPU seconds (all threads: GC and I/O helpers too, so above 1 is possible) / measured seconds; well below 1 means the load generator (one core of a shared 2-core machine) was the limit, so that configuration’s requests/s is a floor',
        peak_rss: 'server VmHWM from /proc/<pid>/status at the end of each segment, max over rounds',
      },
      variant: main!.description,
      configurations: headline.configurations,
      ratios: headline.ratios,
      ndjson_output: headline.ndjson_output,
      variants,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
