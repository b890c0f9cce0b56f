// False-positive rate of the gate on unchanged runs: every way of splitting a
// set of unchanged runs into two groups is an A/A comparison whose correct
// verdict is "pass".
import type { TraceMetrics } from '../metrics/types.js';
import { compareRuns, type DiffOptions } from './compare.js';

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

/** Run the gate on every split of `runs` into groups of `k` and `n - k`. */
export function aaFalsePositives(runs: TraceMetrics[], k: number, options: Partial<DiffOptions> = {}): AaResult {
  const all = splits(runs.length, k);
  let failures = 0;
  const failingMetrics: Record<string, number> = {};
  for (const a of all) {
    const inA = new Set(a);
    const report = compareRuns(
      runs.filter((_, i) => inA.has(i)),
      runs.filter((_, i) => !inA.has(i)),
      options,
    );
    if (report.verdict === 'fail') failures++;
    for (const m of report.regressions) failingMetrics[m.key] = (failingMetrics[m.key] ?? 0) + 1;
    for (const r of report.new_error_rules) failingMetrics[`new:${r.rule}`] = (failingMetrics[`new:${r.rule}`] ?? 0) + 1;
  }
  return { splits: all.length, failures, rate: all.length ? failures / all.length : 0, failingMetrics };
}
