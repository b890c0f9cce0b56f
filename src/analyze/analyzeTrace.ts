/**
 * Runs the detectors' SQL over a loaded trace and shapes the rows into grouped
 * findings. This is the library entry point for the CLI, the HTML report and
 * the metrics: `analyzeTrace(loaded, opts) -> Finding[]`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { detectors as allDetectors, type Detector } from '../detectors/registry.js';
import type { RawFinding, Severity, ThresholdDef } from '../detectors/defineDetector.js';
import { firstLine, UserError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { SEVERITY_RANK, siteName, type CallSite, type Evidence, type Finding, type ThreadRef } from './finding.js';
import { groupFindings } from './group.js';
import { jsonValue, num, toHandle } from '../ingest/db.js';
import { ON_TIMELINE_SQL } from '../format/kinds.js';
import { memoryLimitBytes } from '../ingest/resources.js';

/** What analyzeTrace needs of a loaded trace (LoadedTrace from src/ingest/load.ts fits). */
export interface AnalyzableTrace {
  connection: DuckDBConnection;
}

export interface AnalyzeOptions {
  /** Rule ids to run; all when absent or empty. */
  rules?: string[];
  /** Detectors already resolved (selectDetectors); when given, `rules` is not looked at. */
  detectors?: Detector[];
  /** Threshold values by name (e.g. `hangThresholdMs`), in the threshold's unit. */
  thresholds?: Record<string, number>;
  /** Group findings with the same signature (default true). */
  group?: boolean;
  /** Called after each detector with its wall time (bench, --timings). */
  onTiming?: (rule: string, ms: number) => void;
  /**
   * Most rows a windowed pass query sorts at once (see runDetectorPass);
   * default from DuckDB's memory limit. Tests set it small to force windows.
   */
  passWindowRows?: number;
  /** A status line naming the detector that runs (util/progress.ts); default: MPSTRACE_PROGRESS, else stderr is a terminal. */
  progress?: boolean;
}

/** With grouping off (--no-group), at most this many occurrences per rule are listed. */
export const MAX_ROWS_PER_RULE = 20000;
const MAX_EVIDENCE_PER_FINDING = 16;

const NS_PER: Record<ThresholdDef['unit'], number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, x: 1, count: 1 };

/** Resolves `--rules` against the registry; unknown ids are a usage error naming the known ones. */
export function selectDetectors(rules?: string[]): Detector[] {
  const all = allDetectors();
  if (!rules || rules.length === 0) return all;
  const byId = new Map(all.map((d) => [d.id, d]));
  const unknown = rules.filter((r) => !byId.has(r));
  if (unknown.length > 0) {
    throw new UserError(
      `unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}; known rules: ${all.map((d) => d.id).join(', ')}`,
    );
  }
  return [...new Set(rules)].map((r) => byId.get(r)!);
}

/** SQL parameter values of one detector, converted to the SQL unit (ns for times). */
export function sqlParams(det: Detector, thresholds: Record<string, number> = {}): Record<string, number> {
  const params: Record<string, number> = {};
  for (const t of det.thresholds ?? []) {
    const v = thresholds[t.name] ?? t.default;
    if (!Number.isFinite(v) || v < 0) throw new UserError(`threshold ${t.name} must be a non-negative number (${t.unit}), got ${v}`);
    params[t.sqlParam] = v * NS_PER[t.unit];
  }
  return params;
}

interface Shaped {
  det: Detector;
  row: RawFinding;
  severity: Severity;
  message: string;
  fix: string;
  evidenceRefs: { id: bigint; role: string }[];
}

/** A detector that failed while the others ran (e.g. DuckDB out of memory); its findings are missing. */
export interface DetectorFailure {
  rule: string;
  /** First line of the error. */
  message: string;
}

/** The findings of the detectors that ran, and the detectors that failed (empty when the analysis is complete). */
export interface Analysis {
  findings: Finding[];
  failed: DetectorFailure[];
  /** Ids of the detectors asked for, in order. */
  rules: string[];
}

/**
 * What to do after detectors failed: one line naming them, with the way on
 * (more DuckDB memory, or the other rules alone). Shown by analyze, report,
 * metrics and export.
 */
