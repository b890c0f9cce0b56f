/**
 * The contract of one detector (one folder `src/detectors/<id>/`): `query.sql`
 * finds raw findings in the DuckDB views; `index.ts` names the rule, declares
 * its thresholds (with units) and shapes each SQL row into a finding. Analysis
 * logic lives in the SQL; the TS module only names and words things.
 */
import { toHandle } from '../ingest/db.js';
export type Severity = 'error' | 'warning' | 'info';

/** A named, unit-carrying threshold; becomes a CLI option and a SQL parameter. */
export interface ThresholdDef {
  /** camelCase name, e.g. `hangThresholdMs`; the CLI option is its kebab-case form. */
  name: string;
  /** Unit of the value the user gives (`ms`, `us`, `ns`, `x`, `count`). */
  unit: 'ns' | 'us' | 'ms' | 's' | 'x' | 'count';
  default: number;
  doc: string;
  /**
   * Name of the SQL parameter (`$name` in query.sql). The value reaches SQL
   * converted to nanoseconds for time units, unchanged otherwise.
   */
  sqlParam: string;
}

/**
 * One row of a detector's query.sql, as the shaper sees it. Required columns:
 * `kind` (sub-case), `ts` (ns, when it happened), `tids` (BIGINT[]),
 * `streams` (BIGINT[]), `evidence` (STRUCT(id BIGINT, role VARCHAR)[]);
 * optional `severity` overrides the rule's default. All other columns are
 * passed through to `message()` and into the finding's `details`.
 */
export interface RawFinding {
  kind: string;
  ts: bigint | null;
  tids: (bigint | null)[] | null;
  streams: (bigint | null)[] | null;
  evidence: { id: bigint; role: string }[] | null;
  severity?: string | null;
  [column: string]: unknown;
}

/** What a sub-case says: its one-line message (from the row) and how to fix it. */
export interface SubCase {
  severity?: Severity;
  message: (row: RawFinding) => string;
  fix: string;
}

export interface DetectorDef {
  /** Rule id, equal to the folder name; part of the CLI/JSON/SARIF interface. */
  id: string;
  title: string;
  /** Default severity of the rule's findings (a sub-case or the row may override). */
  severity: Severity;
  /** One paragraph: what the rule finds and why it matters. */
  doc: string;
  /** Which audit finding this rule covers (docs and SARIF help). */
  audit?: string;
  thresholds?: ThresholdDef[];
  /** Sub-case (`kind` column) -> wording and fix. */
  cases: Record<string, SubCase>;
  /**
   * What the rule cannot see when the trace lacks a GPU completion for some
   * submissions (CUDA `--completions sampled` or `off`, MPSTRACE_CUPTI=0):
   * `analyze` prints it beside the findings of such a trace (JSON `limits`).
   */
  withoutCompletions?: string;
  /** Numeric `details` columns that add up when findings are grouped (e.g. `bytes`). */
  sumOnGroup?: string[];
  /**
   * Optional streaming pass, for rules that need state carried along the
   * ordered records (e.g. vector clocks) rather than a set-based query. When
   * present, query.sql does not return findings: it returns the records the
   * pass reads, in the order it must see them, and the pass returns the raw
   * findings. Rows arrive in batches (never the whole result at once).
   */
  pass?: DetectorPass;
}

/** One batch of query.sql rows, column-major: `columns[c][r]` is row r of column `names[c]`. */
export interface PassBatch {
  names: string[];
  columns: unknown[][];
  rowCount: number;
}

export interface PassContext {
  /** Threshold values as SQL would get them (time units in ns). */
  params: Record<string, number>;
  /** Findings grouped by signature (the default) or one row per occurrence (--no-group). */
  grouped: boolean;
  /** Runs a read-only query on the trace (to resolve names of what the findings show). */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * A streaming pass: reads the batches in order, keeps compact state, returns raw
 * findings. Grouped rows may carry `_k` (1 for the row that stands for the
 * group), `_count` and `_last_ts`, as the SQL path's grouped rows do.
 */
export type DetectorPass = (batches: AsyncIterable<PassBatch>, ctx: PassContext) => Promise<RawFinding[]>;

/** Identity helper that type-checks a detector module's default export. */
export function defineDetector<T extends DetectorDef>(def: T): T {
  return def;
}

/** Formats a duration in ns for messages: `1.50 ms`, `2.3 s`. */
export function fmtNs(ns: unknown): string {
  const v = Number(ns);
  if (!Number.isFinite(v)) return '?';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(a >= 1e10 ? 1 : 2)} s`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)} us`;
  return `${v} ns`;
}

/** A stream/event handle as the user sees it in messages: `0x7f3a...`. */
export function fmtHandle(h: unknown): string {
  return h === null || h === undefined ? '?' : toHandle(h);
}

/** Formats a list of handles: `0x1, 0x2`. */
export function fmtHandles(hs: unknown): string {
  return Array.isArray(hs) && hs.length > 0 ? hs.map(fmtHandle).join(', ') : 'none';
}
