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
  /** Source location, when the site was symbolized (ELF/DWARF). */
  file?: string | null;
  line?: number | null;
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

/**
 * A call site as every output prints it (text, HTML report, markdown): the
 * symbol (a Python site's symbol is already `function:line`) with the offset
 * into it, and the module's file name; an unsymbolized site is
 * `module+0xoffset`. One formatter, so a site reads the same everywhere.
 */
export function siteLabel(s: Pick<CallSite, 'symbol' | 'module' | 'offset'> & Partial<CallSite>): string {
  const mod = s.module ? s.module.split(/[\\/]/).pop() : null;
  if (!s.symbol) return siteName({ site: s.site ?? 0, symbol: null, module: s.module, addr: s.addr ?? null, offset: s.offset });
  if (s.file) return `${s.symbol} (${s.file.split(/[\\/]/).pop()}${s.line ? `:${s.line}` : ''})`;
  const off = s.offset ? `+0x${s.offset.toString(16)}` : '';
  return mod ? `${s.symbol}${off} (${mod})` : `${s.symbol}${off}`;
}

/** A finding's time as the CLI prints it: seconds since the trace's first record, µs precision. */
export function findingTime(t_s: number): string {
  return `t=${t_s.toFixed(6)}s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The findings count as the CLI's last line and the report's header say it:
 * errors and warnings (grouped), their occurrences, then the context notes
 * (info), which are not problems.
 */
export function findingsCount(findings: Pick<Finding, 'severity' | 'count'>[]): string {
  const n = { error: 0, warning: 0, info: 0 };
  let occ = 0;
  for (const f of findings) {
    n[f.severity] += 1;
    if (f.severity !== 'info') occ += f.count ?? 1;
  }
  const head =
    n.error + n.warning === 0
      ? 'no problems found'
      : `${plural(n.error, 'error')}, ${plural(n.warning, 'warning')} (${plural(occ, 'occurrence')})`;
  return n.info ? `${head}; ${plural(n.info, 'context note')}` : head;
}