export function incompleteMessage(a: Pick<Analysis, 'failed' | 'rules'>): string {
  const names = a.failed.map((f) => `'${f.rule}'`).join(', ');
  const failedIds = new Set(a.failed.map((f) => f.rule));
  const others = a.rules.filter((r) => !failedIds.has(r));
  const oom = a.failed.some((f) => /out of memory|could not allocate|failed to pin block/i.test(f.message));
  const why = a.failed.map((f) => `${f.rule}: ${f.message}`).join('; ');
  return (
    `incomplete analysis: detector${a.failed.length > 1 ? 's' : ''} ${names} failed (${why}), so ${a.failed.length > 1 ? 'their' : 'its'} findings are missing` +
    (others.length > 0 ? ` and only the other ${others.length} rule${others.length > 1 ? 's' : ''}' findings are shown` : '') +
    `; ${oom ? 'raise the DuckDB memory limit (MPSTRACE_MEMORY_LIMIT, default 1GB, e.g. MPSTRACE_MEMORY_LIMIT=4GB) and run again' : 'run again with --debug and report it'}` +
    (others.length > 0 ? `, or run \`mpstrace analyze --rules ${others.join(',')}\` for the others alone` : '')
  );
}

/** Thrown by analyzeTrace and TraceSession.findings when a detector failed; `analysis` keeps the others' findings. */
export class IncompleteAnalysisError extends Error {
  constructor(readonly analysis: Analysis) {
    super(incompleteMessage(analysis));
    this.name = 'IncompleteAnalysisError';
  }
}

/** DuckDB's errors about the database file itself (the same as describeError's). */
const FILE_TROUBLE = /\b(IO|Serialization|Corruption) Error:|Corrupt database file|Could not set lock on file|not a valid DuckDB database/i;

/**
 * Test hook: MPSTRACE_TEST_FAIL_RULES=<id,...> makes these detectors fail as
 * DuckDB does when out of memory, so the partial-analysis path can be tested on
 * any trace (test/analyze-partial.test.ts).
 */
function forcedFailure(id: string, env: NodeJS.ProcessEnv = process.env): void {
  const ids = (env.MPSTRACE_TEST_FAIL_RULES ?? '').split(',').map((r) => r.trim());
  if (ids.includes(id))
    throw new Error('Out of Memory Error: could not allocate block of size 256.0 KiB (forced by MPSTRACE_TEST_FAIL_RULES)');
}

/**
 * Runs every detector; one that fails (DuckDB out of memory, a bad query) is
 * recorded in `failed` and the others' findings are kept. Usage errors (a bad
 * threshold) still throw.
 */
export async function analyzeTraceAll(trace: AnalyzableTrace, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const conn = trace.connection;
  const detectors = opts.detectors ?? selectDetectors(opts.rules);
  const shaped: Shaped[] = [];
  const failed: DetectorFailure[] = [];
  const line = progress({ enabled: opts.progress });
  for (const [i, det] of detectors.entries()) {
    line.update(`running detectors ${i + 1}/${detectors.length} (${det.id})`, true);
    const t0 = performance.now();
    sqlParams(det, opts.thresholds); // a bad threshold is a usage error, not a failed detector
    try {
      forcedFailure(det.id);
      const rows = det.pass
        ? await runDetectorPass(conn, det, opts.thresholds, opts.group !== false, opts.passWindowRows)
        : await runDetectorSql(conn, det, opts.thresholds, opts.group !== false);
      const mine = rows.map((row) => shapeRow(det, row));
      shaped.push(...mine);
    } catch (err) {
      // a usage error, or a damaged/busy .duckdb (every detector would fail: exit 2, see describeError), ends the analysis
      if (err instanceof UserError || FILE_TROUBLE.test((err as Error).message)) throw err;
      // the message names the detector already (DetectorFailure.rule): keep the cause's own words
      failed.push({ rule: det.id, message: firstLine((err as Error).cause ?? err) });
    }
    opts.onTiming?.(det.id, performance.now() - t0);
  }
  line.update('resolving evidence and call sites', true);
  const findings = await resolve(conn, shaped).finally(() => line.end());
  const out = opts.group === false ? findings : groupFindings(findings, detectorSums(detectors));
  return { findings: out.sort(compareFindings), failed, rules: detectors.map((d) => d.id) };
}

/** The findings of every detector; throws IncompleteAnalysisError (with the others' findings) when one failed. */
export async function analyzeTrace(trace: AnalyzableTrace, opts: AnalyzeOptions = {}): Promise<Finding[]> {
  const a = await analyzeTraceAll(trace, opts);
  if (a.failed.length > 0) throw new IncompleteAnalysisError(a);
  return a.findings;
}

