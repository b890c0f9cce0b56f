// Builds the page payload from a loaded trace: DuckDB pairs and joins (the team's
// derived views), this module only lays the rows out into lanes and tracks and
// packs them into columns. See payload.ts for the layout the page decodes.
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  CAT, CATEGORIES, FLAG_ERROR, FLAG_OPEN, StringDict, table,
  type Lane, type PageFinding, type ReportPayload, type Track,
} from './payload.js';
import { IntervalBuf, nestRows, packRows } from './intervals.js';
import { forEachChunk, hexHandle, num, rowsOf, str } from './query.js';
import { findingsForPage, type FindingLike } from './findings.js';
import { findingsCount, siteLabel } from '../analyze/finding.js';

export interface LoadedLike {
  connection: DuckDBConnection;
  info?: unknown;
  warnings?: { code?: string; message: string; offset?: number }[];
}

export interface ReportModelOptions {
  /** Shown in the header; defaults to the trace file name. */
  title?: string;
  tracePath?: string;
  /** Findings to show; when absent, analyzeTrace runs if src/analyze is present. */
  findings?: FindingLike[];
  /** Skip analysis (for a report of a trace whose analysis is known to be slow). */
  noAnalyze?: boolean;
}

/** Above this many embedded items the page warns that a browser may struggle (about 100 MB of HTML). */
export const LARGE_REPORT = 3_000_000;

type LaneKey = string; // 's:<stream>' or 't:<tid>'

interface LaneAcc {
  kind: 'stream' | 'thread';
  key: string;
  label: string;
  detail: string;
  gpu: IntervalBuf;
  nest: IntervalBuf;
  slot: IntervalBuf;
  inst: { ts: number[]; name: number[]; site: number[]; cat: number[] };
}

export interface ReportStats {
  events: number;
  intervals: number;
  instants: number;
  flows: number;
  findings: number;
  /** the CLI's wording of the findings count (errors, warnings, context notes) */
  findingsCount?: string;
}

