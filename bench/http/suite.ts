// HTTP overhead: the same trivial handler under four configurations, interleaved in one run, with
// autocannon (in this process) as the load generator and the server in a child process; then the
// full stack (C) while its collector is down, stalled or pushing back, next to C with a healthy one.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { ATTR_INTEGRITY_SEQUENCE, EVENT_API_REQUEST, NDJSON_FIELDS } from '@apitrail/core/internal';
import { Signer } from '@apitrail/integrity/internal';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  cpuSeconds,
  memoryMiB,
  startListening as startChild,
  type CpuPinning,
  type RunningChild,
} from '../lib/child.ts';
import { interleave, ratio, round, summarize, unavailable, type Figure, type Unavailable } from '../lib/stats.ts';
import type { SinkFailure } from './sink.ts';

/** The four configurations. */
export const CONFIGURATIONS = ['bare', 'otel', 'full', 'ndjson'] as const;
/**
 * apitrail as the "one structured line per request" access log, next to the loggers users would
 * otherwise pick for that job (headline variant only).
 */
export const ACCESS_LOG_CONFIGURATIONS = ['audit_only', 'pino_http', 'morgan'] as const;
/** C with one part taken away, so C's cost can be attributed (headline variant only). */
export const ATTRIBUTION_CONFIGURATIONS = ['full_without_integrity', 'full_without_log_export'] as const;
export type Configuration =
  | (typeof CONFIGURATIONS)[number]
  | (typeof ACCESS_LOG_CONFIGURATIONS)[number]
  | (typeof ATTRIBUTION_CONFIGURATIONS)[number];

export const CONFIGURATION_LABELS: Record<Configuration, string> = {
  bare: 'A: bare node:http, no OTel',
  otel: 'B: NodeSDK + instrumentation-http, batch spans, OTLP',
  full: 'C: apitrail register, OTLP logs + traces',
  ndjson: 'D: apitrail register, NDJSON logs to a file, OTLP traces',
  audit_only:
    'audit-only: apitrail register, OTEL_TRACES_EXPORTER=none, audit records to an NDJSON file; identity, redaction, integrity on',
  pino_http: 'pino-http, one line per request to a file (pino.destination, its default asynchronous mode)',
  morgan: "morgan 'combined', one line per request to a file (fs.createWriteStream)",
  full_without_integrity: 'C without integrity (no APITRAIL_INTEGRITY_KEY_FILE)',
  full_without_log_export:
    'C with OTEL_LOGS_EXPORTER=none: audit record built, redacted and seen by detection, not exported (integrity then signs nothing)',
};

/** Collector outages C is measured under; all but `down` are answers of the sink (see sink.ts). */
const OUTAGE_MODES = ['down', 'stalled', '503', '429'] as const satisfies readonly ('down' | SinkFailure)[];
type OutageMode = (typeof OUTAGE_MODES)[number];
/** Each outage mode's segments are interleaved with C exporting to the healthy sink, their denominator. */
const OUTAGE_CONDITIONS = ['normal', ...OUTAGE_MODES] as const;
type OutageCondition = (typeof OUTAGE_CONDITIONS)[number];

const OUTAGE_LABELS: Record<OutageCondition, string> = {
  normal: 'C, collector healthy',
  down: 'C, collector unreachable (connection refused)',
  stalled: 'C, collector accepts and never answers',
  '503': 'C, collector answers 503',
  '429': 'C, collector answers 429 with Retry-After: 1',
};

/**
 * What bounds export during an outage, as a production deployment has it: the register's documented
 * defaults, pinned so the figures state the settings they were taken under. One export, retries and
 * backoff included, gives up after OTEL_EXPORTER_OTLP_TIMEOUT (the batch processors' own 30 s export
 * timeout is never reached); one batch is in flight per signal and the queues hold at most 2048
 * records each, beyond which records are dropped (counted). No request waits on any of it, and a
 * segment's server is killed at its end, so an outage cannot stretch a segment.
 */
const OUTAGE_EXPORT_SETTINGS = {
  OTEL_EXPORTER_OTLP_TIMEOUT: '10000',
  OTEL_BLRP_MAX_QUEUE_SIZE: '2048',
  OTEL_BSP_MAX_QUEUE_SIZE: '2048',
} as const;