/** Examples kept per SQL-side group (their threads/streams are merged into the finding). */
export const EXAMPLES_PER_GROUP = 20;

/**
 * Runs one detector's query.sql and returns its rows as JS values. Grouped
 * (the default), the rows are grouped in SQL by (kind, severity, call sites of
 * the evidence): only the first EXAMPLES_PER_GROUP rows of each group come back
 * to JS, the first carrying the group's `_count`, `_last_ts` and `_sum_<col>`.
 * Moving a few rows into JS instead of every occurrence keeps big traces fast.
 */
export async function runDetectorSql(
  conn: DuckDBConnection,
  det: Detector,
  thresholds?: Record<string, number>,
  grouped = true,
): Promise<RawFinding[]> {
  const params = sqlParams(det, thresholds);
  const { stages, body } = detectorStages(det.sql);
  const values = paramsFor(body, params);
  try {
    for (const st of stages) await conn.run(st.sql, paramsFor(st.sql, params));
    if (!grouped) {
      const reader = await conn.runAndReadAll(`SELECT * FROM (${body}\n) LIMIT ${MAX_ROWS_PER_RULE}`, values);
      return reader.getRowObjectsJS() as unknown as RawFinding[];
    }
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM (${body}\n)`, values);
    const columns = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const sums = (det.sumOnGroup ?? []).filter((c) => columns.has(c));
    const part = `PARTITION BY kind, _sites${columns.has('severity') ? ', severity' : ''}`;
    const sql = `WITH _raw AS MATERIALIZED (SELECT row_number() OVER () AS _rn, * FROM (${body}\n)),
_ev AS (SELECT _rn, unnest(evidence::STRUCT(id BIGINT, role VARCHAR)[]) AS e FROM _raw),
_sites AS (
  SELECT v._rn, list(DISTINCT r.site ORDER BY r.site) FILTER (WHERE r.site <> 0) AS sites
  FROM _ev v JOIN raw_events r ON r.id = v.e.id GROUP BY v._rn),
_keyed AS (SELECT x.*, coalesce(s.sites, []) AS _sites FROM _raw x LEFT JOIN _sites s ON s._rn = x._rn),
_w AS (
  SELECT *, row_number() OVER (${part} ORDER BY ts NULLS FIRST, evidence[1].id NULLS FIRST, _rn) AS _k,
         count(*) OVER (${part}) AS _count, max(ts) OVER (${part}) AS _last_ts
         ${sums.map((c) => `, sum("${c}") OVER (${part}) AS "_sum_${c}"`).join('')}
  FROM _keyed)
SELECT * EXCLUDE (_rn, _sites) FROM _w WHERE _k <= ${EXAMPLES_PER_GROUP} ORDER BY ts NULLS FIRST, _rn`;
    const reader = await conn.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as unknown as RawFinding[];
  } catch (err) {
    throw new Error(`detector '${det.id}' (${det.dir}/query.sql) failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await dropStages(conn, stages);
  }
}

/** One statement of a staged query.sql that fills a temporary table. */
export interface DetectorStage {
  table: string;
  sql: string;
}

/**
 * Splits a detector's query.sql into its stages and the final query. A
 * query.sql may begin with statements `CREATE TEMP TABLE <name> AS ...;`
 * (each ending with `;` at the end of a line): they run in order before the
 * final query, which reads their tables, and the tables are dropped after it.
 * DuckDB holds an operator's memory (hash tables, sorts) until its statement
 * ends, so a detector with several heavy steps over a large trace runs each
 * step on its own and keeps only its (small) result, instead of holding them
 * all in one plan.
 */
export function detectorStages(sql: string): { stages: DetectorStage[]; body: string } {
  // split at a `;` that ends a line, outside comments (a comment may end with one)
  const masked = sql.replace(/--[^\n]*/g, (c) => ' '.repeat(c.length));
  const parts: string[] = [];
  let from = 0;
  for (const m of masked.matchAll(/;[ \t]*(?:\r?\n|$)/g)) {
    parts.push(sql.slice(from, m.index));
    from = m.index + m[0].length;
  }
  parts.push(sql.slice(from));
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i]!.replace(/--[^\n]*/g, '').trim() === '') parts.splice(i, 1);
  const body = (parts.pop() ?? '').trim();
  const stages = parts.map((p) => {
    p = p.trim();
    const m = /^(?:\s*--[^\n]*\n)*\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\b/i.exec(p);
    if (!m) throw new Error(`a statement before the final query must be CREATE TEMP TABLE <name> AS ...: ${firstLine(p.slice(0, 120))}`);
    return { table: m[1]!, sql: p };
  });
  return { stages, body };
}

