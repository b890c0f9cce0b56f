/**
 * Groups findings with the same signature (rule + sub-case + call sites) into
 * one finding with a count, so a bug hit in a loop reads as one line "x1000".
 * The first occurrence keeps its message and evidence; threads and streams
 * are the union over the group, and declared sums (e.g. bytes) add up.
 */
import type { Finding } from './finding.js';

/** Threads/streams listed per grouped finding at most (the count says how many occurrences). */
const MAX_LISTED = 32;

export function groupFindings(findings: Finding[], sums: Map<string, string[]> = new Map()): Finding[] {
  const groups = new Map<string, Finding>();
  const ordered = [...findings].sort((a, b) => a.ts_ns - b.ts_ns || (a.evidence[0]?.id ?? 0) - (b.evidence[0]?.id ?? 0));
  for (const f of ordered) {
    const key = `${f.signature}#${f.severity}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { ...f, threads: [...f.threads], streams: [...f.streams], details: { ...f.details } });
      continue;
    }
    g.count += f.count;
    g.last_ts_ns = Math.max(g.last_ts_ns, f.last_ts_ns);
    for (const t of f.threads) if (g.threads.length < MAX_LISTED && !g.threads.some((x) => x.tid === t.tid)) g.threads.push(t);
    for (const s of f.streams) if (g.streams.length < MAX_LISTED && !g.streams.includes(s)) g.streams.push(s);
    for (const col of sums.get(f.rule) ?? []) {
      const a = g.details[col];
      const b = f.details[col];
      if (typeof a === 'number' && typeof b === 'number') g.details[col] = a + b;
    }
  }
  return [...groups.values()];
}
