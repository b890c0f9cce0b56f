import { describe, expect, it } from 'vitest';
import { bootstrapMedianChange, mannWhitney, median, normalCdf, quantile, seededRandom } from '../src/diff/stats.js';
import { compareSamples } from '../src/diff/compare.js';

/** Normal samples via Box-Muller from the seeded PRNG. */
function normals(rand: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

const higherWorse = { unit: 'ns', direction: 'higher_is_worse' } as const;

describe('basic statistics', () => {
  it('quantiles interpolate like quantile_cont', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46, 10);
  });

  it('the seeded PRNG is deterministic and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });
});

describe('Mann-Whitney U', () => {
  it('gives the exact permutation p-value for complete separation (1 / C(n1+n2, n1))', () => {
    const r = mannWhitney([1, 2, 3], [4, 5, 6]);
    expect(r.u).toBe(9);
    expect(r.pGreater).toBeCloseTo(1 / 20, 12);
    expect(r.pLess).toBe(1);
    expect(r.cliffsDelta).toBe(1);
    expect(r.exact).toBe(true);
    expect(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8]).pGreater).toBeCloseTo(1 / 70, 12);
  });

  it('handles ties exactly: constant-but-different groups are fully separated', () => {
    const r = mannWhitney([10, 10, 10], [11, 11, 11]);
    expect(r.pGreater).toBeCloseTo(1 / 20, 12);
    const same = mannWhitney([5, 5, 5], [5, 5, 5]);
    expect(same.pGreater).toBe(1);
    expect(same.cliffsDelta).toBe(0);
  });

  it('matches a hand-computed mixed case', () => {
    // base {1,3,5}, cand {2,4,6}: U(cand) = pairs cand>base = 1+2+3 = 6; P(U >= 6) = 7/20 over the 20 subsets.
    const r = mannWhitney([1, 3, 5], [2, 4, 6]);
    expect(r.u).toBe(6);
    expect(r.pGreater).toBeCloseTo(7 / 20, 12);
  });

  it('uses the normal approximation for large samples and agrees on a clear shift', () => {
    const rand = seededRandom(1);
    const r = mannWhitney(normals(rand, 150, 0, 1), normals(rand, 150, 1, 1));
    expect(r.exact).toBe(false);
    expect(r.pGreater).toBeLessThan(1e-6);
  });
});

describe('bootstrap CI of the relative change of medians', () => {
  it('is a point when both sides are constant', () => {
    const ci = bootstrapMedianChange([100, 100, 100], [110, 110, 110], { confidence: 0.95 });
    expect(ci.point).toBeCloseTo(0.1, 12);
    expect(ci.low).toBeCloseTo(0.1, 12);
    expect(ci.high).toBeCloseTo(0.1, 12);
  });

  it('covers zero for equal noisy samples and is reproducible with the seed', () => {
    const rand = seededRandom(3);
    const a = normals(rand, 8, 100, 5);
    const b = normals(rand, 8, 100, 5);
    const ci1 = bootstrapMedianChange(a, b, { confidence: 0.95, seed: 9 });
    const ci2 = bootstrapMedianChange(a, b, { confidence: 0.95, seed: 9 });
    expect(ci1).toEqual(ci2);
    expect(ci1.low).toBeLessThan(0.0);
    expect(ci1.high).toBeGreaterThan(0.0);
  });
});