/** The parameters a statement names (DuckDB refuses values it has no `$name` for). */
function paramsFor(sql: string, params: Record<string, number>): Record<string, number> | undefined {
  const code = sql.replace(/--[^\n]*/g, '');
  const used = Object.entries(params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(code));
  return used.length > 0 ? Object.fromEntries(used) : undefined;
}

async function dropStages(conn: DuckDBConnection, stages: DetectorStage[]): Promise<void> {
  for (const st of stages) {
    try {
      await conn.run(`DROP TABLE IF EXISTS temp.main.${st.table}`);
    } catch {
      // a connection that failed badly enough to refuse a DROP fails the next statement with its own message
    }
  }
}

/** Rows per batch handed to a streaming pass (DuckDB's vector size is 2048). */
export const PASS_BATCH_ROWS = 2048;

/** Bytes a sorted pass row takes in DuckDB, with headroom (measured: 1.78 M rows of 15 columns did not sort in 190 MiB). */
const PASS_ROW_BYTES = 160;
/** Time bins of the window plan (its histogram query returns at most this many rows). */
const PASS_BINS = 65536;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Rows per window by default: a quarter of DuckDB's memory limit at PASS_ROW_BYTES a row. */
async function defaultPassWindowRows(conn: DuckDBConnection): Promise<number> {
  const r = await conn.runAndReadAll("SELECT current_setting('memory_limit') AS m");
  const limit = String(r.getRowObjectsJS()[0]?.m ?? '1GB');
  return Math.max(50_000, Math.floor(memoryLimitBytes(limit) / 4 / PASS_ROW_BYTES));
}

/** The pass query for one window: literal BIGINT bounds, so DuckDB can skip row groups by their ts range. */
function inWindow(sql: string, lo: bigint, hi: bigint): string {
  return sql.replaceAll('$pass_ts_lo', `CAST('${lo}' AS BIGINT)`).replaceAll('$pass_ts_hi', `CAST('${hi}' AS BIGINT)`);
}

/**
 * Splits a windowed pass query's rows into time windows [lo, hi] (inclusive,
 * on its BIGINT `ts` column) of at most `maxRows` rows each where the trace
 * allows (rows of one time bin, 1/65536 of the trace's time span, are never
 * split), in time order. The first window starts at INT64_MIN and the last
 * ends at INT64_MAX, so together they cover every row. A trace whose records
 * could not give more than `maxRows` rows (a pass row per record, at most
 * three for a copy) is one window, with no extra scan; a larger one costs one
 * scan of the query's rows, grouped by time bin (DuckDB's hash aggregate,
 * which stays within the memory limit).
 */
export async function passWindows(
  conn: DuckDBConnection,
  unordered: string,
  values: Record<string, number> | undefined,
  maxRows: number,
): Promise<[bigint, bigint][]> {
  const one: [bigint, bigint][] = [[INT64_MIN, INT64_MAX]];
  const st = (await conn.runAndReadAll('SELECT count(*) AS n, min(ts) AS lo, max(ts) AS hi FROM raw_events')).getRowObjectsJS()[0]!;
  if (3 * Number(st.n) <= maxRows || st.lo === null) return one;
  const lo = BigInt(st.lo as bigint);
  const span = BigInt(st.hi as bigint) - lo + 1n;
  const width = (span + BigInt(PASS_BINS) - 1n) / BigInt(PASS_BINS);
  const all = inWindow(unordered, INT64_MIN, INT64_MAX);
  const bins = (
    await conn.runAndReadAll(
      `SELECT floor((ts::DOUBLE - ${lo}) / ${width})::BIGINT AS b, count(*) AS c FROM (${all}\n) GROUP BY b ORDER BY b`,
      values,
    )
  ).getRowObjectsJS();
  const out: [bigint, bigint][] = [];
  let start = INT64_MIN;
  let rows = 0;
  for (const r of bins) {
    const c = Number(r.c);
    if (rows > 0 && rows + c > maxRows) {
      const at = lo + BigInt(r.b as bigint) * width;
      out.push([start, at - 1n]);
      start = at;
      rows = 0;
    }
    rows += c;
  }
  out.push([start, INT64_MAX]);
  return out;
}

