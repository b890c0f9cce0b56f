// Builds the page payload from a loaded trace, in named steps: the time span,
// call sites, lanes (collect.ts: one query per kind of thing drawn), findings,
// which lanes to keep, packing into columns (pack.ts), the header (info.ts).
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CATEGORIES, FLAG_OPEN, StringDict, type PageFinding, type ReportPayload } from './payload.js';
import { num, rowsOf, str, toHandle } from '../ingest/db.js';
import { ON_TIMELINE_SQL } from '../format/kinds.js';
import { analyzeTrace, IncompleteAnalysisError } from '../analyze/analyzeTrace.js';
import { findingsForPage, type FindingLike } from './findings.js';
import { findingsCount, siteLabel } from '../analyze/finding.js';
import {
  Lanes,
  collectHostCalls,
  collectInstants,
  collectLaneNames,
  collectRanges,
  collectRecordWaitFlows,
  collectSlots,
  collectSubmissions,
  type Ctx,
  type FlowRow,
  type LaneAcc,
} from './collect.js';
import { packLanes } from './pack.js';
import { collectAggregated, estimateItems, fmtDur } from './aggregate.js';
import { infoPairs } from './info.js';

export interface LoadedLike {
  connection: DuckDBConnection;
  info?: unknown;
  warnings?: { code?: string; message: string; offset?: number }[];
}

export interface ReportModelOptions {
  /** Shown in the header; defaults to the trace file name. */
  title?: string;
  tracePath?: string;
  /** Findings to show; when absent, `analyze` (default: analyzeTrace over `loaded`) computes them. */
  findings?: FindingLike[];
  /** The shared analysis of the trace (TraceSession.findings), used when `findings` is absent. */
  analyze?: () => Promise<FindingLike[]>;
  /** Skip analysis (for a report of a trace whose analysis is known to be slow). */
  noAnalyze?: boolean;
  /**
   * Most items (intervals, instants, flows) embedded one by one; a trace estimated above
   * it gets the aggregated layout (aggregate.ts) and a note. Default: MAX_ITEMS, or
   * MPSTRACE_REPORT_MAX_ITEMS.
   */
  maxItems?: number;
}

/**
 * Default most items embedded one by one (about 30 bytes each in the page, plus the
 * JS arrays that build them): keeps the report command well under 2 GB and the page
 * usable in a browser. Above it the report degrades to aggregated tracks.
 */
export const MAX_ITEMS = 2_000_000;
/** Time buckets across the trace in the aggregated layout. */
export const AGGREGATE_BUCKETS = 2000;

export function maxItemsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.MPSTRACE_REPORT_MAX_ITEMS;
  if (v === undefined || v.trim() === '') return MAX_ITEMS;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : MAX_ITEMS;
}

/** Above this many embedded items the page warns that a browser may struggle (about 100 MB of HTML). */
export const LARGE_REPORT = 3_000_000;

export interface ReportStats {
  events: number;
  intervals: number;
  instants: number;
  flows: number;
  findings: number;
  /** the CLI's wording of the findings count (errors, warnings, context notes) */
  findingsCount?: string;
  /** set when the analysis failed or some detector failed: what failed and what to do (the report exits 3) */
  findingsIncomplete?: string;
  /** set when the trace was over the item limit and the page shows aggregated tracks */
  aggregated?: { estimatedItems: number; maxItems: number };
}

