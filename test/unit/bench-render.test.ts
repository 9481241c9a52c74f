// results JSON → BENCHMARKS.md: the met/missed verdicts against the targets and the tables.
import { expect } from 'chai';
import { TARGETS, evaluate, figures, formatFigure, renderMarkdown } from '../../bench/lib/render.ts';

const measured = (value: number, unit: string) => ({ value, unit });

function results(overrides: { throughputRatio?: unknown; integrity?: unknown } = {}): Record<string, unknown> {
  return {
    generated_at: '2026-01-01T00:00:00.000Z',
    mode: 'quick',
    node: 'v24.0.0',
    cpus: 2,
    cpu_model: 'test cpu',
    platform: 'linux',
    http: {
      method: {
        configurations: { bare: 'A: bare', otel: 'B: otel' },
        rounds: 1,
        outage: {
          conditions: [
            { name: 'normal', label: 'C, collector healthy' },
            { name: 'stalled', label: 'C, collector stalled' },
            { name: '429', label: 'C, collector answers 429' },
          ],
          export_settings: { OTEL_EXPORTER_OTLP_TIMEOUT: '10000' },
        },
      },
      variant: 'trivial',
      configurations: {
        bare: { throughput: measured(1000, 'requests/s'), p99: measured(2, 'ms') },
        otel: { status: 'not available: the server exited' },
      },
      ratios: {
        full_vs_otel: { throughput: overrides.throughputRatio ?? measured(0.95, 'ratio'), p99: measured(1.2, 'ratio') },
      },
      variants: {},
      outage: {
        // Integer-like keys come first in a parsed JSON object: the table follows the method's order.
        '429': { status: 'not available: the server exited' },
        normal: { throughput: measured(1000, 'requests/s'), p99: measured(10, 'ms') },
        stalled: {
          throughput: measured(1100, 'requests/s'),
          p99: measured(30, 'ms'),
          ratios: { throughput: measured(1.1, 'ratio'), p99: measured(3, 'ratio') },
        },
        sink_received: { stalled: measured(2, 'OTLP requests'), '429': measured(0, 'OTLP requests') },
      },
    },
    micro: {
      redaction: {
        audit_record_clean: measured(1500, 'ns/op'),
        key_paths: { apitrail: measured(700, 'ns/op'), pinojs_redact: measured(690, 'ns/op') },
      },
      detect: { status: 'not available: @apitrail/detect could not be loaded' },
      integrity: overrides.integrity ?? { request_path: measured(300, 'ns/op') },
    },
  };
}

function verdict(data: unknown, path: string) {
  return evaluate(
    data,
    TARGETS.find((target) => target.path === path)!,
  ).verdict;
}