/**
 * Runs a detector that has a streaming pass: its query.sql yields the records
 * the pass reads, fetched chunk by chunk so a long trace never sits in memory
 * as JS values, and the pass returns the raw findings.
 *
 * A pass query that filters `ts BETWEEN $pass_ts_lo AND $pass_ts_hi` and ends
 * with `ORDER BY ts, ...` is windowed: it runs once per time window of at most
 * `windowRows` rows (passWindows), in time order, so DuckDB sorts one window at
 * a time within its memory limit instead of the whole trace (which it cannot
 * spill). The pass sees the same rows in the same order either way.
 */
export async function runDetectorPass(
  conn: DuckDBConnection,
  det: Detector,
  thresholds?: Record<string, number>,
  grouped = true,
  windowRows?: number,
): Promise<RawFinding[]> {
  const params = sqlParams(det, thresholds);
  const values = Object.keys(params).length > 0 ? params : undefined;
  const body = det.sql.replace(/;\s*$/, '');
  try {
    let windows: [bigint, bigint][] | null = null;
    if (body.includes('$pass_ts_lo')) {
      const unordered = body.replace(/\bORDER\s+BY\s+ts\b[^()]*$/i, '');
      if (unordered === body) throw new Error('a windowed pass query must end with ORDER BY ts, ...');
      windows = await passWindows(conn, unordered, values, windowRows ?? (await defaultPassWindowRows(conn)));
    }
    const texts = windows ? windows.map(([lo, hi]) => inWindow(body, lo, hi)) : [body];
    let names: string[] = [];
    async function* batches() {
      for (const text of texts) {
        const result = await conn.stream(text, values);
        names = result.columnNames();
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          yield { names, columns: chunk.getColumns() as unknown[][], rowCount: chunk.rowCount };
        }
      }
    }
    const query = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    const rows = await det.pass!(batches(), { params, grouped, query });
    return grouped ? rows : rows.slice(0, MAX_ROWS_PER_RULE);
  } catch (err) {
    throw new Error(`detector '${det.id}' (${det.dir}) failed: ${(err as Error).message}`, { cause: err });
  }
}

function shapeRow(det: Detector, row: RawFinding): Shaped {
  const sub = det.cases[row.kind];
  if (!sub) throw new Error(`detector '${det.id}' returned kind '${row.kind}', which its index.ts does not describe`);
  const rowSev = typeof row.severity === 'string' && row.severity in SEVERITY_RANK ? (row.severity as Severity) : undefined;
  return {
    det,
    row,
    severity: rowSev ?? sub.severity ?? det.severity,
    message: sub.message(row),
    fix: sub.fix,
    evidenceRefs: (row.evidence ?? []).filter((e) => e && e.id !== null).slice(0, MAX_EVIDENCE_PER_FINDING),
  };
}

const RESERVED = new Set(['kind', 'ts', 'tids', 'streams', 'evidence', 'severity']);
const HANDLE_COLUMN = /(^|_)(stream|streams|event|target|obj|owner|cb)$/;

