/** What `mpstrace info` reports about a loaded trace; reusable by reports. */
import type { LoadedTrace, TraceWarning } from './load.js';
import { jsonValue, num, type JsonValue } from './db.js';
import { escapeText } from '../util/escape.js';

export interface TraceSummary {
  trace: string;
  events: number;
  by_kind: Record<string, number>;
  threads: number;
  streams: number;
  span_ns: number;
  first_ts: number | null;
  last_ts: number | null;
  backend: string;
  recorder: string;
  format_version: string;
  synthetic: boolean;
  closed_cleanly: boolean;
  pid: number;
  strings: number;
  file_bytes: number;
  bytes_per_event: number;
  records_lost: number;
  /** Records lost to file damage, counted by the reader (format 2's file end; skipped chunks). */
  records_missing: number;
  /** Format 2: the file end was there and intact; null for format 1 (it has none). */
  file_end: boolean | null;
  coverage: { cupti_completions: boolean; driver_api: boolean };
  /** How GPU completions were recorded, and what the trace can and cannot show because of it. */
  recording: Recording;
  /** The Metal recorder's self-report (metal_hook records), when the trace has one. */
  metal_hooks?: MetalHookRow[];
  warnings: TraceWarning[];
}

export interface Recording {
  /** every: a GPU completion for every submission; sampled: only inside sampling windows; none: host calls only */
  completions: 'every' | 'sampled' | 'none';
  /**
   * CUDA traces: the recorder's completion mode (MPSTRACE_COMPLETIONS, `mpstrace record --completions`):
   * cupti, sampled, off (CUPTI callbacks only), or no-cupti (MPSTRACE_CUPTI=0, or CUPTI was unavailable).
   */
  mode?: 'cupti' | 'sampled' | 'off' | 'no-cupti';
  /** GPU submissions (launches, commits, copies, fills) and GPU completion records (counts by kind, not matched) */
  submissions: number;
  completion_records: number;
  shows: string;
  cannot_show: string;
}

/** What the rules that judge GPU completions (incomplete-device-sync) cannot see without every completion. */
const RULES_WITHOUT_EVERY =
  'incomplete-device-sync (late-completion, partial-sync) counts only work that has a completion as pending, so a device sync that returned early is missed when the work it left running has none';

/** The recording mode from the process flags and the backend; counts say how much GPU timing a sampled trace holds. */
function recordingMode(meta: Map<string, string>, backend: string, submissions: number, withGpu: number): Recording {
  const counts = { submissions, completion_records: withGpu };
  const hostPart = 'host calls, syncs, events, streams and their order';
  const cuda = backend === 'cuda';
  if (meta.get('completions_sampled') === 'true') {
    const pct = submissions > 0 ? Math.min(100, (100 * withGpu) / submissions).toFixed(1) : '0';
    return {
      completions: 'sampled',
      ...(cuda ? { mode: 'sampled' as const } : {}),
      ...counts,
      shows: `${hostPart}; GPU start/end of the work submitted inside the sampling windows (about ${pct} % of submissions; MPSTRACE_COMPLETIONS=sampled, duty MPSTRACE_CUPTI_SAMPLE)`,
      cannot_show: `GPU times of work submitted outside the windows: late completions and GPU overlap are judged only on sampled work (${RULES_WITHOUT_EVERY}), and GPU busy time (metrics) is undercounted`,
    };
  }
  if (meta.get('cupti_completions') === 'true' || (!cuda && withGpu > 0)) {
    return {
      completions: 'every',
      ...(cuda ? { mode: 'cupti' as const } : {}),
      ...counts,
      shows: `${hostPart}; GPU start/end of every kernel, copy and fill`,
      cannot_show: 'nothing the rules need',
    };
  }
  const off = cuda && meta.get('driver_api_covered') === 'true';
  return {
    completions: 'none',
    ...(cuda ? { mode: off ? ('off' as const) : ('no-cupti' as const) } : {}),
    ...counts,
    shows: hostPart,
    cannot_show: `when GPU work ran: no GPU start/end, so no late-completion or GPU-overlap evidence (${RULES_WITHOUT_EVERY}) and GPU busy time is estimated${cuda ? (off ? ' (recorded with MPSTRACE_COMPLETIONS=off)' : ' (recorded with MPSTRACE_CUPTI=0, or CUPTI was unavailable)') : ''}`,
  };
}

/** One (class, selector) of the Metal recorder's hook table: how often it ran and in what state. */
export interface MetalHookRow {
  cls: string;
  sel: string;
  role: string;
  hits: number;
  state: string;
  at_exit: boolean;
}

/** The last report per (class, selector, state): the exit one when the process ended normally. */
async function metalHooks(t: LoadedTrace): Promise<MetalHookRow[]> {
  const r = await rows(
    t,
    `SELECT cls, sel, role, arg_max(hits, id) AS hits, state, bool_or(at_exit = 1) AS at_exit
    FROM ev_metal_hook GROUP BY cls, sel, role, state ORDER BY cls, sel, state`,
  );
  return r.map((x) => ({
    cls: String(x.cls ?? ''),
    sel: String(x.sel ?? ''),
    role: String(x.role ?? ''),
    hits: num(x.hits),
    state: String(x.state),
    at_exit: x.at_exit === true,
  }));
}

