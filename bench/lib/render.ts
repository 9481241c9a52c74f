// Results JSON → BENCHMARKS.md. Pure, so the unit tests can check the met/missed logic and the
// tables without running anything.
import { isMeasured, type Figure } from './stats.ts';

export interface Target {
  readonly what: string;
  /** Dotted path of the figure in the results JSON. */
  readonly path: string;
  readonly comparison: '>=' | '<=' | '<' | '>';
  /** A number, or the dotted path of the figure it is compared with. */
  readonly target: number | string;
  /** The run must have been at least this long for the figure to judge the target (a shortened soak cannot). */
  readonly requires?: { readonly path: string; readonly atLeast: number };
}

/** The targets, unchanged: a missed target is reported, never relaxed. */
export const TARGETS: readonly Target[] = [
  {
    what: 'C/B throughput (apitrail full stack vs plain OTel)',
    path: 'http.ratios.full_vs_otel.throughput',
    comparison: '>=',
    target: 0.9,
  },
  { what: 'C/B p99 latency', path: 'http.ratios.full_vs_otel.p99', comparison: '<=', target: 1.15 },
  {
    what: 'C/B server CPU per request',
    path: 'http.ratios.full_vs_otel.cpu_per_request',
    comparison: '<=',
    target: 1.15,
  },
  {
    what: 'audit-only vs pino-http throughput',
    path: 'http.ratios.audit_only_vs_pino_http.throughput',
    comparison: '>=',
    target: 1,
  },
  {
    what: 'audit-only vs pino-http server CPU per request',
    path: 'http.ratios.audit_only_vs_pino_http.cpu_per_request',
    comparison: '<=',
    target: 1,
  },
  {
    what: 'peak RSS of C above plain OTel (B)',
    path: 'http.peak_rss_over_otel.full',
    comparison: '<=',
    target: 20,
  },
  {
    what: 'soak: RSS slope over the second half of a 20-minute soak',
    path: 'soak.rss_growth_second_half',
    comparison: '<=',
    target: 0.1,
    requires: { path: 'soak.duration', atLeast: 20 },
  },
  {
    what: 'redaction of a typical audit record',
    path: 'micro.redaction.audit_record_clean',
    comparison: '<',
    target: 2000,
  },
  {
    what: 'key-path redaction vs @pinojs/redact',
    path: 'micro.redaction.key_paths.apitrail',
    comparison: '<=',
    target: 'micro.redaction.key_paths.pinojs_redact',
  },
  {
    what: 'catastrophic-backtracking payload at the length cap, slowest pattern',
    path: 'micro.redaction.backtracking_worst_case.any_pattern',
    comparison: '<',
    target: 1000,
  },
  {
    what: 'catastrophic-backtracking payload at the length cap, whole redactor in PII mode',
    path: 'micro.redaction.backtracking_worst_case.redactor_pii',
    comparison: '<',
    target: 1000,
  },
  { what: 'detector throughput', path: 'micro.detect.throughput', comparison: '>', target: 1_000_000 },
  {
    what: 'detector memory per tracked key (100k keys)',
    path: 'micro.detect.bytes_per_tracked_key',
    comparison: '<',
    target: 256,
  },
  {
    what: 'detector memory per placed key (100k keys, geography included)',
    path: 'micro.detect.bytes_per_placed_key',
    comparison: '<',
    target: 256,
  },
  {
    what: 'source enrichment (AS, country) per audit record, address remembered',
    path: 'micro.enrich.processor_remembered',
    comparison: '<',
    target: 500,
  },
  {
    what: 'spool on the request path, per record',
    path: 'micro.spool.request_path_per_record',
    comparison: '<=',
    target: 1000,
  },
  {
    what: 'integrity on the request path, per record',
    path: 'micro.integrity.request_path',
    comparison: '<',
    target: 300,
  },
  {
    what: 'integrity sealing off the request path, per record',
    path: 'micro.integrity.sealing',
    comparison: '<',
    target: 3000,
  },
  {
    what: 'apitrail verify throughput (200,000-record file, default worker threads)',
    path: 'micro.integrity.verify_cli_records_per_second.default_workers',
    comparison: '>=',
    target: 300_000,
  },
  {
    what: 'verify-proof of one bundle',
    path: 'micro.integrity.verify_proof_bundle',
    comparison: '<',
    target: 5_000_000,
  },
];

export type Verdict = 'met' | 'missed' | 'not measured';

export function lookup(results: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
      results,
    );
}

/** The figure at `path`, or the unavailable-status of the section it would be in. */
function figureAt(results: unknown, path: string): Figure | undefined {
  let node: unknown = results;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (typeof (node as { status?: unknown }).status === 'string') return node as Figure;
    node = (node as Record<string, unknown>)[key];
  }
  return node as Figure | undefined;
}

function compare(value: number, comparison: Target['comparison'], target: number): boolean {
  switch (comparison) {
    case '>=':
      return value >= target;
    case '<=':
      return value <= target;
    case '<':
      return value < target;
    case '>':
      return value > target;
  }
}

