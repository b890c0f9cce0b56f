// Findings counts by rule for the metrics, from the session's shared analysis.
// When the analysis fails, the metrics still come out and say why.
import type { Finding } from '../analyze/finding.js';
import type { FindingsMetrics } from './types.js';
import { IncompleteAnalysisError } from '../analyze/analyzeTrace.js';

type CountedFinding = Pick<Finding, 'rule' | 'severity'> & { count?: number };

export async function countFindings(findings: () => Promise<CountedFinding[]>): Promise<FindingsMetrics> {
  try {
    return summarizeFindings(await findings());
  } catch (err) {
    // some detectors failed: the others' counts are kept, the note names the failed ones (the command exits 3)
    if (err instanceof IncompleteAnalysisError)
      return {
        ...summarizeFindings(err.analysis.findings),
        available: false,
        failed_rules: err.analysis.failed.map((f) => f.rule),
        note: err.message,
      };
    return { available: false, errors: 0, warnings: 0, by_rule: {}, note: `analyzer failed: ${(err as Error).message}` };
  }
}

/** Occurrences per rule (grouped findings carry a count) and per severity. */
export function summarizeFindings(findings: CountedFinding[]): FindingsMetrics {
  const out: FindingsMetrics = { available: true, errors: 0, warnings: 0, by_rule: {} };
  for (const f of findings) {
    const n = typeof f.count === 'number' && f.count > 0 ? f.count : 1;
    const r = (out.by_rule[f.rule] ??= { severity: f.severity, count: 0 });
    r.count += n;
    // A rule can emit several severities; keep the most severe.
    if (f.severity === 'error') r.severity = 'error';
    else if (f.severity === 'warning' && r.severity !== 'error') r.severity = 'warning';
    if (f.severity === 'error') out.errors += n;
    else if (f.severity === 'warning') out.warnings += n;
  }
  return out;
}