/**
 * Outage segments are at most this long (the full run's others are 10 s), so that five conditions
 * per round add little time. Within warm-up and segment the queues fill in the first second and
 * every later record is dropped; `down` and `503` go through retries with backoff, `429` through
 * whole export attempts (5 retries at 1 s), while a `stalled` export is abandoned only at the 10 s
 * OTLP timeout, after the segment: that mode measures the time one batch per signal hangs.
 */
const OUTAGE_SEGMENT_MAX_SECONDS = 5;

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
    configurations: [...CONFIGURATIONS, ...ACCESS_LOG_CONFIGURATIONS, ...ATTRIBUTION_CONFIGURATIONS],
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
  /** Where the load generator and the servers run (pinLoadGenerator), or why they are not pinned. */
  readonly cpuPinning: CpuPinning | string;
  readonly onProgress: (line: string) => void;
}

interface Segment {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  peakRss: number;
  /** Server CPU (user + system) per completed request: less sensitive to a shared machine than wall time. */
  cpuPerRequest: number;
  /** Server CPU (all threads) over the segment in cores. */
  serverBusy: number;
  /** This process's CPU (autocannon) over the segment in cores. */
  loadGeneratorBusy: number;
  errors: number;
  exportRequests: number;
}

/** Load generator at least this busy (cores) while the server is below SERVER_SATURATED: the load generator is the limit. */
export const LOAD_GENERATOR_SATURATED = 0.9;
export const SERVER_SATURATED = 0.9;

/** Unsets (spawn skips undefined values) every inherited OTEL_ or APITRAIL_ setting that could skew a configuration. */
function withoutInheritedSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => name.startsWith('OTEL_') || name.startsWith('APITRAIL_'))
      .map((name) => [name, undefined]),
  );
}

/** The configurations that write their records to a file, each to its own. */
const WRITING_TO_A_FILE = ['ndjson', 'audit_only', 'pino_http', 'morgan'] as const satisfies readonly Configuration[];
type WritingToAFile = (typeof WRITING_TO_A_FILE)[number];

function outputFile(scratch: string, variant: Variant, configuration: WritingToAFile): string {
  return join(scratch, `${configuration}-${variant.name}.log`);
}

/**
 * What a configuration wrote to its file over all rounds, so the tables show it really wrote one
 * line per request (audit records, and how many of them signed, for apitrail; SIGKILL loses the
 * last batch).
 */
async function outputCheck(file: string, apitrail: boolean): Promise<Record<string, Figure>> {
  // Streamed: the headline variant's file outgrows the longest string V8 can hold.
  let lines = 0;
  let audit = 0;
  let signed = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    lines++;
    if (!apitrail || !line.includes(`"${NDJSON_FIELDS.event}":"${EVENT_API_REQUEST}"`)) continue;
    audit++;
    if (line.includes(`"${ATTR_INTEGRITY_SEQUENCE}":`)) signed++;
  }
  return apitrail
    ? {
        audit_records: { value: audit, unit: 'NDJSON lines' },
        audit_records_signed: { value: signed, unit: 'NDJSON lines' },
      }
    : { lines: { value: lines, unit: 'lines' } };
}

async function outputChecks(scratch: string, variant: Variant) {
  const checked: Partial<Record<WritingToAFile, Record<string, Figure> | Unavailable>> = {};
  for (const configuration of WRITING_TO_A_FILE) {
    if (!variant.configurations.includes(configuration)) continue;
    const apitrail = configuration === 'ndjson' || configuration === 'audit_only';
    checked[configuration] = await outputCheck(outputFile(scratch, variant, configuration), apitrail).catch(
      (error: Error) => unavailable(`its file could not be read: ${error.message}`),
    );
  }
  return checked;
}

/** A root key for this run in `scratch` (made once per scratch directory), as `apitrail keygen` writes it. */
function rootKeyFile(scratch: string): string {
  const file = join(scratch, 'apitrail-root.key');
  if (!existsSync(file)) writeFileSync(file, `${Signer.generate('apitrail-bench-root').skey}\n`, { mode: 0o600 });
  return file;
}

