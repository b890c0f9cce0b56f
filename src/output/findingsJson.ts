/**
 * The versioned JSON document of `mpstrace analyze --json` (docs/findings-schema.md).
 * Bump FINDINGS_SCHEMA_VERSION when a field changes meaning or disappears;
 * adding a field is compatible.
 */
import { VERSION } from '../version.js';
import type { Detector } from '../detectors/registry.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../analyze/finding.js';
import { incompleteMessage, type DetectorFailure } from '../analyze/analyzeTrace.js';

export const FINDINGS_SCHEMA_VERSION = 1;

export interface TraceRef {
  path: string;
  /** trace_meta key/values (backend, pid, recorder, synthetic, ...). */
  meta: Record<string, string>;
  /** Loader warnings (torn records, bad checks) with byte offsets. */
  warnings: { code: string; message: string; offset?: number }[];
}

export interface Summary {
  /** Grouped findings per severity. */
  findings: Record<Severity, number>;
  /** Occurrences (sum of counts) per severity. */
  occurrences: Record<Severity, number>;
  /** Occurrences per rule, for every rule that ran (0 when clean). */
  by_rule: Record<string, number>;
  rules_run: string[];
  /** Rules that failed (e.g. DuckDB out of memory): not in rules_run/by_rule, their findings are missing. */
  rules_failed: string[];
}

export interface FindingsReport {
  schema_version: number;
  tool: { name: 'mpstrace'; version: string };
  trace: TraceRef;
  findings: Finding[];
  summary: Summary;
  /**
   * Present only when the trace lacks GPU completions for some submissions (CUDA
   * `--completions sampled` or `off`, MPSTRACE_CUPTI=0): per rule that ran and
   * needs them, what it cannot see in this trace.
   */
  limits?: Limit[];
  /**
   * Present only when detectors failed: which, why, and what to do. The findings
   * are then those of the other rules; the command exits 3.
   */
  incomplete?: { failed: DetectorFailure[]; message: string };
}

export interface Limit {
  rule: string;
  /** how this trace recorded GPU completions: sampled, or none */
  completions: 'sampled' | 'none';
  message: string;
}

/** The rules' limits in a CUDA trace without a GPU completion for every submission (none for other traces). */
export function completionLimits(meta: Record<string, string>, detectors: Detector[]): Limit[] {
  if (meta.backend !== 'cuda') return [];
  const completions = meta.completions_sampled === 'true' ? 'sampled' : meta.cupti_completions === 'true' ? null : 'none';
  if (!completions) return [];
  const how =
    completions === 'sampled'
      ? 'this trace has GPU completions only for work submitted inside sampling windows (--completions sampled)'
      : `this trace has no GPU completions (${meta.driver_api_covered === 'true' ? '--completions off' : 'MPSTRACE_CUPTI=0, or CUPTI was unavailable'})`;
  return detectors
    .filter((d) => d.withoutCompletions)
    .map((d) => ({ rule: d.id, completions, message: `${how}: ${d.withoutCompletions}` }));
}

export function summarize(findings: Finding[], rulesRun: string[], rulesFailed: string[] = []): Summary {
  const zero = (): Record<Severity, number> => ({ error: 0, warning: 0, info: 0 });
  const s: Summary = { findings: zero(), occurrences: zero(), by_rule: {}, rules_run: [...rulesRun], rules_failed: [...rulesFailed] };
  for (const r of rulesRun) s.by_rule[r] = 0;
  for (const f of findings) {
    s.findings[f.severity] += 1;
    s.occurrences[f.severity] += f.count;
    s.by_rule[f.rule] = (s.by_rule[f.rule] ?? 0) + f.count;
  }
  return s;
}

export function buildReport(trace: TraceRef, findings: Finding[], detectors: Detector[], failed: DetectorFailure[] = []): FindingsReport {
  const failedIds = new Set(failed.map((f) => f.rule));
  const rules = detectors.map((d) => d.id);
  const limits = completionLimits(
    trace.meta,
    detectors.filter((d) => !failedIds.has(d.id)),
  );
  return {
    schema_version: FINDINGS_SCHEMA_VERSION,
    tool: { name: 'mpstrace', version: VERSION },
    trace,
    findings,
    summary: summarize(
      findings,
      rules.filter((r) => !failedIds.has(r)),
      rules.filter((r) => failedIds.has(r)),
    ),
    ...(limits.length > 0 ? { limits } : {}),
    ...(failed.length > 0 ? { incomplete: { failed, message: incompleteMessage({ failed, rules }) } } : {}),
  };
}

/** True when a finding at or above `level` exists (`--fail-on`). */
export function failsAt(findings: Finding[], level: Severity): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
}