export function evaluate(
  results: unknown,
  target: Target,
): { verdict: Verdict; figure: Figure | undefined; bound: Figure | undefined } {
  const figure = figureAt(results, target.path);
  const bound: Figure | undefined =
    typeof target.target === 'number'
      ? { value: target.target, unit: isMeasured(figure) ? figure.unit : '' }
      : figureAt(results, target.target);
  if (!isMeasured(figure) || !isMeasured(bound)) return { verdict: 'not measured', figure, bound };
  if (target.requires !== undefined) {
    const length = figureAt(results, target.requires.path);
    if (!isMeasured(length) || length.value < target.requires.atLeast) {
      return { verdict: 'not measured', figure, bound };
    }
  }
  return { verdict: compare(figure.value, target.comparison, bound.value) ? 'met' : 'missed', figure, bound };
}

export function formatFigure(figure: unknown): string {
  if (isMeasured(figure)) {
    const value =
      Math.abs(figure.value) >= 1000
        ? Math.round(figure.value).toLocaleString('en-US')
        : // Four significant digits: a difference of two timings has no more, and prints no float noise.
          String(Number(figure.value.toPrecision(4)));
    const spread =
      figure.spread === undefined || (figure.samples?.length ?? 0) < 2
        ? ''
        : ` (spread ${Math.round(figure.spread * 100)}%)`;
    return `${value} ${figure.unit}${spread}`;
  }
  if (typeof figure === 'object' && figure !== null && typeof (figure as { status?: unknown }).status === 'string') {
    return (figure as { status: string }).status.replace(/\s+/g, ' ').slice(0, 200);
  }
  return 'not measured';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every measured figure under `node`, as (dotted path, figure) pairs, depth first. */
export function figures(node: unknown, prefix = ''): [string, unknown][] {
  if (typeof node !== 'object' || node === null) return [];
  if (isMeasured(node) || typeof (node as { status?: unknown }).status === 'string') return [[prefix, node]];
  return Object.entries(node).flatMap(([key, child]) => figures(child, prefix === '' ? key : `${prefix}.${key}`));
}

/** Per-configuration figure → column heading, in table order. */
const HTTP_COLUMNS: readonly (readonly [string, string])[] = [
  ['throughput', 'requests/s'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['cpu_per_request', 'server CPU/request'],
  ['server_busy', 'server busy'],
  ['load_generator_busy', 'load generator busy'],
  ['load_generator_bound', 'load-generator bound'],
  ['peak_rss', 'peak RSS'],
  ['errors', 'errors'],
  ['export_requests', 'OTLP requests to the sink'],
];

function configurationRow(label: string, figures: unknown): string[] {
  return [label, ...HTTP_COLUMNS.map(([column]) => formatFigure(lookup(figures, column) ?? figures))];
}

/** Ratio figure → column heading, in table order. */
const RATIO_COLUMNS: readonly (readonly [string, string])[] = [
  ['throughput', 'throughput'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['cpu_per_request', 'server CPU/request'],
];

function ratioRow(name: string, ratios: unknown): string[] {
  return [name, ...RATIO_COLUMNS.map(([column]) => formatFigure(lookup(ratios, column) ?? ratios))];
}

function httpSection(title: string, section: Record<string, unknown>, labels: Record<string, string>): string {
  const configurations = (section.configurations ?? {}) as Record<string, unknown>;
  const rows = Object.entries(configurations).map(([name, figures]) => configurationRow(labels[name] ?? name, figures));
  const ratioRows = Object.entries((section.ratios ?? {}) as Record<string, unknown>).map(([name, ratios]) =>
    ratioRow(name, ratios),
  );
  const written = figures(section.output_files)
    .map(([name, figure]) => `${name.replace(/\./g, ': ').replace(/_/g, ' ')} ${formatFigure(figure)}`)
    .join(', ');
  const overOtel = figures(section.peak_rss_over_otel)
    .map(([name, figure]) => `${name} ${formatFigure(figure)}`)
    .join(', ');
  return [
    `### ${title}`,
    '',
    ...(written === ''
      ? []
      : [`What the configurations writing to a file wrote over all rounds (warm-up included): ${written}.`, '']),
    table(['configuration', ...HTTP_COLUMNS.map(([, heading]) => heading)], rows),
    '',
    table(['ratio', ...RATIO_COLUMNS.map(([, heading]) => heading)], ratioRows),
    ...(overOtel === '' ? [] : ['', `Peak RSS above plain OTel (B): ${overOtel}.`]),
  ].join('\n');
}

interface OutageCondition {
  readonly name: string;
  readonly label: string;
}

/** C under collector outages: one row per condition, then each outage mode over the healthy first one. */
function outageSection(outage: Record<string, unknown>, method: Record<string, unknown>): string {
  const outageMethod = (method.outage ?? {}) as Record<string, unknown>;
  const conditions = (outageMethod.conditions ?? []) as OutageCondition[];
  const [healthy, ...modes] = conditions;
  const received = figures(outage.sink_received)
    .map(([name, figure]) => `${name} ${formatFigure(figure)}`)
    .join(', ');
  const settings = Object.entries((outageMethod.export_settings ?? {}) as Record<string, unknown>)
    .map(([name, value]) => `\`${name}=${String(value)}\``)
    .join(', ');
  return [
    '## HTTP latency during collector outages',
    '',
    `Configuration C with its collector healthy and failing, interleaved (${String(outageMethod.schedule ?? '')}), ${String(method.rounds)} round(s) of ${String(outageMethod.duration_seconds)} s after ${String(method.warmup_seconds)} s warm-up, export bounded as in production (${settings}). Ratios: ${String(outageMethod.ratios ?? '')}.`,
    '',
    ...(received === ''
      ? []
      : [
          `What the failing sink received over all rounds (warm-up included; a stalled export sent during warm-up hangs through the measured window): ${received}.`,
          '',
        ]),
    table(
      ['condition', ...HTTP_COLUMNS.map(([, heading]) => heading)],
      conditions.map(({ name, label }) => configurationRow(label, outage[name])),
    ),
    '',
    table(
      ['outage / healthy', ...RATIO_COLUMNS.map(([, heading]) => heading)],
      modes.map(({ name }) => {
        const entry = outage[name];
        return ratioRow(`${name} / ${healthy?.name ?? ''}`, lookup(entry, 'ratios') ?? entry);
      }),
    ),
  ].join('\n');
}

/** The generated chart of CPU per request, relative to BENCHMARKS.md. */
export const CPU_CHART = 'bench/results/cpu-per-request.svg';

/** BENCHMARKS.md from the results JSON, with `findings` (hand-written analysis) appended verbatim. */
export function renderMarkdown(results: Record<string, unknown>, findings: string): string {
  const http = (results.http ?? {}) as Record<string, unknown>;
  const method = (http.method ?? {}) as Record<string, unknown>;
  const labels = (method.configurations ?? {}) as Record<string, string>;
  const targetRows = TARGETS.map((target) => {
    const { verdict, figure, bound } = evaluate(results, target);
    const boundText =
      typeof target.target === 'number'
        ? `${target.comparison} ${target.target}`
        : `${target.comparison} ${formatFigure(bound)} (${target.target})`;
    const shortened =
      target.requires !== undefined && verdict === 'not measured' && isMeasured(figure)
        ? ` (from a run of ${formatFigure(lookup(results, target.requires.path))}, shorter than the ${target.requires.atLeast} the target is for)`
        : '';
    return [
      target.what,
      `${formatFigure(figure)}${shortened}`,
      boundText,
      verdict === 'met' ? 'met' : verdict === 'missed' ? '**missed**' : verdict,
    ];
  });
  const variants = Object.entries((http.variants ?? {}) as Record<string, Record<string, unknown>>).map(
    ([name, variant]) => httpSection(`Variant \`${name}\`: ${String(variant.description ?? '')}`, variant, labels),
  );
  const micro = figures(results.micro).map(([path, figure]) => [path, formatFigure(figure)]);
  const soak = figures(results.soak).map(([path, figure]) => [path, formatFigure(figure)]);
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by `node bench/render.ts` from bench/results/latest.json and bench/findings.md: edit those, not this file. -->',
    '',
    `Run ${String(results.generated_at)} (${String(results.mode)} mode) on Node ${String(results.node)}, ${String(results.cpus)} CPUs (${String(results.cpu_model)}), ${String(results.platform)}.`,
    'Regenerate with `npm run bench` (full, about 10 minutes) or `npm run bench:quick` (under 2 minutes, noisier).',
    'Figures are medians over repetitions; "spread" is (max - min) / median over those repetitions.',
    '',
    '## Targets',
    '',
    table(['target', 'measured', 'target', 'verdict'], targetRows),
    '',
    '## HTTP overhead',
    '',
    `Configurations interleaved (${String(method.schedule ?? '')}), ${String(method.rounds)} round(s) of ${String(method.duration_seconds)} s after ${String(method.warmup_seconds)} s warm-up, ${String(method.connections)} connections, ${String(method.load_generator ?? '')}. Peak RSS: ${String(method.peak_rss ?? '')}. Server CPU/request: ${String(method.cpu_per_request ?? '')}. Server busy: ${String(method.server_busy ?? '')}.`,
    '',
    httpSection(`Headline: ${String(http.variant ?? '')}`, http, labels),
    '',
    `![Server CPU per request by configuration and component](${CPU_CHART})`,
    '',
    'Server CPU per request of the headline variant, split into components by the configurations that add one part each (C − `full_without_integrity` is integrity, and so on; a part cheaper than the one below it in a noisy run counts as 0). Generated with the tables.',
    '',
    ...variants.flatMap((section) => [section, '']),
    ...(http.outage === undefined ? [] : [outageSection(http.outage as Record<string, unknown>, method), '']),
    '## Microbenchmarks',
    '',
    table(['figure', 'value'], micro),
    '',
    '## Soak',
    '',
    soak.length === 0 ? 'Not run yet (`npm run soak`).' : table(['figure', 'value'], soak),
    '',
    findings.trim(),
    '',
  ].join('\n');
}