export function launch(
  configuration: Configuration,
  variant: Variant,
  options: { readonly sinkEndpoint: string; readonly serverCpus?: string | undefined },
  scratch: string,
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const startListening = (args: readonly string[], env: NodeJS.ProcessEnv) => startChild(args, env, options.serverCpus);
  const app = 'bench/http/app.cjs';
  const register = ['--require', '@apitrail/auto/register', app];
  const base = { ...withoutInheritedSettings(), BENCH_APP: variant.app, ...extraEnv };
  const exporting = {
    OTEL_EXPORTER_OTLP_ENDPOINT: options.sinkEndpoint,
    OTEL_SERVICE_NAME: 'apitrail-bench',
    // Per server: a segment never replays what another left behind (an outage segment's server is
    // killed with its spool full, and C with a healthy collector after it would send that backlog).
    APITRAIL_SPOOL_DIR: mkdtempSync(join(scratch, `spool-${configuration}-`)),
  };
  // Integrity is on whenever a root key is configured; a fresh key per run, never a fixed one.
  const apitrail = { ...exporting, APITRAIL_INTEGRITY_KEY_FILE: rootKeyFile(scratch) };
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
        APITRAIL_NDJSON_FILE: outputFile(scratch, variant, configuration),
      });
    case 'audit_only':
      return startListening(register, {
        ...base,
        ...apitrail,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: outputFile(scratch, variant, configuration),
      });
    case 'pino_http':
    case 'morgan':
      return startListening([app], {
        ...base,
        BENCH_ACCESS_LOG: configuration,
        BENCH_ACCESS_LOG_FILE: outputFile(scratch, variant, configuration),
      });
    case 'full_without_integrity':
      return startListening(register, { ...base, ...exporting });
    case 'full_without_log_export':
      return startListening(register, { ...base, ...apitrail, OTEL_LOGS_EXPORTER: 'none' });
  }
}

/** Export requests the sink has received so far, under `/<pathPrefix>/` when one is given. */
async function exportRequestCount(sinkEndpoint: string, pathPrefix?: string): Promise<number> {
  const stats = (await (await fetch(`${sinkEndpoint}/stats`)).json()) as Record<string, { requests: number }>;
  return Object.entries(stats)
    .filter(([path]) => pathPrefix === undefined || path.startsWith(`/${pathPrefix}/`))
    .reduce((sum, [, signal]) => sum + signal.requests, 0);
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
  const loadGeneratorBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await autocannon({
    url,
    headers,
    connections: options.connections,
    duration: options.durationSeconds,
  });
  const loadGenerator = process.cpuUsage(loadGeneratorBefore);
  const cpu = (await cpuSeconds(server.process.pid!)) - cpuBefore;
  // autocannon takes longer than its duration (connecting, draining): busy is over the wall time.
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    cpuPerRequest: (cpu * 1e6) / result.requests.total,
    serverBusy: cpu / seconds,
    loadGeneratorBusy: (loadGenerator.user + loadGenerator.system) / 1e6 / seconds,
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
    load_generator_busy: median((s) => s.loadGeneratorBusy, 'cores', 2),
    load_generator_bound: {
      value: segments.filter((s) => s.loadGeneratorBusy >= LOAD_GENERATOR_SATURATED && s.serverBusy < SERVER_SATURATED)
        .length,
      unit: `of ${segments.length} segments`,
    },
    peak_rss: { value: round(Math.max(...segments.map((s) => s.peakRss)), 1), unit: 'MiB' },
    errors: { value: segments.reduce((sum, s) => sum + s.errors, 0), unit: 'requests' },
    export_requests: { value: segments.reduce((sum, s) => sum + s.exportRequests, 0), unit: 'OTLP requests' },
  };
}

type ConfigurationFigures = ReturnType<typeof perConfiguration>;

function ratiosOf(
  numerator: ConfigurationFigures | undefined,
  denominator: ConfigurationFigures | undefined,
): Record<string, Figure> {
  return {
    throughput: ratio(numerator?.throughput, denominator?.throughput),
    p50: ratio(numerator?.p50, denominator?.p50),
    p99: ratio(numerator?.p99, denominator?.p99),
    cpu_per_request: ratio(numerator?.cpu_per_request, denominator?.cpu_per_request),
  };
}

/** Peak RSS of each apitrail configuration above plain OTel's (B), in MiB. */
function peakRssOverOtel(figures: Partial<Record<Configuration, ConfigurationFigures>>): Record<string, Figure> {
  const otel = figures.otel?.peak_rss.value;
  return Object.fromEntries(
    (['full', 'ndjson', 'audit_only'] as const)
      .filter((name) => figures[name] !== undefined)
      .map((name) => [
        name,
        otel === undefined
          ? unavailable('B was not measured')
          : { value: round(figures[name]!.peak_rss.value - otel, 1), unit: 'MiB' },
      ]),
  );
}