export async function buildReportPayload(loaded: LoadedLike, opts: ReportModelOptions = {}): Promise<{ payload: ReportPayload; stats: ReportStats }> {
  const conn = loaded.connection;
  const dict = new StringDict();
  const warnings: string[] = (loaded.warnings ?? []).slice(0, 20).map((w) => (w.offset !== undefined ? `${w.message} (byte ${w.offset})` : w.message));
  if ((loaded.warnings?.length ?? 0) > 20) warnings.push(`… and ${loaded.warnings!.length - 20} more warnings (see \`mpstrace info\`)`);

  // Time 0 of the page is the first record; the end is the last record or GPU completion.
  // String and call-site records (kinds 9, 10) are metadata whose ts may be 0.
  const [span] = await rowsOf(conn, `SELECT CAST(min(ts) FILTER (WHERE kind NOT IN (9, 10)) AS VARCHAR) AS origin, count(*) AS n FROM raw_events`);
  const events = num(span.n);
  const origin = /^-?\d+$/.test(str(span.origin)) ? str(span.origin) : '0';
  const O = `CAST(${origin} AS BIGINT)`;
  const [end] = await rowsOf(conn, `SELECT greatest(
      (SELECT max(ts) FROM raw_events WHERE kind NOT IN (9, 10)),
      coalesce((SELECT max(gpu_end) FROM submissions), ${O})) - ${O} AS span`);
  const spanNs = Math.max(1, num(end.span) || 0);
  const E = `(${O} + CAST(${spanNs} AS BIGINT))`;

  const sites = new Map<number, number>();
  for (const r of await rowsOf(conn, `SELECT site_id, symbol, module, "offset" AS off FROM callsites`)) {
    const label = siteLabel({ site: num(r.site_id), symbol: str(r.symbol) || null, module: str(r.module) || null, offset: num(r.off), addr: null });
    sites.set(num(r.site_id), dict.id(label));
  }
  const siteId = (v: unknown) => sites.get(num(v as number)) ?? 0;

  const lanes = new Map<LaneKey, LaneAcc>();
  const newLane = (kind: 'stream' | 'thread', key: string, label: string, detail: string): LaneAcc => {
    const acc: LaneAcc = {
      kind, key, label, detail, gpu: new IntervalBuf(), nest: new IntervalBuf(), slot: new IntervalBuf(),
      inst: { ts: [], name: [], site: [], cat: [] },
    };
    lanes.set(`${kind === 'stream' ? 's' : 't'}:${key}`, acc);
    return acc;
  };
  for (const r of await rowsOf(conn, `SELECT CAST(stream AS VARCHAR) AS k, n_submits FROM streams ORDER BY coalesce(created_ts, first_ts), stream`)) {
    const n = num(r.n_submits);
    newLane('stream', str(r.k), `stream ${hexHandle(str(r.k))}`, `${n} submission${n === 1 ? '' : 's'}`);
  }
  for (const r of await rowsOf(conn, `SELECT CAST(tid AS VARCHAR) AS k, name, exited FROM threads ORDER BY first_ts, tid`)) {
    newLane('thread', str(r.k), r.name ? str(r.name) : `thread ${str(r.k)}`, `tid ${str(r.k)}${r.exited ? ' · exited' : ''}`);
  }
  const stream = (k: string) => lanes.get(`s:${k}`) ?? newLane('stream', k, `stream ${hexHandle(k)}`, '');
  const thread = (k: string) => lanes.get(`t:${k}`) ?? newLane('thread', k, `thread ${k}`, `tid ${k}`);

  const WHAT_CAT: Record<string, number> = { launch: CAT.kernel, commit: CAT.commit, memcpy: CAT.memcpy, memset: CAT.memset };
  const defaultName: Record<string, string> = { launch: 'kernel', commit: 'command buffer', memcpy: 'memcpy', memset: 'memset' };

  // GPU execution intervals per stream.
  await forEachChunk(conn, `SELECT CAST(stream AS VARCHAR), CAST(gpu_start - ${O} AS DOUBLE), CAST(gpu_end - gpu_start AS DOUBLE),
      name, what, error, site FROM submissions WHERE gpu_start IS NOT NULL ORDER BY stream, gpu_start`, (c, n) => {
    let lastKey = '';
    let lane: LaneAcc | null = null;
    for (let i = 0; i < n; i++) {
      const k = c[0][i] as string;
      if (k !== lastKey) { lane = stream(k); lastKey = k; }
      const what = c[4][i] as string;
      lane!.gpu.push(c[1][i] as number, c[2][i] as number, dict.id((c[3][i] as string | null) ?? defaultName[what] ?? what),
        siteId(c[6][i]), WHAT_CAT[what] ?? CAT.kernel, num(c[5][i]) ? FLAG_ERROR : 0);
    }
  });
  // Submissions without a completion record: a tick at the host submit time.
  await forEachChunk(conn, `SELECT CAST(stream AS VARCHAR), CAST(ts - ${O} AS DOUBLE), name, what, site
      FROM submissions WHERE gpu_start IS NULL ORDER BY stream, ts`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const what = c[3][i] as string;
      const l = stream(c[0][i] as string);
      l.inst.ts.push(c[1][i] as number);
      l.inst.name.push(dict.id(`${(c[2][i] as string | null) ?? defaultName[what] ?? what} (no GPU completion recorded)`));
      l.inst.site.push(siteId(c[4][i]));
      l.inst.cat.push(CAT.submit);
    }
  });

  // Blocking host calls; a call that never returned runs to the end, flagged open.
  await forEachChunk(conn, `SELECT CAST(tid AS VARCHAR), CAST(begin_ts - ${O} AS DOUBLE), CAST(coalesce(end_ts, ${E}) - begin_ts AS DOUBLE),
      api, scope, CAST(target AS VARCHAR), result, site, end_ts IS NULL FROM host_syncs ORDER BY tid, begin_ts`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const scope = str(c[4][i]);
      const target = scope === 'device' ? '' : ` ${scope} ${hexHandle(str(c[5][i]))}`;
      const name = `${str(c[3][i]) || 'sync'}${target}`;
      thread(c[0][i] as string).nest.push(c[1][i] as number, c[2][i] as number, dict.id(name), siteId(c[7][i]), CAT.sync,
        (c[8][i] ? FLAG_OPEN : 0) | (num(c[6][i]) ? FLAG_ERROR : 0));
    }
  });
  await forEachChunk(conn, `SELECT CAST(tid AS VARCHAR), CAST(begin_ts - ${O} AS DOUBLE), CAST(coalesce(end_ts, ${E}) - begin_ts AS DOUBLE),
      CAST(start_event AS VARCHAR), CAST(end_event AS VARCHAR), error, site, end_ts IS NULL FROM elapsed_queries`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const name = `elapsed time ${hexHandle(str(c[3][i]))} → ${hexHandle(str(c[4][i]))}`;
      thread(c[0][i] as string).nest.push(c[1][i] as number, c[2][i] as number, dict.id(name), siteId(c[6][i]), CAT.elapsed,
        (c[7][i] ? FLAG_OPEN : 0) | (num(c[5][i]) ? FLAG_ERROR : 0));
    }
  });

  // Annotation ranges (push/pop) and device-sync intents, paired per thread by nesting.
  const open = new Map<string, { ts: number; name: string; site: number }[]>();
  const closeRange = (tid: string, fam: string, ts: number | null) => {
    const st = open.get(`${fam}:${tid}`);
    const top = st?.pop();
    if (!top) return;
    const flags = ts === null ? FLAG_OPEN : 0;
    thread(tid).nest.push(top.ts, (ts ?? spanNs) - top.ts, dict.id(top.name), top.site, CAT.range, flags);
  };
  await forEachChunk(conn, `SELECT CAST(tid AS VARCHAR) AS tid, id, CAST(ts - ${O} AS DOUBLE) AS t, what, name, site FROM intents
      WHERE what IN ('range_push', 'range_pop', 'device_sync_begin', 'device_sync_end') ORDER BY tid, id`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const tid = c[0][i] as string;
      const what = c[3][i] as string;
      const fam = what.startsWith('range') ? 'r' : 'd';
      if (what === 'range_push' || what === 'device_sync_begin') {
        const key = `${fam}:${tid}`;
        if (!open.has(key)) open.set(key, []);
        const name = fam === 'r' ? str(c[4][i]) || 'range' : `intent: device sync ${str(c[4][i])}`.trim();
        open.get(key)!.push({ ts: c[2][i] as number, name, site: siteId(c[5][i]) });
      } else closeRange(tid, fam, c[2][i] as number);
    }
  });
  for (const [key, st] of open) {
    const [fam, tid] = [key.slice(0, 1), key.slice(2)];
    while (st.length) closeRange(tid, fam, null);
  }

  // Slot ownership spans; one never released is drawn to the end and flagged open.
  await forEachChunk(conn, `SELECT CAST(tid AS VARCHAR), slot, CAST(stream AS VARCHAR), CAST(start_ts - ${O} AS DOUBLE),
      CAST(coalesce(end_ts, ${E}) - start_ts AS DOUBLE), how, end_how, end_ts IS NULL FROM slot_spans ORDER BY tid, start_ts`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const name = `slot ${num(c[1][i])} · stream ${hexHandle(str(c[2][i]))} (${str(c[5][i])}${c[6][i] ? ` → ${str(c[6][i])}` : ', never released'})`;
      thread(c[0][i] as string).slot.push(c[3][i] as number, c[4][i] as number, dict.id(name), 0, CAT.slot, c[7][i] ? FLAG_OPEN : 0);
    }
  });

  // Host-side instants: event records/waits/queries, markers.
  await forEachChunk(conn, `
      SELECT CAST(tid AS VARCHAR), CAST(ts - ${O} AS DOUBLE), 'record' AS c, 'record event ' || CAST(event AS VARCHAR) || ' on stream ' || CAST(stream AS VARCHAR), site, CAST(event AS VARCHAR), CAST(stream AS VARCHAR) FROM ev_event_record
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${O} AS DOUBLE), 'wait', NULL, site, CAST(event AS VARCHAR), CAST(stream AS VARCHAR) FROM ev_event_wait
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${O} AS DOUBLE), 'query', CAST(result AS VARCHAR), site, CAST(event AS VARCHAR), NULL FROM ev_event_query
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${O} AS DOUBLE), 'marker', name, site, NULL, NULL FROM ev_marker
      ORDER BY 1, 2`, (c, n) => {
    for (let i = 0; i < n; i++) {
      const cat = c[2][i] as string;
      const ev = c[5][i] === null ? '' : hexHandle(str(c[5][i]));
      const st = c[6][i] === null ? '' : hexHandle(str(c[6][i]));
      const name = cat === 'record' ? `record event ${ev} on stream ${st}`
        : cat === 'wait' ? `stream ${st} waits for event ${ev}`
        : cat === 'query' ? `query event ${ev} → ${str(c[3][i]) === '0' ? 'complete' : str(c[3][i]) === '1' ? 'not ready' : `error ${str(c[3][i])}`}`
        : str(c[3][i]) || 'marker';
      const l = thread(c[0][i] as string);
      l.inst.ts.push(c[1][i] as number);
      l.inst.name.push(dict.id(name));
      l.inst.site.push(siteId(c[4][i]));
      l.inst.cat.push(CAT[cat as 'record']);
    }
  });

  // Flows: each wait (device-side event wait, or a host sync on an event) consumes
  // the latest earlier record of the same event.
  const flowRows: [string, number, string, number][] = [];
  await forEachChunk(conn, `
      WITH r AS (SELECT tid, ts, event FROM ev_event_record),
      w AS (SELECT tid, ts, event FROM ev_event_wait
            UNION ALL SELECT tid, begin_ts AS ts, target AS event FROM host_syncs WHERE scope = 'event')
      SELECT CAST(r.tid AS VARCHAR), CAST(r.ts - ${O} AS DOUBLE), CAST(w.tid AS VARCHAR), CAST(w.ts - ${O} AS DOUBLE)
      FROM w ASOF JOIN r ON w.event = r.event AND w.ts >= r.ts ORDER BY 2, 4`, (c, n) => {
    for (let i = 0; i < n; i++) flowRows.push([c[0][i] as string, c[1][i] as number, c[2][i] as string, c[3][i] as number]);
  });
  for (const f of flowRows) { thread(f[0]); thread(f[2]); }

  // Findings (evidence times and lanes resolved against this layout below).
  let findingsNote: string | undefined;
  let findings: FindingLike[] = opts.findings ?? [];
  if (!opts.findings && !opts.noAnalyze) {
    try {
      const mod = (await import('../analyze/analyzeTrace.js')) as { analyzeTrace: (t: LoadedLike) => Promise<FindingLike[]> };
      findings = await mod.analyzeTrace(loaded);
    } catch (err) {
      findingsNote = `Findings unavailable: ${(err as Error).message.split('\n')[0]}`;
    }
  } else if (opts.noAnalyze) findingsNote = 'Analysis skipped (--no-analyze)';

  // Lanes that show nothing are dropped: a thread that only wrote string records, a stream
  // handle only ever named by an event record or a pool slot (a real CUDA trace names
  // ~100 of those). A lane a finding points at stays.
  const findingThreads = new Set(findings.flatMap((f) => (f.threads ?? []).map((t) => String(t.tid))));
  const findingStreams = new Set(findings.flatMap((f) => f.streams ?? []));
  const keep = [...lanes.values()].filter((l) =>
    l.gpu.n + l.nest.n + l.slot.n + l.inst.ts.length > 0 ||
    (l.kind === 'thread' ? findingThreads.has(l.key) : findingStreams.has(hexHandle(l.key))));
  const hiddenStreams = [...lanes.values()].filter((l) => l.kind === 'stream').length - keep.filter((l) => l.kind === 'stream').length;
  keep.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'stream' ? -1 : 1));

  const outLanes: Lane[] = [];
  const tracks: Track[] = [];
  const laneIndex = new Map<string, number>();
  const parts: { buf: IntervalBuf; idx: Uint32Array; rows: Uint8Array; track0: number }[] = [];
  let total = 0;
  for (const l of keep) {
    const li = outLanes.length;
    laneIndex.set(`${l.kind === 'stream' ? 's' : 't'}:${l.key}`, li);
    outLanes.push({ kind: l.kind, label: l.label, detail: l.detail });
    let row = 0;
    const add = (buf: IntervalBuf, kind: Track['kind'], pack: 'pack' | 'nest') => {
      if (buf.n === 0) return;
      const idx = buf.order();
      const rows = pack === 'pack' ? packRows(buf, idx) : nestRows(buf, idx);
      let maxRow = 0;
      for (let i = 0; i < buf.n; i++) if (rows[i] > maxRow) maxRow = rows[i];
      parts.push({ buf, idx, rows, track0: tracks.length });
      for (let r = 0; r <= maxRow; r++) tracks.push({ lane: li, row: row++, kind });
      total += buf.n;
    };
    if (l.kind === 'thread' || l.gpu.n === 0) tracks.push({ lane: li, row: row++, kind: 'instant' });
    add(l.gpu, 'gpu', 'pack');
    add(l.nest, 'nest', 'nest');
    add(l.slot, 'slot', 'pack');
  }

  // Columns sorted by track, then start.
  const counts = new Uint32Array(tracks.length);
  for (const p of parts) for (let i = 0; i < p.buf.n; i++) counts[p.track0 + p.rows[i]]++;
  const offsets = [0];
  for (let t = 0; t < tracks.length; t++) offsets.push(offsets[t] + counts[t]);
  const cursor = offsets.slice(0, -1);
  const start = new Float64Array(total);
  const dur = new Float32Array(total);
  const name = new Uint32Array(total);
  const site = new Uint32Array(total);
  const cat = new Uint8Array(total);
  const flags = new Uint8Array(total);
  for (const p of parts) {
    for (const i of p.idx) {
      const j = cursor[p.track0 + p.rows[i]]++;
      start[j] = p.buf.start[i];
      dur[j] = p.buf.dur[i];
      name[j] = p.buf.name[i];
      site[j] = p.buf.site[i];
      cat[j] = p.buf.cat[i];
      flags[j] = p.buf.flags[i];
    }
  }

  // Instants sorted by lane, then ts.
  const instOffsets = [0];
  let nInst = 0;
  for (const l of keep) { nInst += l.inst.ts.length; instOffsets.push(nInst); }
  const iTs = new Float64Array(nInst);
  const iName = new Uint32Array(nInst);
  const iSite = new Uint32Array(nInst);
  const iCat = new Uint8Array(nInst);
  keep.forEach((l, li) => {
    const base = instOffsets[li];
    const order = l.inst.ts.map((_, i) => i).sort((a, b) => l.inst.ts[a] - l.inst.ts[b] || a - b);
    order.forEach((src, k) => {
      iTs[base + k] = l.inst.ts[src];
      iName[base + k] = l.inst.name[src];
      iSite[base + k] = l.inst.site[src];
      iCat[base + k] = l.inst.cat[src];
    });
  });

  const nFlows = flowRows.length;
  const fromTs = new Float64Array(nFlows);
  const toTs = new Float64Array(nFlows);
  const fromLane = new Uint16Array(nFlows);
  const toLane = new Uint16Array(nFlows);
  flowRows.forEach((f, i) => {
    fromTs[i] = f[1];
    fromLane[i] = laneIndex.get(`t:${f[0]}`) ?? 0;
    toTs[i] = f[3];
    toLane[i] = laneIndex.get(`t:${f[2]}`) ?? 0;
  });

  const pageFindings: PageFinding[] = findingsForPage(findings, {
    originNs: Number(origin),
    spanNs,
    threadLane: (tid) => laneIndex.get(`t:${tid}`),
    streamLane: (hex) => {
      for (const [k, i] of laneIndex) if (k.startsWith('s:') && hexHandle(k.slice(2)) === hex) return i;
      return undefined;
    },
  });

  if (total + nInst > LARGE_REPORT) {
    warnings.push(`This report embeds ${total.toLocaleString('en-US')} intervals and ${nInst.toLocaleString('en-US')} instants; ` +
      'a browser may be slow with it. For traces this large, `mpstrace export --format chrome` and ui.perfetto.dev scale further.');
  }
  const info = await infoPairs(conn, loaded.info, { events, spanNs, lanes: keep, hiddenStreams, findings: findingsNote ? null : findingsCount(findings.map((f) => ({ severity: f.severity as 'error', count: f.count ?? 1 }))) });
  const payload: ReportPayload = {
    version: 1,
    title: opts.title ?? (opts.tracePath ? path.basename(opts.tracePath) : 'trace'),
    info,
    warnings,
    spanNs,
    originNs: origin,
    strings: dict.list,
    categories: [...CATEGORIES],
    lanes: outLanes,
    tracks,
    intervals: { ...table(total, { start, dur, name, site, cat, flags }), offsets },
    instants: { ...table(nInst, { ts: iTs, name: iName, site: iSite, cat: iCat }), offsets: instOffsets },
    flows: table(nFlows, { fromTs, fromLane, toTs, toLane }),
    findings: pageFindings,
    ...(findingsNote ? {} : { findingsCount: findingsCount(findings.map((f) => ({ severity: f.severity as 'error', count: f.count ?? 1 }))) }),
    ...(findingsNote ? { findingsNote } : {}),
  };
  return { payload, stats: { events, intervals: total, instants: nInst, flows: nFlows, findings: pageFindings.length, findingsCount: payload.findingsCount } };
}

