// Findings from `analyzeTrace` (src/analyze) shaped for the page: the evidence time
// range relative to the trace start and the lanes (threads, streams) it concerns.
import { findingTime, siteLabel } from '../analyze/finding.js';
import type { PageFinding } from './payload.js';

/** The parts of src/analyze's Finding the page uses (kept structural so the report does not break when it grows). */
export interface FindingLike {
  rule: string;
  kind?: string;
  severity: string;
  message: string;
  ts_ns: number;
  /** seconds since the trace's first record (the CLI's `t=`); computed from ts_ns when absent */
  t_s?: number;
  fix?: string;
  count?: number;
  threads?: { tid: number; name: string | null }[];
  streams?: string[];
  evidence?: { id: number; ts_ns: number; tid: number; kind: string; role: string; site: number }[];
  sites?: { site: number; symbol: string | null; module: string | null; offset: number | null }[];
}

export interface LaneResolver {
  originNs: number;
  spanNs: number;
  threadLane(tid: string): number | undefined;
  /** stream handle as `0x…` hex */
  streamLane(hex: string): number | undefined;
}

/** The page keeps the first this-many findings (the list is for reading, not for millions). */
export const MAX_PAGE_FINDINGS = 2000;

export function findingsForPage(findings: FindingLike[], r: LaneResolver): PageFinding[] {
  const rel = (ns: number) => Math.min(r.spanNs, Math.max(0, ns - r.originNs));
  return findings.slice(0, MAX_PAGE_FINDINGS).map((f) => {
    const ev = f.evidence ?? [];
    const times = [f.ts_ns, ...ev.map((e) => e.ts_ns)].filter((t) => Number.isFinite(t));
    const t0 = rel(Math.min(...times));
    const t1 = rel(Math.max(...times));
    const lanes = new Set<number>();
    for (const s of f.streams ?? []) {
      const l = r.streamLane(s);
      if (l !== undefined) lanes.add(l);
    }
    for (const t of f.threads ?? []) {
      const l = r.threadLane(String(t.tid));
      if (l !== undefined) lanes.add(l);
    }
    for (const e of ev) {
      const l = r.threadLane(String(e.tid));
      if (l !== undefined) lanes.add(l);
    }
    // The CLI's formatter: a site reads the same in `analyze` and on the page.
    const sites = (f.sites ?? []).map((s) => siteLabel(s));
    const tS = f.t_s ?? Math.round((f.ts_ns - r.originNs) / 1e3) / 1e6;
    const count = f.count && f.count > 1 ? ` (×${f.count})` : '';
    return {
      severity: f.severity,
      detector: f.kind ? `${f.rule} / ${f.kind}` : f.rule,
      title: `${f.rule}${count}: ${f.message.split('\n')[0].slice(0, 160)}`,
      message: f.message,
      fix: f.fix ?? '',
      sites,
      when: findingTime(tS),
      evidence: ev.map(
        (e) => `#${e.id} ${e.role}: ${e.kind}, thread ${e.tid}, ${findingTime(Math.round((e.ts_ns - r.originNs) / 1e3) / 1e6)}`,
      ),
      t0,
      t1,
      lanes: [...lanes].sort((a, b) => a - b),
    };
  });
}
