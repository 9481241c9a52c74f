// The generated CPU-per-request chart: each configuration split into the parts its neighbours in
// the chain add, adding up to its own figure even when a noisy run makes a part look negative.
import { expect } from 'chai';
import { cpuBars, cpuChartSvg } from '../../bench/lib/chart.ts';
import { parseCpuList } from '../../bench/lib/child.ts';

const cpu = (value: number) => ({ cpu_per_request: { value, unit: 'µs' } });

describe('bench CPU chart', () => {
  it('splits C into node:http, OTel, apitrail, audit export and integrity by the attribution configurations', () => {
    const bars = cpuBars({
      bare: cpu(15),
      otel: cpu(35),
      full_without_log_export: cpu(55),
      full_without_integrity: cpu(60),
      full: cpu(80),
      pino_http: cpu(20),
    });
    const full = bars.find((bar) => bar.configuration === 'full')!;
    expect(full.components.map(({ name, microseconds }) => [name, microseconds])).to.deep.equal([
      ['node:http + handler', 15],
      ['OTel tracing + OTLP span export', 20],
      ['apitrail request path (identity, audit record, redaction, detection)', 20],
      ['audit record OTLP export', 5],
      ['integrity', 20],
    ]);
    expect(bars.map((bar) => bar.configuration)).to.deep.equal(['bare', 'pino_http', 'otel', 'full']);
  });

  it('counts a part that measured cheaper than the one below it as 0, so the parts still add up', () => {
    const bars = cpuBars({
      bare: cpu(15),
      otel: cpu(35),
      full_without_log_export: cpu(62),
      full_without_integrity: cpu(60),
      full: cpu(80),
    });
    const full = bars.find((bar) => bar.configuration === 'full')!;
    expect(full.components.map((component) => component.microseconds)).to.deep.equal([15, 20, 27, 0, 18]);
    expect(full.components.reduce((sum, component) => sum + component.microseconds, 0)).to.equal(full.total);
  });

  it('gives a missing step’s cost to the next step measured, and leaves unmeasured configurations out', () => {
    const bars = cpuBars({ bare: cpu(15), full: cpu(80), otel: { status: 'not available: exited' } });
    expect(bars).to.have.length(2);
    expect(bars[1]!.components.map(({ name, microseconds }) => [name, microseconds])).to.deep.equal([
      ['node:http + handler', 15],
      ['integrity', 65],
    ]);
  });

  it('draws one labelled row per configuration with a legend, escaping text', () => {
    const svg = cpuChartSvg(cpuBars({ bare: cpu(15), otel: cpu(35) }), 'CPU <per> request');
    expect(svg.startsWith('<svg ')).to.equal(true);
    expect(svg).to.include('CPU &lt;per&gt; request');
    expect(svg).to.include('A: bare node:http');
    expect(svg).to.include('B: plain OTel');
    expect(svg).to.include('35.0 µs');
    expect(svg.match(/<rect /g)).to.have.length(1 + 3 + 2);
  });
});

describe('bench CPU pinning', () => {
  it('reads taskset CPU lists', () => {
    expect(parseCpuList('0,1')).to.deep.equal([0, 1]);
    expect(parseCpuList('0-2,5\n')).to.deep.equal([0, 1, 2, 5]);
    expect(() => parseCpuList('')).to.throw(/not a CPU list/);
    expect(() => parseCpuList('3-1')).to.throw(/not a CPU list/);
  });
});