async function rows(t: LoadedTrace, sql: string): Promise<Record<string, JsonValue>[]> {
  const r = await t.connection.runAndReadAll(sql);
  const cols = r.columnNames();
  return r.getRows().map((row) => Object.fromEntries(cols.map((c, i) => [c, jsonValue(row[i])])));
}

export async function summarize(t: LoadedTrace): Promise<TraceSummary> {
  const meta = new Map((await rows(t, 'SELECT key, value FROM trace_meta')).map((r) => [String(r.key), String(r.value)]));
  const [totals] = await rows(t, 'SELECT count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts FROM raw_events');
  const byKind: Record<string, number> = {};
  for (const r of await rows(
    t,
    'SELECT k.name, count(*) AS n FROM raw_events e JOIN kinds k ON k.code = e.kind GROUP BY k.name ORDER BY n DESC, k.name',
  )) {
    byKind[String(r.name)] = num(r.n);
  }
  const [counts] = await rows(
    t,
    `SELECT (SELECT count(*) FROM threads) AS threads, (SELECT count(*) FROM streams) AS streams,
    (SELECT coalesce(sum(count), 0) FROM ev_records_lost) AS lost`,
  );
  const events = num(totals!.n);
  const synthetic = meta.get('synthetic') === 'true';
  const lost = num(counts!.lost);
  const warnings = [...t.warnings];
  const recorderWarnings = await rows(t, 'SELECT what, err, value FROM ev_recorder_warning ORDER BY id');
  for (const w of recorderWarnings) warnings.push(recorderWarning(String(w.what), num(w.err), num(w.value)));
  const why = recorderWarnings.some((w) => w.what === 'grow_failed' || w.what === 'file_lost')
    ? 'the trace file could not grow any more'
    : 'the trace reached MPSTRACE_MAX_MB or a thread outran its buffer';
  if (lost > 0)
    warnings.push({
      code: 'records_lost',
      message: `${lost} records were lost by the recorder (${why}); see ev_records_lost for threads and times`,
    });
  if (synthetic) warnings.push({ code: 'synthetic', message: 'synthetic trace (mpstrace synth), not recorded from a real program' });
  const hooks = byKind.metal_hook ? await metalHooks(t) : [];
  if (hooks.length > 0 && !hooks.some((h) => h.at_exit)) {
    warnings.push({
      code: 'metal_hooks_not_at_exit',
      message: 'the Metal hook table has no exit report (the process did not exit normally); hit counts are from load time',
    });
  }
  const first = totals!.first_ts === null ? null : num(totals!.first_ts);
  const last = totals!.last_ts === null ? null : num(totals!.last_ts);
  return {
    trace: t.info.path,
    events,
    by_kind: byKind,
    threads: num(counts!.threads),
    streams: num(counts!.streams),
    span_ns: first === null || last === null ? 0 : last - first,
    first_ts: first,
    last_ts: last,
    backend: meta.get('backend') ?? t.info.backend,
    recorder: meta.get('recorder') ?? '',
    format_version: t.info.formatVersion,
    synthetic,
    closed_cleanly: t.info.closedCleanly,
    pid: t.info.pid,
    strings: t.info.strings,
    file_bytes: t.info.fileBytes,
    bytes_per_event: events > 0 ? Math.round((t.info.fileBytes / events) * 100) / 100 : 0,
    records_lost: lost,
    records_missing: t.info.recordsMissing ?? 0,
    file_end: t.info.fileEnd ?? null,
    coverage: { cupti_completions: meta.get('cupti_completions') === 'true', driver_api: meta.get('driver_api_covered') === 'true' },
    recording: recordingMode(
      meta,
      meta.get('backend') ?? t.info.backend,
      ['submit', 'cb_commit', 'memcpy', 'memset'].reduce((n, k) => n + (byKind[k] ?? 0), 0),
      byKind.complete ?? 0,
    ),
    ...(hooks.length > 0 ? { metal_hooks: hooks } : {}),
    warnings,
  };
}

const ERRNO: Record<number, string> = {
  9: 'EBADF',
  27: 'EFBIG: file size limit',
  28: 'ENOSPC: no space left on device',
  122: 'EDQUOT: disk quota exceeded',
};

/** A recorder_warning record as a warning line that says what it cost. */
function recorderWarning(what: string, err: number, value: number): TraceWarning {
  const e = err ? ` (errno ${err}${ERRNO[err] ? ` ${ERRNO[err]}` : ''})` : '';
  switch (what) {
    case 'fd_reopened':
      return {
        code: 'recorder_fd_taken',
        message: `the program closed or replaced the recorder's file descriptor ${value}; the recorder reopened the trace file and went on (nothing lost)`,
      };
    case 'file_lost':
      return {
        code: 'recorder_fd_taken',
        message: `the program closed or replaced the recorder's file descriptor ${value} and the trace file could not be reopened${e}; records after that point are counted in records_lost`,
      };
    case 'grow_failed':
      return {
        code: 'recorder_grow_failed',
        message: `the recorder could not grow the trace file to ${value} bytes${e}; records after that point are counted in records_lost`,
      };
    case 'mapping_fault':
      return {
        code: 'recorder_mapping_fault',
        message: `a write into the trace file faulted at offset ${value} (the file was truncated by another program); recording stopped there`,
      };
    default:
      return { code: 'recorder_warning', message: `recorder warning ${what}${e}, value ${value}` };
  }
}