describe('bench results renderer', () => {
  it('judges each target against the figure, strictly where the issue says "<"', () => {
    const data = results();
    expect(verdict(data, 'http.ratios.full_vs_otel.throughput')).to.equal('met');
    expect(verdict(data, 'http.ratios.full_vs_otel.p99')).to.equal('missed');
    expect(verdict(data, 'micro.redaction.audit_record_clean')).to.equal('met');
    // 300 ns is not "< 0.3 µs".
    expect(verdict(data, 'micro.integrity.request_path')).to.equal('missed');
    expect(
      verdict(results({ integrity: { request_path: measured(299, 'ns/op') } }), 'micro.integrity.request_path'),
    ).to.equal('met');
  });

  it('judges the soak slope only from a soak as long as the target says (20 minutes)', () => {
    const soak = (minutes: number) => ({
      ...results(),
      soak: { duration: measured(minutes, 'min'), rss_growth_second_half: measured(0.05, 'MiB/min') },
    });
    expect(verdict(soak(20), 'soak.rss_growth_second_half')).to.equal('met');
    expect(verdict(soak(8), 'soak.rss_growth_second_half')).to.equal('not measured');
    expect(renderMarkdown(soak(8), '')).to.include(
      '| 0.05 MiB/min (from a run of 8 min, shorter than the 20 the target is for) |',
    );
  });

  it('compares key-path redaction with the @pinojs/redact figure of the same run', () => {
    expect(verdict(results(), 'micro.redaction.key_paths.apitrail')).to.equal('missed');
  });

  it('reports a target whose figure is unavailable as not measured, never as met', () => {
    const data = results({ throughputRatio: { status: 'not available: an operand was not measured' } });
    expect(verdict(data, 'http.ratios.full_vs_otel.throughput')).to.equal('not measured');
    expect(verdict(data, 'micro.detect.throughput')).to.equal('not measured');
  });

  it('lists every figure and every unavailable reason by path', () => {
    const paths = figures(results().micro).map(([path]) => path);
    expect(paths).to.deep.equal([
      'redaction.audit_record_clean',
      'redaction.key_paths.apitrail',
      'redaction.key_paths.pinojs_redact',
      'detect',
      'integrity.request_path',
    ]);
    expect(formatFigure(measured(1234567.8, 'records/s'))).to.equal('1,234,568 records/s');
    expect(formatFigure({ value: 10, unit: 'ns/op', samples: [9, 10, 11], spread: 0.2 })).to.equal(
      '10 ns/op (spread 20%)',
    );
  });

  it('gives every row of every table as many cells as its header', () => {
    const data = results();
    const http = data.http as { configurations: Record<string, unknown> };
    http.configurations.full = {
      throughput: measured(900, 'requests/s'),
      p50: measured(1, 'ms'),
      p99: measured(3, 'ms'),
      cpu_per_request: measured(40, 'µs'),
      server_busy: measured(1, 'cores'),
      peak_rss: measured(100, 'MiB'),
      errors: measured(0, 'requests'),
      export_requests: measured(7, 'OTLP requests'),
    };
    const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length;
    const tables = renderMarkdown(data, '')
      .split(/\n(?!\|)/)
      .map((block) => block.split('\n').filter((line) => line.startsWith('|')))
      .filter((lines) => lines.length > 0);
    expect(tables.length).to.be.greaterThan(3);
    for (const lines of tables) {
      for (const line of lines) expect(cells(line), line).to.equal(cells(lines[0]!));
    }
  });

  it('renders C under each collector outage in the schedule order, with its ratios to the healthy collector', () => {
    const markdown = renderMarkdown(results(), '');
    const section = markdown.slice(markdown.indexOf('## HTTP latency during collector outages'));
    const rows = section.split('\n').filter((line) => line.startsWith('| C, ') || / \/ normal \|/.test(line));
    expect(rows.map((row) => row.split(' | ')[0])).to.deep.equal([
      '| C, collector healthy',
      '| C, collector stalled',
      '| C, collector answers 429',
      '| stalled / normal',
      '| 429 / normal',
    ]);
    expect(rows[1]).to.include('| 1,100 requests/s | not measured | 30 ms |');
    expect(rows[2]).to.include('| not available: the server exited |');
    expect(rows[3]).to.equal('| stalled / normal | 1.1 ratio | not measured | 3 ratio | not measured |');
    expect(rows[4]).to.include('| 429 / normal | not available: the server exited |');
    expect(section).to.include('`OTEL_EXPORTER_OTLP_TIMEOUT=10000`');
    expect(section).to.include('429 0 OTLP requests, stalled 2 OTLP requests');
  });

  it('renders the targets table with met/missed, the HTTP tables and the findings', () => {
    const markdown = renderMarkdown(results(), '## What was found\n\nThe hot path.');
    expect(markdown).to.include('| C/B throughput (apitrail full stack vs plain OTel) | 0.95 ratio | >= 0.9 | met |');
    expect(markdown).to.include('| C/B p99 latency | 1.2 ratio | <= 1.15 | **missed** |');
    expect(markdown).to.include(
      '| detector throughput | not available: @apitrail/detect could not be loaded | > 1000000 | not measured |',
    );
    expect(markdown).to.include('| B: otel | not available: the server exited |');
    expect(markdown).to.include('Not run yet (`npm run soak`).');
    expect(markdown.trimEnd().endsWith('The hot path.')).to.equal(true);
  });
});