export async function buildReportPayload(
  loaded: LoadedLike,
  opts: ReportModelOptions = {},
): Promise<{ payload: ReportPayload; stats: ReportStats }> {
  const conn = loaded.connection;
  const dict = new StringDict();
  const warnings: string[] = (loaded.warnings ?? [])
    .slice(0, 20)
    .map((w) => (w.offset !== undefined ? `${w.message} (byte ${w.offset})` : w.message));
  if ((loaded.warnings?.length ?? 0) > 20) warnings.push(`… and ${loaded.warnings!.length - 20} more warnings (see \`mpstrace info\`)`);

  const { origin, events, spanNs } = await timeSpan(conn);
  const O = `CAST(${origin} AS BIGINT)`;
  const siteText = await callSites(conn);
  const siteIds = new Map([...siteText].map(([k, v]) => [k, dict.id(v)]));
  const ctx: Ctx = { conn, dict, O, E: `(${O} + CAST(${spanNs} AS BIGINT))`, spanNs, siteId: (v) => siteIds.get(num(v as number)) ?? 0 };

  const lanes = new Lanes();
  const flowRows: FlowRow[] = [];
  await collectLaneNames(ctx, lanes, siteText);
  const maxItems = opts.maxItems ?? maxItemsFrom();
  const estimated = await estimateItems(conn);
  const degraded = estimated > maxItems;
  if (degraded) {
    const bucketNs = Math.max(1, Math.ceil(spanNs / AGGREGATE_BUCKETS));
    await collectAggregated(ctx, lanes, bucketNs);
    warnings.unshift(
      `Aggregated view: this trace would embed about ${estimated.toLocaleString('en-US')} intervals, instants and flows, ` +
        `more than this report's limit of ${maxItems.toLocaleString('en-US')}. Each lane shows one bar per category and ${fmtDur(bucketNs)} bucket ` +
        'with its count and busy share; calls that never returned and slots never released are drawn one by one; ' +
        'left out: the individual kernels, copies, syncs and ranges, their call sites, and the launch and event record → wait arrows. ' +
        'The findings below are complete. For every event: `mpstrace export --format chrome` (ui.perfetto.dev) or `mpstrace sql`; ' +
        'a higher limit: `mpstrace report --max-items N`.',
    );
  } else {
    await collectSubmissions(ctx, lanes, flowRows);
    await collectHostCalls(ctx, lanes);
    await collectRanges(ctx, lanes);
    await collectSlots(ctx, lanes);
    await collectInstants(ctx, lanes);
    await collectRecordWaitFlows(ctx, lanes, flowRows);
  }

  const { findings, findingsNote, incomplete } = await findingsOf(loaded, opts);
  const { keep, hiddenStreams } = lanesToKeep(lanes, findings);
  const packed = packLanes(keep, flowRows);

  const pageFindings: PageFinding[] = findingsForPage(findings, {
    originNs: Number(origin),
    spanNs,
    threadLane: (tid) => packed.laneIndex.get(`t:${tid}`),
    streamLane: (hex) => {
      for (const [k, i] of packed.laneIndex) if (k.startsWith('s:') && toHandle(k.slice(2)) === hex) return i;
      return undefined;
    },
  });
  extendToOpenCalls(pageFindings, keep, spanNs);

  const total = packed.nIntervals;
  const nInst = packed.nInstants;
  if (!degraded && total + nInst > LARGE_REPORT) {
    warnings.push(
      `This report embeds ${total.toLocaleString('en-US')} intervals and ${nInst.toLocaleString('en-US')} instants; ` +
        'a browser may be slow with it. For traces this large, `mpstrace export --format chrome` and ui.perfetto.dev scale further.',
    );
  }
  const counted = findingsCount(findings.map((f) => ({ severity: f.severity as 'error', count: f.count ?? 1 })));
  // an incomplete analysis still counts what it found, and says it is incomplete (never a bare "no problems found")
  const count = incomplete ? `INCOMPLETE: ${partialCount(findings)}; see the findings note` : findingsNote ? null : counted;
  const info = await infoPairs(conn, loaded.info, { events, spanNs, lanes: keep, hiddenStreams, findings: count });
  if (degraded)
    info.push([
      'timeline',
      `aggregated (${estimated.toLocaleString('en-US')} items over the limit of ${maxItems.toLocaleString('en-US')})`,
    ]);
  const payload: ReportPayload = {
    version: 1,
    title: opts.title ?? (opts.tracePath ? path.basename(opts.tracePath) : 'trace'),
    info,
    warnings,
    spanNs,
    originNs: origin,
    strings: dict.list,
    categories: [...CATEGORIES],
    lanes: packed.lanes,
    tracks: packed.tracks,
    intervals: packed.intervals,
    instants: packed.instants,
    flows: packed.flows,
    findings: pageFindings,
    ...(count !== null ? { findingsCount: count } : {}),
    ...(findingsNote ? { findingsNote } : {}),
    ...(degraded ? { aggregated: true } : {}),
  };
  const stats = {
    events,
    intervals: total,
    instants: nInst,
    flows: packed.flows.n,
    findings: pageFindings.length,
    findingsCount: count ?? undefined,
    ...(incomplete ? { findingsIncomplete: incomplete } : {}),
    ...(degraded ? { aggregated: { estimatedItems: estimated, maxItems } } : {}),
  };
  return { payload, stats };
}

/**
 * Time 0 of the page is the first record; the end is the last record or GPU completion.
 * String and call-site records are metadata whose ts may be 0.
 */
