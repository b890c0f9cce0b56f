// Option parsers shared by `metrics` and `diff` (both measure traces).
import type { Command } from 'commander';
import { UserError } from '../util/errors.js';
import type { MetricsOptions } from './types.js';

export function nonNegative(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`--${flag} takes a non-negative number, got '${v}'`);
    return n;
  };
}

/** Adds the options that steer how a trace is measured. */
export function addMeasureOptions(cmd: Command): Command {
  return cmd
    .option('--step-range <name>', 'range (range_push name) that marks one step (default: the most frequent range, else device-wide syncs)')
    .option(
      '--idle-gap-step-pct <pct>',
      'a GPU idle gap counts when longer than this % of the median step',
      nonNegative('idle-gap-step-pct'),
      5,
    )
    .option(
      '--idle-gap-min-ns <ns>',
      'and longer than this many ns (also the threshold when no step is found)',
      nonNegative('idle-gap-min-ns'),
      50_000,
    )
    .option('--no-findings', 'skip the analyzer (findings counts by rule)');
}

export interface MeasureCliOptions {
  stepRange?: string;
  idleGapStepPct: number;
  idleGapMinNs: number;
  findings: boolean;
}

export function measureOptions(o: MeasureCliOptions): Partial<MetricsOptions> {
  return { stepRange: o.stepRange, idleGapStepPct: o.idleGapStepPct, idleGapMinNs: o.idleGapMinNs, findings: o.findings };
}
