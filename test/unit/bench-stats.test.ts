// The benchmark's pure helpers: percentiles, ratios, the interleaved schedule, the RSS slope.
import { expect } from 'chai';
import { interleave, isMeasured, percentile, ratio, slope, summarize, unavailable } from '../../bench/lib/stats.ts';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of an unsorted list', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(values, 50)).to.equal(5);
    expect(percentile(values, 99)).to.equal(10);
    expect(percentile(values, 0)).to.equal(1);
    expect(percentile([42], 99)).to.equal(42);
    expect(() => percentile([], 50)).to.throw(RangeError);
    expect(() => percentile([1], 101)).to.throw(RangeError);
  });

  it('summarizes repetitions as the median with the relative spread', () => {
    const figure = summarize([100, 120, 80], 'ns/op');
    expect(figure.value).to.equal(100);
    expect(figure.spread).to.equal(0.4);
    expect(figure.samples).to.deep.equal([100, 120, 80]);
  });

  it('forms ratios only between measured figures of the same unit', () => {
    expect(ratio({ value: 900, unit: 'requests/s' }, { value: 1000, unit: 'requests/s' })).to.deep.equal({
      value: 0.9,
      unit: 'ratio',
    });
    const missing = ratio(unavailable('package missing'), { value: 1, unit: 'ms' });
    expect(isMeasured(missing)).to.equal(false);
    expect(isMeasured(ratio({ value: 1, unit: 'ms' }, { value: 0, unit: 'ms' }))).to.equal(false);
    expect(() => ratio({ value: 1, unit: 'ms' }, { value: 1, unit: 'requests/s' })).to.throw(/ms to requests\/s/);
  });

  it('interleaves configurations round by round (A B C D A B C D)', () => {
    const order = interleave(['A', 'B', 'C', 'D'], 2).map(({ round, configuration }) => `${configuration}${round}`);
    expect(order).to.deep.equal(['A1', 'B1', 'C1', 'D1', 'A2', 'B2', 'C2', 'D2']);
    expect(() => interleave(['A'], 0)).to.throw(RangeError);
  });

  it('fits the least-squares slope of RSS samples', () => {
    expect(
      slope([
        [0, 100],
        [1, 102],
        [2, 104],
      ]),
    ).to.equal(2);
    expect(
      slope([
        [0, 5],
        [1, 5],
      ]),
    ).to.equal(0);
    expect(slope([[3, 7]])).to.equal(0);
    expect(() => slope([])).to.throw(RangeError);
  });
});
