// Server CPU per request by configuration, split into components, as a stacked horizontal bar
// chart (SVG). Pure, so the unit tests can check the split without running anything.
import { isMeasured } from './stats.ts';

export interface Component {
  readonly name: string;
  readonly microseconds: number;
}

export interface Bar {
  readonly configuration: string;
  /** The configuration's own CPU per request: the components add up to it. */
  readonly total: number;
  readonly components: readonly Component[];
}

/**
 * Each configuration as a chain of configurations measured in the same run, each adding one part to
 * the one before it: the difference between neighbours is that part's cost. `full` is the longest
 * chain: bare → plain OTel → apitrail without exporting the audit record → with OTLP export of the
 * record → with integrity signing it.
 */
const CHAINS: readonly (readonly [configuration: string, chain: readonly (readonly [string, string])[]])[] = [
  ['bare', [['bare', 'node:http + handler']]],
  [
    'pino_http',
    [
      ['bare', 'node:http + handler'],
      ['pino_http', 'access logger'],
    ],
  ],
  [
    'morgan',
    [
      ['bare', 'node:http + handler'],
      ['morgan', 'access logger'],
    ],
  ],
  [
    'audit_only',
    [
      ['bare', 'node:http + handler'],
      ['audit_only', 'apitrail audit-only (unexported spans, identity, audit record, redaction, integrity, NDJSON)'],
    ],
  ],
  [
    'otel',
    [
      ['bare', 'node:http + handler'],
      ['otel', 'OTel tracing + OTLP span export'],
    ],
  ],
  [
    'full',
    [
      ['bare', 'node:http + handler'],
      ['otel', 'OTel tracing + OTLP span export'],
      ['full_without_log_export', 'apitrail request path (identity, audit record, redaction, detection)'],
      ['full_without_integrity', 'audit record OTLP export'],
      ['full', 'integrity'],
    ],
  ],
  [
    'ndjson',
    [
      ['bare', 'node:http + handler'],
      ['otel', 'OTel tracing + OTLP span export'],
      ['ndjson', 'apitrail with NDJSON audit export, integrity'],
    ],
  ],
];

function cpuOf(configurations: Record<string, unknown>, name: string): number | undefined {
  const figure = (configurations[name] as { cpu_per_request?: unknown } | undefined)?.cpu_per_request;
  return isMeasured(figure) ? figure.value : undefined;
}

/**
 * The bars for the configurations measured in `configurations` (results JSON `http.configurations`).
 * A step whose configuration was not measured is left out and its cost goes to the next step
 * measured; a step cheaper than the one before it (noise) counts as 0 and the next step absorbs it,
 * so the components always add up to the configuration's own figure.
 */
export function cpuBars(configurations: Record<string, unknown>): Bar[] {
  const bars: Bar[] = [];
  for (const [configuration, chain] of CHAINS) {
    const total = cpuOf(configurations, configuration);
    if (total === undefined) continue;
    const components: Component[] = [];
    let below = 0;
    for (const [step, name] of chain) {
      const cumulative = cpuOf(configurations, step);
      if (cumulative === undefined) continue;
      const reached = Math.min(Math.max(cumulative, below), total);
      components.push({ name, microseconds: reached - below });
      below = reached;
    }
    bars.push({ configuration, total, components });
  }
  return bars;
}

const COLOURS: Readonly<Record<string, string>> = {
  'node:http + handler': '#9e9e9e',
  'access logger': '#8d6e63',
  'OTel tracing + OTLP span export': '#42a5f5',
  'apitrail request path (identity, audit record, redaction, detection)': '#66bb6a',
  'audit record OTLP export': '#ffa726',
  integrity: '#ef5350',
  'apitrail audit-only (unexported spans, identity, audit record, redaction, integrity, NDJSON)': '#26a69a',
  'apitrail with NDJSON audit export, integrity': '#ab47bc',
};

const ROW_LABELS: Readonly<Record<string, string>> = {
  bare: 'A: bare node:http',
  pino_http: 'pino-http',
  morgan: 'morgan',
  audit_only: 'apitrail audit-only',
  otel: 'B: plain OTel',
  full: 'C: apitrail full',
  ndjson: 'D: apitrail NDJSON',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The bars as an SVG document: one row per configuration, labelled, with a legend below. */
export function cpuChartSvg(bars: readonly Bar[], title: string): string {
  const labelWidth = 150;
  const plotWidth = 560;
  const rowHeight = 26;
  const top = 40;
  const max = Math.max(1, ...bars.map((bar) => bar.total));
  const scale = plotWidth / max;
  const legendNames = [...new Set(bars.flatMap((bar) => bar.components.map((component) => component.name)))];
  const legendTop = top + bars.length * rowHeight + 20;
  const height = legendTop + legendNames.length * 18 + 10;
  const width = labelWidth + plotWidth + 90;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 16}" text-anchor="end">${escapeXml(ROW_LABELS[bar.configuration] ?? bar.configuration)}</text>`,
    );
    let x = labelWidth;
    for (const component of bar.components) {
      const w = component.microseconds * scale;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${COLOURS[component.name] ?? '#bdbdbd'}"><title>${escapeXml(`${component.name}: ${component.microseconds.toFixed(1)} µs`)}</title></rect>`,
      );
      x += w;
    }
    parts.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 16}">${bar.total.toFixed(1)} µs</text>`);
  });
  legendNames.forEach((name, index) => {
    const y = legendTop + index * 18;
    parts.push(
      `<rect x="${labelWidth}" y="${y}" width="12" height="12" fill="${COLOURS[name] ?? '#bdbdbd'}"/>`,
      `<text x="${labelWidth + 18}" y="${y + 10}">${escapeXml(name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
