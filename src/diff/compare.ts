// The regression verdict. A metric regresses only when its median moved in the
// worse direction by more than the threshold AND the move is confident: the
// bootstrap CI of the relative change lies entirely beyond the threshold and the
// one-sided Mann-Whitney test rejects "no shift" at 1 - confidence. With fewer
// than `minRuns` runs on a side there is no confidence to be had, and the
// verdict falls back to the threshold alone (and says so).
import { flattenMetrics, MINOR_KERNEL_PCT, type Direction, type MetricDef, type Unit } from '../metrics/catalog.js';
import type { TraceMetrics } from '../metrics/types.js';
import { bootstrapMedianChange, mannWhitney, median, relativeChange } from './stats.js';

export interface DiffOptions {
  /** Relative change that matters, as a fraction (0.05 = 5 %). */
  threshold: number;
  /** Confidence level of the CI and the test (0.95). */
  confidence: number;
  seed: number;
  iterations: number;
  /** Fewer runs than this on either side: threshold-only verdicts. */
  minRuns: number;
  /** Changes of ns metrics smaller than this are noise whatever their ratio. */
  minAbsNs: number;
}

export const DEFAULT_DIFF_OPTIONS: DiffOptions = {
  threshold: 0.05,
  confidence: 0.95,
  seed: 7,
  iterations: 4000,
  minRuns: 3,
  minAbsNs: 1000,
};

export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive' | 'changed' | 'only_in_baseline' | 'only_in_candidate';

export interface SideSummary {
  n: number;
  median: number | null;
  values: number[];
}

export interface MetricComparison {
  key: string;
  unit: Unit;
  direction: Direction;
  baseline: SideSummary;
  candidate: SideSummary;
  /** Relative change of the medians in percent; null when the baseline median is 0 and the candidate's is not. */
  change_pct: number | null;
  ci_low_pct: number | null;
  ci_high_pct: number | null;
  /** One-sided Mann-Whitney p-value in the direction of the change. */
  p_value: number | null;
  /** Cliff's delta of candidate vs baseline, in [-1, 1]. */
  effect_size: number | null;
  /** Whether the sample sizes allowed a confidence statement. */
  confidence_available: boolean;
  verdict: Verdict;
  note?: string;
}

/** Percent for display/JSON: non-finite values become null. */
const pct = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1e5) / 1e3 : null);

/** Compare one metric's samples; the core of the gate, independent of traces. */
export function compareSamples(
  key: string,
  def: Pick<MetricDef, 'unit' | 'direction'>,
  base: number[],
  cand: number[],
  options: Partial<DiffOptions> = {},
): MetricComparison {
  const o = { ...DEFAULT_DIFF_OPTIONS, ...options };
  const mb = base.length ? median(base) : null;
  const mc = cand.length ? median(cand) : null;
  const result: MetricComparison = {
    key,
    unit: def.unit,
    direction: def.direction,
    baseline: { n: base.length, median: mb, values: base },
    candidate: { n: cand.length, median: mc, values: cand },
    change_pct: null,
    ci_low_pct: null,
    ci_high_pct: null,
    p_value: null,
    effect_size: null,
    confidence_available: false,
    verdict: 'unchanged',
  };
  if (mb === null || mc === null) {
    result.verdict = mb === null ? 'only_in_candidate' : 'only_in_baseline';
    return result;
  }
  const change = relativeChange(mb, mc);
  result.change_pct = pct(change);
  if (!Number.isFinite(change)) result.note = 'baseline median is 0';
  // +1: worse when the change is positive; -1: worse when negative; 0: no direction.
  const sign = def.direction === 'higher_is_worse' ? 1 : def.direction === 'lower_is_worse' ? -1 : 0;
  const beyond = Math.abs(change) > o.threshold;
  const belowFloor = def.unit === 'ns' && Math.abs(mc - mb) < o.minAbsNs;

  const confident = base.length >= o.minRuns && cand.length >= o.minRuns;
  result.confidence_available = confident;
  let ciLow = change;
  let ciHigh = change;
  let pUp = NaN;
  let pDown = NaN;
  if (confident) {
    const ci = bootstrapMedianChange(base, cand, { confidence: o.confidence, iterations: o.iterations, seed: o.seed });
    const mw = mannWhitney(base, cand);
    ciLow = ci.low;
    ciHigh = ci.high;
    pUp = mw.pGreater;
    pDown = mw.pLess;
    result.ci_low_pct = pct(ci.low);
    result.ci_high_pct = pct(ci.high);
    result.p_value = change >= 0 ? mw.pGreater : mw.pLess;
    result.effect_size = Math.round(mw.cliffsDelta * 1000) / 1000;
  }

  if (!beyond || belowFloor) {
    result.verdict = 'unchanged';
    if (beyond && belowFloor) result.note = `change below the ${o.minAbsNs} ns noise floor`;
    return result;
  }
  if (sign === 0) {
    result.verdict = 'changed';
    return result;
  }
  const worse = sign * change > 0;
  if (!confident) {
    result.verdict = worse ? 'regressed' : 'improved';
    result.note = `insufficient runs for confidence (need ${o.minRuns} per side): threshold only`;
    return result;
  }
  const alpha = 1 - o.confidence;
  // The CI bound nearest to zero, expressed as a move in the change's direction.
  const nearBound = change > 0 ? ciLow : -ciHigh;
  const p = change > 0 ? pUp : pDown;
  // (1e-12: with 3 runs per side the smallest exact p is 1/20, exactly the 0.05 of a 95 % gate.)
  if (nearBound > o.threshold && p <= alpha + 1e-12) {
    result.verdict = worse ? 'regressed' : 'improved';
  } else {
    result.verdict = 'inconclusive';
    result.note =
      nearBound <= o.threshold
        ? `CI reaches ${pct(change > 0 ? ciLow : ciHigh)}%: not confidently beyond ±${o.threshold * 100}%`
        : `p=${p.toFixed(3)} > ${alpha.toFixed(3)}`;
  }
  return result;
}