function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} us`;
  return `${ns} ns`;
}

export function renderSummary(s: TraceSummary): string {
  const out: string[] = [];
  out.push(`trace      ${s.trace}${s.synthetic ? '  (synthetic)' : ''}`);
  out.push(`backend    ${s.backend}   recorder ${s.recorder || '(unknown)'}   format ${s.format_version}   pid ${s.pid}`);
  out.push(
    `events     ${s.events.toLocaleString('en-US')} in ${s.file_bytes.toLocaleString('en-US')} bytes (${s.bytes_per_event} bytes/event), ${s.strings} strings`,
  );
  out.push(`threads    ${s.threads}   streams ${s.streams}   span ${fmtNs(s.span_ns)}`);
  const end = s.file_end === null ? '' : `   file end ${s.file_end ? 'yes' : 'no'}`;
  out.push(
    `coverage   GPU completions ${s.coverage.cupti_completions ? 'yes' : 'no'}   driver-API launches ${s.coverage.driver_api ? 'yes' : 'no'}   closed cleanly ${s.closed_cleanly ? 'yes' : 'no'}${end}`,
  );
  if (s.records_missing > 0) out.push(`damage     ${s.records_missing.toLocaleString('en-US')} records lost to file damage (see warnings)`);
  const r = s.recording;
  const mode = { every: 'every GPU completion', sampled: 'sampled GPU completions', none: 'host only (no GPU completions)' }[r.completions];
  out.push(
    `recording  ${mode}: ${r.completion_records.toLocaleString('en-US')} completion records for ${r.submissions.toLocaleString('en-US')} GPU submissions`,
  );
  if (r.mode) {
    const how = {
      cupti: 'cupti (every kernel, copy and fill; `--completions sampled` or `off` costs less per launch)',
      sampled: 'sampled (`--completions sampled`: CUPTI activity only inside sampling windows)',
      off: 'off (`--completions off`: CUPTI callbacks, no activity records)',
      'no-cupti': 'no CUPTI (MPSTRACE_CUPTI=0, or CUPTI was unavailable)',
    }[r.mode];
    out.push(`  mode     ${how}`);
  }
  out.push(`  shows    ${r.shows}`);
  out.push(`  cannot   ${r.cannot_show}`);
  out.push('by kind');
  const kinds = Object.entries(s.by_kind);
  const w = Math.max(0, ...kinds.map(([k]) => k.length));
  for (const [k, n] of kinds) out.push(`  ${k.padEnd(w)}  ${n.toLocaleString('en-US').padStart(12)}`);
  if (s.metal_hooks) out.push(...renderMetalHooks(s.metal_hooks));
  if (s.warnings.length === 0) out.push('warnings   none');
  else {
    out.push(`warnings   ${s.warnings.length}`);
    for (const x of s.warnings) out.push(`  [${x.code}]${x.offset === undefined ? '' : ` @${x.offset}`} ${x.message}`);
  }
  // The trace path, the recorder string, warnings and Metal class/selector names come from the trace: one line each, inert.
  return out.map(escapeText).join('\n') + '\n';
}

/** The hook table: hooked selectors with their call counts, then what was not hooked and why. */
function renderMetalHooks(rows: MetalHookRow[]): string[] {
  // Escaped before the column widths are measured, so a hostile name cannot misalign the table.
  const hooks = rows.map((h) => ({ ...h, cls: escapeText(h.cls), sel: escapeText(h.sel), role: escapeText(h.role) }));
  const out = [
    `Metal hooks (${hooks.filter((h) => h.state === 'hooked').length} hooked, ${hooks.filter((h) => h.state !== 'hooked').length} other; the recorder's self-report)`,
  ];
  const wc = Math.max(5, ...hooks.map((h) => h.cls.length));
  const ws = Math.max(8, ...hooks.map((h) => h.sel.length));
  out.push(`  ${'class'.padEnd(wc)}  ${'selector'.padEnd(ws)}  ${'calls'.padStart(10)}  state        role`);
  const order = (h: MetalHookRow) => (h.state === 'hooked' ? 0 : 1);
  for (const h of [...hooks].sort((a, b) => order(a) - order(b) || a.cls.localeCompare(b.cls) || a.sel.localeCompare(b.sel))) {
    out.push(
      `  ${h.cls.padEnd(wc)}  ${h.sel.padEnd(ws)}  ${h.hits.toLocaleString('en-US').padStart(10)}  ${h.state.padEnd(11)}  ${h.role}`.trimEnd(),
    );
  }
  return out;
}