/** trace_meta keys shown in the header, in this order (paths, mtimes and load details are left out). */
const META_KEYS = ['backend', 'recorder', 'pid', 'clock', 'synthetic', 'closed_cleanly', 'cupti_completions', 'format_version'];

/** The header's key/value summary: trace_meta rows plus counts from this layout. */
async function infoPairs(
  conn: DuckDBConnection,
  info: unknown,
  s: { events: number; spanNs: number; lanes: LaneAcc[]; hiddenStreams: number; findings: string | null },
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const put = (k: string, v: unknown) => {
    if (seen.has(k) || v === null || v === undefined || v === '' || typeof v === 'object') return;
    seen.add(k);
    out.push([k, String(v)]);
  };
  try {
    const meta = new Map((await rowsOf(conn, `SELECT key, CAST(value AS VARCHAR) AS value FROM trace_meta`)).map((r) => [str(r.key), str(r.value)]));
    for (const k of META_KEYS) if (meta.has(k)) put(k, meta.get(k));
  } catch {
    // trace_meta is optional for the page
  }
  // A fixed subset of TraceInfo: stable across runs (no paths or load times) and meaningful to a reader.
  const INFO_KEYS = ['backend', 'clock', 'pid', 'synthetic', 'badRecords', 'badChunks', 'unknownRecords'];
  if (info && typeof info === 'object') {
    const o = info as Record<string, unknown>;
    for (const k of INFO_KEYS) if (k in o && !(k.startsWith('bad') && o[k] === 0) && !(k === 'unknownRecords' && o[k] === 0)) put(k, o[k]);
  }
  put('events', s.events.toLocaleString('en-US'));
  put('span', s.spanNs >= 1e9 ? `${(s.spanNs / 1e9).toFixed(3)} s` : `${(s.spanNs / 1e6).toFixed(3)} ms`);
  const shown = s.lanes.filter((l) => l.kind === 'stream').length;
  put('streams', s.hiddenStreams ? `${shown} with work (${shown + s.hiddenStreams} named in the trace)` : shown);
  put('threads', s.lanes.filter((l) => l.kind === 'thread').length);
  if (s.findings !== null) put('findings', s.findings);
  return out;
}