describe('compareSamples verdicts', () => {
  it('identical samples: no regression', () => {
    const xs = [100, 102, 98, 101, 99];
    const r = compareSamples('step.median_ns', higherWorse, xs, [...xs], { minAbsNs: 0 });
    expect(r.verdict).toBe('unchanged');
    expect(r.change_pct).toBe(0);
  });

  it('a clear shift in the worse direction is a confident regression, named by key', () => {
    const rand = seededRandom(11);
    const base = normals(rand, 5, 1000, 10);
    const cand = normals(rand, 5, 1300, 10);
    const r = compareSamples('host_sync.blocked_ns', higherWorse, base, cand, { minAbsNs: 0 });
    expect(r.key).toBe('host_sync.blocked_ns');
    expect(r.verdict).toBe('regressed');
    expect(r.confidence_available).toBe(true);
    expect(r.change_pct!).toBeGreaterThan(20);
    expect(r.ci_low_pct!).toBeGreaterThan(5);
    expect(r.p_value!).toBeLessThanOrEqual(0.05);
    expect(r.effect_size).toBe(1);
  });

  it('the same shift in a lower-is-worse metric is an improvement, and a drop is a regression', () => {
    const lowerWorse = { unit: 'pct', direction: 'lower_is_worse' } as const;
    expect(compareSamples('gpu.concurrency_pct', lowerWorse, [40, 41, 39], [60, 61, 59]).verdict).toBe('improved');
    expect(compareSamples('gpu.concurrency_pct', lowerWorse, [60, 61, 59], [40, 41, 39]).verdict).toBe('regressed');
  });

  it('a shift within the threshold passes; a big but noisy shift is inconclusive, not a failure', () => {
    expect(compareSamples('x', higherWorse, [100, 101, 99], [103, 104, 102], { minAbsNs: 0 }).verdict).toBe('unchanged');
    const noisy = compareSamples('x', higherWorse, [100, 150, 60, 120, 80], [130, 70, 160, 110, 95], { minAbsNs: 0 });
    expect(noisy.verdict).toBe('inconclusive');
  });

  it('single runs: threshold only, and says so', () => {
    const r = compareSamples('x', higherWorse, [100], [120], { minAbsNs: 0 });
    expect(r.verdict).toBe('regressed');
    expect(r.confidence_available).toBe(false);
    expect(r.note).toMatch(/insufficient runs for confidence/);
    expect(compareSamples('x', higherWorse, [100], [103], { minAbsNs: 0 }).verdict).toBe('unchanged');
  });

  it('info metrics never regress and ns changes below the floor are noise', () => {
    expect(compareSamples('gpu.busy_union_ns', { unit: 'ns', direction: 'info' }, [1e6, 1e6, 1e6], [2e6, 2e6, 2e6]).verdict).toBe(
      'changed',
    );
    expect(compareSamples('k', higherWorse, [100, 100, 100], [500, 500, 500], { minAbsNs: 1000 }).verdict).toBe('unchanged');
  });

  it('a count appearing from zero is a regression when confident', () => {
    const r = compareSamples(
      'host_sync.api.device:cudaDeviceSynchronize.count',
      { unit: 'count', direction: 'higher_is_worse' },
      [0, 0, 0],
      [50, 50, 50],
    );
    expect(r.verdict).toBe('regressed');
    expect(r.change_pct).toBeNull();
  });

  it('noisy-but-equal samples pass: false-positive rate <= 5% over 400 seeded simulations (threshold 0)', () => {
    // Threshold 0 leaves only the statistics to guard against noise: the one-sided
    // test at alpha = 0.05 bounds the false-positive rate by 5 %.
    const rand = seededRandom(2024);
    let falsePositives = 0;
    const sims = 400;
    for (let i = 0; i < sims; i++) {
      const base = normals(rand, 5, 1e6, 5e4);
      const cand = normals(rand, 5, 1e6, 5e4);
      const r = compareSamples('x', higherWorse, base, cand, { threshold: 0, minAbsNs: 0, iterations: 500, seed: i });
      if (r.verdict === 'regressed') falsePositives++;
    }
    expect(falsePositives / sims).toBeLessThanOrEqual(0.05);
  });

  it('with the default 5% threshold and 3% noise the false-positive rate is far below 1%', () => {
    const rand = seededRandom(77);
    let falsePositives = 0;
    const sims = 400;
    for (let i = 0; i < sims; i++) {
      const r = compareSamples('x', higherWorse, normals(rand, 4, 1e6, 3e4), normals(rand, 4, 1e6, 3e4), { iterations: 500, seed: i });
      if (r.verdict === 'regressed') falsePositives++;
    }
    expect(falsePositives / sims).toBeLessThan(0.01);
  });

  it('detects a real 15% shift under 3% noise most of the time (power)', () => {
    const rand = seededRandom(5);
    let hits = 0;
    const sims = 100;
    for (let i = 0; i < sims; i++) {
      const r = compareSamples('x', higherWorse, normals(rand, 5, 1e6, 3e4), normals(rand, 5, 1.15e6, 3e4), { iterations: 500, seed: i });
      if (r.verdict === 'regressed') hits++;
    }
    expect(hits / sims).toBeGreaterThan(0.8);
  });
});