export interface RuleChange {
  rule: string;
  severity: string;
  baseline_runs_with: number;
  candidate_runs_with: number;
  candidate_count: number;
}

export interface DiffReport {
  verdict: 'pass' | 'fail';
  baseline_runs: number;
  candidate_runs: number;
  options: DiffOptions;
  regressions: MetricComparison[];
  improvements: MetricComparison[];
  comparisons: MetricComparison[];
  new_error_rules: RuleChange[];
  notes: string[];
}

/** Compare two sets of runs metric by metric, plus new error-severity findings. */
export function compareRuns(baseline: TraceMetrics[], candidate: TraceMetrics[], options: Partial<DiffOptions> = {}): DiffReport {
  const o = { ...DEFAULT_DIFF_OPTIONS, ...options };
  const collect = (runs: TraceMetrics[]) => runs.map((m) => new Map(flattenMetrics(m).map((f) => [f.key, f])));
  const b = collect(baseline);
  const c = collect(candidate);
  const defs = new Map<string, MetricDef>();
  for (const side of [b, c]) for (const run of side) for (const f of run.values()) defs.set(f.key, f.def);

  const samples = (runs: Map<string, { value: number }>[], key: string, def: MetricDef) =>
    runs.flatMap((r) => {
      const v = r.get(key)?.value;
      return v !== undefined ? [v] : def.zeroWhenAbsent ? [0] : [];
    });
  const comparisons = [...defs.entries()]
    .sort(([a], [z]) => (a < z ? -1 : a > z ? 1 : 0))
    .map(([key, def]) => compareSamples(key, def, samples(b, key, def), samples(c, key, def), o));

  // A minor kernel's duration is shown but does not gate (see MINOR_KERNEL_PCT).
  const byKey = new Map(comparisons.map((m) => [m.key, m]));
  for (const m of comparisons) {
    const k = /^(kernel\..*)\.p50_ns$/.exec(m.key);
    if (!k || (m.verdict !== 'regressed' && m.verdict !== 'inconclusive')) continue;
    const share = byKey.get(`${k[1]}.share_pct`)?.baseline.median ?? 0;
    if (share < MINOR_KERNEL_PCT) {
      m.verdict = 'changed';
      m.note = `minor kernel (${share.toFixed(2)} % of the baseline's GPU time < ${MINOR_KERNEL_PCT} %): shown, not gated`;
    }
  }

  const notes: string[] = [];
  if (baseline.length < o.minRuns || candidate.length < o.minRuns) {
    notes.push(
      `insufficient runs for confidence: ${baseline.length} baseline and ${candidate.length} candidate run(s); ` +
        `verdicts use the threshold only (record at least ${o.minRuns} runs per side for a noise-aware gate)`,
    );
  }
  const newErrors = newErrorRules(baseline, candidate, notes);
  const regressions = comparisons.filter((m) => m.verdict === 'regressed');
  return {
    verdict: regressions.length > 0 || newErrors.length > 0 ? 'fail' : 'pass',
    baseline_runs: baseline.length,
    candidate_runs: candidate.length,
    options: o,
    regressions,
    improvements: comparisons.filter((m) => m.verdict === 'improved'),
    comparisons,
    new_error_rules: newErrors,
    notes,
  };
}

/** Error-severity rules found in some candidate run and in no baseline run. */
function newErrorRules(baseline: TraceMetrics[], candidate: TraceMetrics[], notes: string[]): RuleChange[] {
  if (baseline.some((m) => !m.findings.available) || candidate.some((m) => !m.findings.available)) {
    notes.push('findings were not available for every run: new error findings were not compared');
    return [];
  }
  const runsWith = (runs: TraceMetrics[], rule: string) => runs.filter((m) => (m.findings.by_rule[rule]?.count ?? 0) > 0).length;
  const rules = new Map<string, string>();
  for (const m of candidate) {
    for (const [rule, r] of Object.entries(m.findings.by_rule)) if (r.severity === 'error' && r.count > 0) rules.set(rule, r.severity);
  }
  const out: RuleChange[] = [];
  for (const [rule, severity] of [...rules.entries()].sort()) {
    if (runsWith(baseline, rule) > 0) continue;
    out.push({
      rule,
      severity,
      baseline_runs_with: 0,
      candidate_runs_with: runsWith(candidate, rule),
      candidate_count: candidate.reduce((a, m) => a + (m.findings.by_rule[rule]?.count ?? 0), 0),
    });
  }
  return out;
}