async function timeSpan(conn: DuckDBConnection): Promise<{ origin: string; events: number; spanNs: number }> {
  const [span] = await rowsOf(
    conn,
    `SELECT CAST(min(ts) FILTER (WHERE ${ON_TIMELINE_SQL}) AS VARCHAR) AS origin, count(*) AS n FROM raw_events`,
  );
  const origin = /^-?\d+$/.test(str(span.origin)) ? str(span.origin) : '0';
  const O = `CAST(${origin} AS BIGINT)`;
  const [end] = await rowsOf(
    conn,
    `SELECT greatest(
      (SELECT max(ts) FROM raw_events WHERE ${ON_TIMELINE_SQL}),
      coalesce((SELECT max(gpu_end) FROM submissions), ${O})) - ${O} AS span`,
  );
  return { origin, events: num(span.n), spanNs: Math.max(1, num(end.span) || 0) };
}

/** Call-site id -> the CLI's label of it (`function:line (file.py)`, `symbol (module)`, `module+0xoff`). */
async function callSites(conn: DuckDBConnection): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const r of await rowsOf(conn, `SELECT site_id, symbol, module, "offset" AS off, file, line FROM callsites`)) {
    out.set(
      num(r.site_id),
      siteLabel({
        site: num(r.site_id),
        symbol: str(r.symbol) || null,
        module: str(r.module) || null,
        offset: num(r.off),
        addr: null,
        file: str(r.file) || null,
        line: num(r.line) || null,
      }),
    );
  }
  return out;
}

/**
 * The findings to show: given, or from analyzeTrace. A failure becomes a note, never a failed
 * report; when some detectors failed, the others' findings are shown and the note names the failed ones.
 */
async function findingsOf(
  loaded: LoadedLike,
  opts: ReportModelOptions,
): Promise<{ findings: FindingLike[]; findingsNote?: string; incomplete?: string }> {
  if (opts.findings) return { findings: opts.findings };
  if (opts.noAnalyze) return { findings: [], findingsNote: 'Analysis skipped (--no-analyze)' };
  try {
    return { findings: await (opts.analyze ? opts.analyze() : analyzeTrace(loaded)) };
  } catch (err) {
    if (err instanceof IncompleteAnalysisError) {
      const shown = err.analysis.findings;
      return { findings: shown, findingsNote: `Findings INCOMPLETE (${partialCount(shown)}): ${err.message}`, incomplete: err.message };
    }
    return {
      findings: [],
      findingsNote: `Findings unavailable: ${(err as Error).message.split('\n')[0]}`,
      incomplete: (err as Error).message.split('\n')[0],
    };
  }
}

/** The count of an incomplete analysis: never "no problems found" or a bare "0 findings". */
function partialCount(findings: FindingLike[]): string {
  const n = (sev: string) => findings.filter((f) => f.severity === sev).length;
  return `${n('error')} error(s), ${n('warning')} warning(s) from the detectors that ran`;
}

/**
 * Lanes that show nothing are folded away: a thread that only wrote string records, a stream
 * handle only ever named by an event record or a pool slot (a real CUDA trace names ~100 of
 * those); the header says how many. A lane a finding points at stays. Streams first.
 */
function lanesToKeep(lanes: Lanes, findings: FindingLike[]): { keep: LaneAcc[]; hiddenStreams: number } {
  const findingThreads = new Set(findings.flatMap((f) => (f.threads ?? []).map((t) => String(t.tid))));
  const findingStreams = new Set(findings.flatMap((f) => f.streams ?? []));
  const all = [...lanes.map.values()];
  const keep = all.filter(
    (l) =>
      l.api.n + l.gpu.n + l.nest.n + l.slot.n + l.inst.ts.length > 0 ||
      (l.kind === 'thread' ? findingThreads.has(l.key) : findingStreams.has(toHandle(l.key))),
  );
  const hiddenStreams = all.filter((l) => l.kind === 'stream').length - keep.filter((l) => l.kind === 'stream').length;
  keep.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'stream' ? -1 : 1));
  return { keep, hiddenStreams };
}

/**
 * A finding whose evidence starts a call that never returned spans to the end of the
 * trace, as the call's bar does (the evidence stops at the begin record).
 */
function extendToOpenCalls(findings: PageFinding[], keep: LaneAcc[], spanNs: number): void {
  for (const f of findings) {
    for (const li of f.lanes) {
      const l = keep[li];
      if (!l) continue;
      const b = l.nest;
      for (let i = 0; i < b.n; i++) {
        if (b.flags[i] & FLAG_OPEN && b.cat[i] !== CATEGORIES.indexOf('range') && b.start[i] >= f.t0 - 1 && b.start[i] <= f.t1 + 1)
          f.t1 = Math.max(f.t1, spanNs);
      }
    }
  }
}
