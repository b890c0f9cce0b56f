/**
 * The finding model shared by the CLI outputs, the HTML report and the metrics.
 * Its JSON form is versioned: docs/findings-schema.md documents every field.
 */
import type { Severity } from '../detectors/defineDetector.js';

export type { Severity };

/** One trace record that shows the problem. */
export interface Evidence {
  /** Record id (`raw_events.id`, file order). */
  id: number;
  /** ns on the trace clock. */
  ts_ns: number;
  tid: number;
  /** Record kind name, e.g. `sync_begin`. */
  kind: string;
  /** What the record is in this finding, e.g. `sync-begin`, `late-submit`. */
  role: string;
  /** Call-site id, 0 when unknown. */
  site: number;
}

/** A symbolized call site (from `callsite` records). */
export interface CallSite {
  site: number;
  symbol: string | null;
  module: string | null;
  /** Hex address. */
  addr: string | null;
  offset: number | null;
}

export interface ThreadRef {
  tid: number;
  name: string | null;
}

export interface Finding {
  rule: string;
  /** Sub-case of the rule, e.g. `late-completion`. */
  kind: string;
  severity: Severity;
  message: string;
  /** First occurrence, ns on the trace clock. */
  ts_ns: number;
  /** First occurrence, seconds since the trace's first record. */
  t_s: number;
  threads: ThreadRef[];
  /** Stream handles as hex strings. */
  streams: string[];
  /** Evidence of the first occurrence. */
  evidence: Evidence[];
  /** Distinct call sites of the evidence, in evidence order. */
  sites: CallSite[];
  fix: string;
  /** Occurrences grouped under this signature (>= 1). */
  count: number;
  /** Last occurrence, ns on the trace clock. */
  last_ts_ns: number;
  /** rule/kind/call-site symbols: stable across runs of the same program. */
  signature: string;
  /** Rule-specific values (durations in ns, handles as hex strings). */
  details: Record<string, unknown>;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 2, warning: 1, info: 0 };

/**
 * A call site's name for people and signatures: the symbol, or (unsymbolized)
 * `module+0xoffset`, which stays the same across runs where addresses do not.
 */
export function siteName(s: CallSite): string {
  if (s.symbol) return s.symbol;
  const mod = s.module ? s.module.split('/').pop() : null;
  if (mod && s.offset !== null) return `${mod}+0x${s.offset.toString(16)}`;
  return s.addr ?? `site ${s.site}`;
}