function ratios(figures: Partial<Record<Configuration, ConfigurationFigures>>) {
  const pair = (a: Configuration, b: Configuration) => ratiosOf(figures[a], figures[b]);
  return {
    full_vs_otel: pair('full', 'otel'),
    ndjson_vs_otel: pair('ndjson', 'otel'),
    otel_vs_bare: pair('otel', 'bare'),
    ...(figures.audit_only === undefined && figures.pino_http === undefined
      ? {}
      : {
          audit_only_vs_pino_http: pair('audit_only', 'pino_http'),
          audit_only_vs_morgan: pair('audit_only', 'morgan'),
          pino_http_vs_bare: pair('pino_http', 'bare'),
        }),
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

interface SegmentSchedule<Name extends string> {
  /** Progress lines start with it. */
  readonly title: string;
  readonly names: readonly Name[];
  /** A fresh server for one segment of `name`. */
  readonly start: (name: Name) => Promise<RunningChild>;
  readonly variant: Variant;
  readonly options: HttpOptions;
}

/**
 * Runs the names interleaved over the rounds, one fresh server per segment, and summarizes each
 * name's segments; a name whose server failed is not run again and reports why.
 */
async function runSegments<Name extends string>({ title, names, start, variant, options }: SegmentSchedule<Name>) {
  const headers = requestHeaders(variant.apiKey);
  const segments: Partial<Record<Name, Segment[]>> = {};
  const failures: Partial<Record<Name, string>> = {};
  for (const { round, configuration: name } of interleave(names, options.rounds)) {
    if (failures[name] !== undefined) continue;
    let server: RunningChild | undefined;
    try {
      server = await start(name);
      const segment = await measure(server, variant, options, headers);
      (segments[name] ??= []).push(segment);
      options.onProgress(
        `http ${title} round ${round} ${name}: ${Math.round(segment.requestsPerSecond)} req/s, ` +
          `p99 ${segment.p99} ms, ${segment.cpuPerRequest.toFixed(1)} µs CPU/request (server busy ${segment.serverBusy.toFixed(2)}, load generator ${segment.loadGeneratorBusy.toFixed(2)} cores), peak RSS ${segment.peakRss.toFixed(1)} MiB, ${segment.exportRequests} export requests`,
      );
    } catch (error) {
      failures[name] = (error as Error).message.slice(0, 2000);
      options.onProgress(`http ${title} ${name} FAILED: ${failures[name]}`);
    } finally {
      await server?.stop();
    }
  }
  const reported: Partial<Record<Name, ConfigurationFigures | Unavailable>> = {};
  const measured: Partial<Record<Name, ConfigurationFigures>> = {};
  for (const name of names) {
    const list = segments[name];
    if (list === undefined) {
      reported[name] = unavailable(failures[name] ?? 'not run');
    } else {
      measured[name] = perConfiguration(list);
      reported[name] = measured[name];
    }
  }
  return { reported, measured };
}

async function runVariant(variant: Variant, options: HttpOptions, scratch: string) {
  const { reported, measured } = await runSegments({
    title: variant.name,
    names: variant.configurations,
    start: (configuration) =>
      launch(configuration, variant, { sinkEndpoint: options.sinkEndpoint, serverCpus: serverCpus(options) }, scratch),
    variant,
    options,
  });
  return {
    description: variant.description,
    configurations: reported,
    ratios: ratios(measured),
    peak_rss_over_otel: peakRssOverOtel(measured),
    output_files: await outputChecks(scratch, variant),
  };
}

function serverCpus({ cpuPinning }: HttpOptions): string | undefined {
  return typeof cpuPinning === 'string' ? undefined : cpuPinning.servers;
}

function outageDurationSeconds(options: HttpOptions): number {
  return Math.min(options.durationSeconds, OUTAGE_SEGMENT_MAX_SECONDS);
}

/** An endpoint nothing listens on: a port the system just handed out and that was closed again. */
async function refusingEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** C (headline variant) with its collector healthy and in each outage mode; each mode with its ratios to healthy. */
async function runOutages(variant: Variant, options: HttpOptions, scratch: string) {
  const unreachable = await refusingEndpoint();
  const endpoint = (condition: OutageCondition): string => {
    switch (condition) {
      case 'normal':
        return options.sinkEndpoint;
      case 'down':
        return unreachable;
      default:
        return `${options.sinkEndpoint}/${condition}`;
    }
  };
  const { reported, measured } = await runSegments({
    title: `outage (${variant.name})`,
    names: OUTAGE_CONDITIONS,
    start: (condition) =>
      launch(
        'full',
        variant,
        { sinkEndpoint: endpoint(condition), serverCpus: serverCpus(options) },
        scratch,
        OUTAGE_EXPORT_SETTINGS,
      ),
    variant,
    options: { ...options, durationSeconds: outageDurationSeconds(options) },
  });
  const withRatios = (mode: OutageMode) => {
    const figures = measured[mode];
    return figures === undefined ? reported[mode] : { ...figures, ratios: ratiosOf(figures, measured.normal) };
  };
  // In its measured window a stalled sink sees no request (the batch sent during warm-up hangs) and
  // a refused one none at all: these counts show each failing sink was really exported to.
  const failingSinks = OUTAGE_MODES.filter((mode): mode is SinkFailure => mode !== 'down');
  const sinkReceived = Object.fromEntries(
    await Promise.all(
      failingSinks.map(async (mode) => [
        mode,
        { value: await exportRequestCount(options.sinkEndpoint, mode), unit: 'OTLP requests' },
      ]),
    ),
  );
  return {
    normal: reported.normal,
    ...Object.fromEntries(OUTAGE_MODES.map((mode) => [mode, withRatios(mode)])),
    sink_received: sinkReceived,
  };
}

export async function runHttpSuite(options: HttpOptions) {
  const scratch = await mkdtemp(join(tmpdir(), 'apitrail-bench-'));
  try {
    const [main, ...others] = VARIANTS;
    const headline = await runVariant(main!, options, scratch);
    const variants: Record<string, Awaited<ReturnType<typeof runVariant>>> = {};
    for (const variant of others) variants[variant.name] = await runVariant(variant, options, scratch);
    const outage = await runOutages(main!, options, scratch);
    return {
      method: {
        schedule:
          'A B C D, then the attribution configurations (headline variant only), repeated per round; fresh server process per segment',
        configurations: CONFIGURATION_LABELS,
        rounds: options.rounds,
        warmup_seconds: options.warmupSeconds,
        duration_seconds: options.durationSeconds,
        connections: options.connections,
        load_generator:
          typeof options.cpuPinning === 'string'
            ? `autocannon (programmatic, in the orchestrating process), not pinned (${options.cpuPinning})`
            : `autocannon (programmatic, in the orchestrating process) pinned to CPU ${options.cpuPinning.loadGenerator}, servers to CPU ${options.cpuPinning.servers} (taskset; the OTLP sink shares the load generator's CPU)`,
        cpu_per_request: 'server utime + stime from /proc/<pid>/stat over the measured interval / requests completed',
        server_busy:
          'server CPU seconds (all threads: GC and I/O helpers too, so above 1 is possible when not pinned) / wall seconds of the measured load',
        load_generator_busy: 'the load generator process’s CPU seconds / wall seconds of the measured load',
        load_generator_bound: `a configuration whose load generator was at least ${LOAD_GENERATOR_SATURATED} cores busy while its server was below ${SERVER_SATURATED} is marked load-generator bound: autocannon, not the server, was the limit, so its requests/s is a floor (its CPU per request stands)`,
        peak_rss: 'server VmHWM from /proc/<pid>/status at the end of each segment, max over rounds',
        outage: {
          schedule: `${OUTAGE_CONDITIONS.join(' ')}, repeated per round; headline variant, fresh server process per segment`,
          // A list, not an object: JSON objects put integer-like keys such as 503 first.
          conditions: OUTAGE_CONDITIONS.map((name) => ({ name, label: OUTAGE_LABELS[name] })),
          duration_seconds: outageDurationSeconds(options),
          export_settings: OUTAGE_EXPORT_SETTINGS,
          ratios: 'each outage mode / C with the collector healthy, from the same run',
        },
      },
      variant: main!.description,
      configurations: headline.configurations,
      ratios: headline.ratios,
      peak_rss_over_otel: headline.peak_rss_over_otel,
      output_files: headline.output_files,
      variants,
      outage,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
