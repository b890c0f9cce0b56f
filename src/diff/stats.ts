// Small-sample statistics for the perf-regression gate. CI gives us 3-10 runs
// per side at best, so everything here is distribution-free: medians, a
// seeded percentile bootstrap for the confidence interval of the relative
// change, and an exact (ties-aware) one-sided Mann-Whitney test.

import { seededRandom } from '../util/random.js';

export { seededRandom };

/** Linear-interpolated quantile (type 7, as numpy and DuckDB quantile_cont). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const xs = [...values].sort((a, b) => a - b);
  return quantileSorted(xs, q);
}

export function quantileSorted(xs: readonly number[], q: number): number {
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  // Equal neighbours (also ±Infinity, where the interpolation would give NaN).
  if (xs[lo] === xs[hi]) return xs[lo];
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/**
 * Relative change from `base` to `cand` (0.1 = +10 %). A zero base has no
 * finite ratio: equal zeros are "no change", anything else is ±Infinity.
 */
export function relativeChange(base: number, cand: number): number {
  if (base === 0) return cand === 0 ? 0 : Math.sign(cand) * Infinity;
  return (cand - base) / Math.abs(base);
}

export interface BootstrapResult {
  /** Relative change of the medians (point estimate). */
  point: number;
  /** Percentile confidence interval of the relative change of the medians. */
  low: number;
  high: number;
}

/**
 * Percentile bootstrap CI of the relative change of medians: resample each side
 * with replacement, `iterations` times, with a fixed seed.
 */
export function bootstrapMedianChange(
  base: readonly number[],
  cand: readonly number[],
  opts: { confidence: number; iterations?: number; seed?: number },
): BootstrapResult {
  const iterations = opts.iterations ?? 4000;
  const rand = seededRandom(opts.seed ?? 0x5eed);
  const point = relativeChange(median(base), median(cand));
  const changes = new Float64Array(iterations);
  const bs = new Array<number>(base.length);
  const cs = new Array<number>(cand.length);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < base.length; j++) bs[j] = base[Math.floor(rand() * base.length)];
    for (let j = 0; j < cand.length; j++) cs[j] = cand[Math.floor(rand() * cand.length)];
    changes[i] = relativeChange(median(bs), median(cs));
  }
  changes.sort();
  const tail = (1 - opts.confidence) / 2;
  const sorted = Array.from(changes);
  return { point, low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}

/** Midranks of the pooled sample (ties share the mean of their ranks). */
function midranks(pooled: readonly number[]): number[] {
  const order = pooled.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(pooled.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

export interface MannWhitneyResult {
  /** U statistic of `cand` (number of pairs cand > base, ties count 1/2). */
  u: number;
  /** One-sided p-value for "cand tends to be greater than base". */
  pGreater: number;
  /** One-sided p-value for "cand tends to be less than base". */
  pLess: number;
  /** Cliff's delta in [-1, 1]: P(cand > base) - P(cand < base). */
  cliffsDelta: number;
  exact: boolean;
}

/**
 * Mann-Whitney U with exact one-sided p-values from the permutation
 * distribution of the rank sum (a DP over doubled midranks, so ties are exact).
 * Falls back to the normal approximation with tie correction for large samples.
 */
export function mannWhitney(base: readonly number[], cand: readonly number[]): MannWhitneyResult {
  const n1 = base.length;
  const n2 = cand.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitney needs at least one value per side');
  const ranks = midranks([...base, ...cand]);
  const r2 = ranks.slice(n1);
  const rankSum = r2.reduce((a, b) => a + b, 0);
  const u = rankSum - (n2 * (n2 + 1)) / 2;
  const cliffsDelta = (2 * u) / (n1 * n2) - 1;
  const n = n1 + n2;
  if (n <= 200) {
    // count[k][s]: subsets of size k whose doubled rank sum is s.
    const doubled = ranks.map((r) => Math.round(r * 2));
    const maxSum = doubled.reduce((a, b) => a + b, 0);
    let count: Float64Array[] = Array.from({ length: n2 + 1 }, () => new Float64Array(maxSum + 1));
    count[0][0] = 1;
    for (const w of doubled) {
      for (let k = Math.min(n2, n); k >= 1; k--) {
        const to = count[k];
        const from = count[k - 1];
        for (let s = maxSum; s >= w; s--) if (from[s - w] !== 0) to[s] += from[s - w];
      }
    }
    const dist = count[n2];
    const obs = Math.round(rankSum * 2);
    let total = 0;
    let ge = 0;
    let le = 0;
    for (let s = 0; s <= maxSum; s++) {
      const c = dist[s];
      if (c === 0) continue;
      total += c;
      if (s >= obs) ge += c;
      if (s <= obs) le += c;
    }
    count = [];
    return { u, pGreater: ge / total, pLess: le / total, cliffsDelta, exact: true };
  }
  // Normal approximation with tie correction and continuity correction.
  const mean = (n1 * n2) / 2;
  const tieCounts = new Map<number, number>();
  for (const r of ranks) tieCounts.set(r, (tieCounts.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of tieCounts.values()) tieTerm += t * t * t - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, pGreater: 1, pLess: 1, cliffsDelta, exact: false };
  const sd = Math.sqrt(variance);
  return {
    u,
    pGreater: 1 - normalCdf((u - mean - 0.5) / sd),
    pLess: normalCdf((u - mean + 0.5) / sd),
    cliffsDelta,
    exact: false,
  };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
