// False-positive rate of the gate on unchanged runs: every way of splitting a
// set of unchanged runs into two groups is an A/A comparison whose correct
// verdict is "pass".
import type { TraceMetrics } from '../metrics/types.js';
import { compareRuns, type DiffOptions } from './compare.js';
import { seededRandom } from './stats.js';

/** All k-subsets of 0..n-1, each unordered split {A, B} once (A holds index 0 when |A| = |B|). */
export function splits(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, acc: number[]) => {
    if (acc.length === k) {
      if (2 * k !== n || acc[0] === 0) out.push([...acc]);
      return;
    }
    for (let i = start; i < n; i++) pick(i + 1, [...acc, i]);
  };
  pick(0, []);
  return out;
}

export interface AaResult {
  splits: number;
  failures: number;
  rate: number;
  /** Metric keys that failed a split, with how many splits they failed. */
  failingMetrics: Record<string, number>;
}

/** `count` seeded draws of two disjoint groups of `k` runs each (for n much larger than 2k). */
export function sampledPairs(n: number, k: number, count: number, seed = 1): [number[], number[]][] {
  if (2 * k > n) throw new Error(`need at least ${2 * k} runs for two disjoint groups of ${k}`);
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return [idx.slice(0, k), idx.slice(k, 2 * k)];
  });
}

/** Run the gate on every split of `runs` into groups of `k` and `n - k`. */
export function aaFalsePositives(runs: TraceMetrics[], k: number, options: Partial<DiffOptions> = {}): AaResult {
  const all = splits(runs.length, k).map((a): [number[], number[]] => {
    const inA = new Set(a);
    return [a, runs.map((_, i) => i).filter((i) => !inA.has(i))];
  });
  return aaOnPairs(runs, all, options);
}

/** Run the gate on the given (baseline indices, candidate indices) pairs. */
export function aaOnPairs(runs: TraceMetrics[], pairs: [number[], number[]][], options: Partial<DiffOptions> = {}): AaResult {
  const all = pairs;
  let failures = 0;
  const failingMetrics: Record<string, number> = {};
  for (const [a, b] of pairs) {
    const report = compareRuns(
      a.map((i) => runs[i]!),
      b.map((i) => runs[i]!),
      options,
    );
    if (report.verdict === 'fail') failures++;
    for (const m of report.regressions) failingMetrics[m.key] = (failingMetrics[m.key] ?? 0) + 1;
    for (const r of report.new_error_rules) failingMetrics[`new:${r.rule}`] = (failingMetrics[`new:${r.rule}`] ?? 0) + 1;
  }
  return { splits: all.length, failures, rate: all.length ? failures / all.length : 0, failingMetrics };
}