/** Looks up evidence records, call sites and thread names, then builds findings. */
async function resolve(conn: DuckDBConnection, shaped: Shaped[]): Promise<Finding[]> {
  if (shaped.length === 0) return [];
  const ids = [...new Set(shaped.flatMap((s) => s.evidenceRefs.map((e) => e.id)))];
  const records = await lookupRecords(conn, ids);
  const sites = await lookupSites(conn);
  const names = await lookupThreadNames(conn);
  const origin = await traceOrigin(conn);
  return shaped.map((s) => {
    const evidence: Evidence[] = [];
    for (const ref of s.evidenceRefs) {
      const r = records.get(ref.id);
      if (r) evidence.push({ ...r, role: ref.role });
    }
    evidence.sort((a, b) => a.ts_ns - b.ts_ns || a.id - b.id);
    const siteIds = [...new Set(evidence.map((e) => e.site).filter((x) => x !== 0))];
    const callSites: CallSite[] = siteIds.map((id) => sites.get(id) ?? { site: id, symbol: null, module: null, addr: null, offset: null });
    const rowTids = (s.row.tids ?? []).filter((t) => t !== null).map((t) => num(t));
    const tids = [...new Set(rowTids.length > 0 ? rowTids : evidence.map((e) => e.tid))];
    const threads: ThreadRef[] = tids.map((tid) => ({ tid, name: names.get(tid) ?? null }));
    const streams = [...new Set((s.row.streams ?? []).filter((x) => x !== null).map((x) => toHandle(x)))];
    const ts = s.row.ts !== null && s.row.ts !== undefined ? num(s.row.ts) : (evidence[0]?.ts_ns ?? origin);
    // Rows of SQL-side groups: the first carries the group's count and sums, the
    // other examples only add their threads and streams when merged.
    const grouped = s.row._k !== undefined;
    const first = grouped && num(s.row._k) === 1;
    const details: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.row)) {
      if (RESERVED.has(k) || k.startsWith('_')) continue;
      details[k] = HANDLE_COLUMN.test(k) ? toHandleValue(v) : jsonValue(v);
    }
    for (const col of s.det.sumOnGroup ?? []) {
      if (grouped && `_sum_${col}` in s.row) details[col] = first ? jsonValue(s.row[`_sum_${col}`]) : 0;
    }
    const symbols = callSites.map(siteName);
    return {
      rule: s.det.id,
      kind: s.row.kind,
      severity: s.severity,
      message: s.message,
      ts_ns: ts,
      t_s: Math.round((ts - origin) / 1e3) / 1e6,
      threads,
      streams,
      evidence,
      sites: callSites,
      fix: s.fix,
      count: grouped ? (first ? num(s.row._count) : 0) : 1,
      last_ts_ns: grouped && first ? num(s.row._last_ts ?? ts) : ts,
      signature: [s.det.id, s.row.kind, ...symbols].join('|'),
      details,
    };
  });
}

function toHandleValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? null : toHandle(x)));
  return v === null || v === undefined ? null : toHandle(v);
}

async function lookupRecords(conn: DuckDBConnection, ids: bigint[]): Promise<Map<bigint, Omit<Evidence, 'role'>>> {
  const out = new Map<bigint, Omit<Evidence, 'role'>>();
  if (ids.length === 0) return out;
  // Ids are integers from our own query results, so inlining them is safe; the
  // batch size keeps each statement small.
  for (let i = 0; i < ids.length; i += 5000) {
    const batch = ids
      .slice(i, i + 5000)
      .map((x) => x.toString())
      .join(',');
    const reader = await conn.runAndReadAll(
      `SELECT e.id, e.ts, e.tid, coalesce(k.name, 'kind' || e.kind) AS kind, e.site
         FROM raw_events e LEFT JOIN kinds k ON k.code = e.kind
        WHERE e.id IN (${batch})`,
    );
    for (const r of reader.getRowObjectsJS()) {
      out.set(BigInt(r.id as bigint), { id: num(r.id), ts_ns: num(r.ts), tid: num(r.tid), kind: String(r.kind), site: num(r.site) });
    }
  }
  return out;
}

async function lookupSites(conn: DuckDBConnection): Promise<Map<number, CallSite>> {
  const reader = await conn.runAndReadAll('SELECT site_id, symbol, module, addr, "offset", file, line FROM callsites');
  const out = new Map<number, CallSite>();
  for (const r of reader.getRowObjectsJS()) {
    const site = num(r.site_id);
    out.set(site, {
      site,
      symbol: (r.symbol as string | null) ?? null,
      module: (r.module as string | null) ?? null,
      addr: r.addr === null || r.addr === undefined ? null : toHandle(r.addr),
      offset: r.offset === null || r.offset === undefined ? null : num(r.offset),
      file: (r.file as string | null) ?? null,
      line: r.line === null || r.line === undefined ? null : num(r.line),
    });
  }
  return out;
}

async function lookupThreadNames(conn: DuckDBConnection): Promise<Map<number, string>> {
  const reader = await conn.runAndReadAll('SELECT tid, name FROM threads WHERE name IS NOT NULL');
  return new Map(reader.getRowObjectsJS().map((r) => [num(r.tid), String(r.name)]));
}

/** First record time (ns), the zero of `t_s`. */
export async function traceOrigin(conn: DuckDBConnection): Promise<number> {
  const reader = await conn.runAndReadAll(`SELECT min(ts) AS t FROM raw_events WHERE ${ON_TIMELINE_SQL}`);
  const t = reader.getRowObjectsJS()[0]?.t;
  return t === null || t === undefined ? 0 : num(t);
}

function detectorSums(detectors: Detector[]): Map<string, string[]> {
  return new Map(detectors.map((d) => [d.id, d.sumOnGroup ?? []]));
}

export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.ts_ns - b.ts_ns || a.rule.localeCompare(b.rule);
}
