// Findings counts by rule for the metrics. The analyzer lives in src/analyze;
// it is imported lazily so metrics still work (and say why) when it fails.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FindingsMetrics } from './types.js';

interface FindingLike {
  rule: string;
  severity: string;
  count?: number;
}

type AnalyzeFn = (trace: { connection: DuckDBConnection }) => Promise<FindingLike[]>;

const ANALYZE_MODULE = '../analyze/analyzeTrace.js';

export async function countFindings(connection: DuckDBConnection): Promise<FindingsMetrics> {
  let analyze: AnalyzeFn;
  try {
    const mod = (await import(ANALYZE_MODULE)) as { analyzeTrace?: AnalyzeFn };
    if (typeof mod.analyzeTrace !== 'function') throw new Error('analyzeTrace is not exported');
    analyze = mod.analyzeTrace;
  } catch (err) {
    return { available: false, errors: 0, warnings: 0, by_rule: {}, note: `analyzer unavailable: ${(err as Error).message}` };
  }
  try {
    return summarizeFindings(await analyze({ connection }));
  } catch (err) {
    return { available: false, errors: 0, warnings: 0, by_rule: {}, note: `analyzer failed: ${(err as Error).message}` };
  }
}

/** Occurrences per rule (grouped findings carry a count) and per severity. */
export function summarizeFindings(findings: FindingLike[]): FindingsMetrics {
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
