// Reads what the page draws from the team's DuckDB views (submissions, host_syncs,
// elapsed_queries, intents, slot_spans, event records and waits) into one
// accumulator per lane: a lane per GPU stream, a lane per host thread. Each
// collector is one query; this module only names and places the rows.
import type { DuckDBConnection } from '@duckdb/node-api';
import { CAT, FLAG_ERROR, FLAG_OPEN, type StringDict } from './payload.js';
import { IntervalBuf } from './intervals.js';
import { forEachChunk, num, rowsOf, str, toHandle } from '../ingest/db.js';

export interface LaneAcc {
  kind: 'stream' | 'thread';
  key: string;
  label: string;
  detail: string;
  /** host API calls (launches, copies) on a thread */
  api: IntervalBuf;
  gpu: IntervalBuf;
  nest: IntervalBuf;
  slot: IntervalBuf;
  inst: { ts: number[]; name: number[]; site: number[]; cat: number[] };
}

/** A flow arrow between two lanes (by key), kind 0: event record -> wait, 1: host launch -> GPU execution. */
export interface FlowRow {
  from: string;
  fromTs: number;
  to: string;
  toTs: number;
  kind: 0 | 1;
}
export const FLOW_RECORD_WAIT = 0;
export const FLOW_LAUNCH = 1;

/** Fixed context of one collection: the connection, the time origin and end (SQL expressions), the string dictionary. */
export interface Ctx {
  conn: DuckDBConnection;
  dict: StringDict;
  /** SQL for time 0 (ns, BIGINT) and the trace end */
  O: string;
  E: string;
  spanNs: number;
  siteId(v: unknown): number;
}

/** Well-known CUDA stream handles (cuda_runtime_api.h): 0 is the default stream, 1 and 2 its explicit spellings. */
const WELL_KNOWN_STREAMS: Record<string, string> = { '0': 'default stream (legacy)', '1': 'cudaStreamLegacy', '2': 'cudaStreamPerThread' };

export class Lanes {
  readonly map = new Map<string, LaneAcc>();

  add(kind: 'stream' | 'thread', key: string, label: string, detail: string): LaneAcc {
    const acc: LaneAcc = {
      kind,
      key,
      label,
      detail,
      api: new IntervalBuf(),
      gpu: new IntervalBuf(),
      nest: new IntervalBuf(),
      slot: new IntervalBuf(),
      inst: { ts: [], name: [], site: [], cat: [] },
    };
    this.map.set(`${kind === 'stream' ? 's' : 't'}:${key}`, acc);
    return acc;
  }

  stream(k: string): LaneAcc {
    return this.map.get(`s:${k}`) ?? this.add('stream', k, `stream ${toHandle(k)}`, '');
  }
  thread(k: string): LaneAcc {
    return this.map.get(`t:${k}`) ?? this.add('thread', k, `thread ${k}`, `tid ${k}`);
  }
}

/** Stream lanes (labelled default / legacy / per-thread / created at a call site) and thread lanes, in first-use order. */
export async function collectLaneNames(c: Ctx, lanes: Lanes, siteText: Map<number, string>): Promise<void> {
  const created = new Map<string, string>();
  try {
    for (const r of await rowsOf(
      c.conn,
      `SELECT CAST(stream AS VARCHAR) AS k, min_by(site, ts) AS site FROM ev_stream_create GROUP BY 1`,
    )) {
      const s = siteText.get(num(r.site));
      // a library frame (libffi, libtorch) says nothing about where the program made the stream
      if (s && !/\.(so|dylib|dll)(\.\d+)*\)?$|\+0x[0-9a-f]+$/.test(s)) created.set(str(r.k), s);
    }
  } catch {
    // a trace without stream_create records: lanes keep their handle only
  }
  for (const r of await rowsOf(
    c.conn,
    `SELECT CAST(stream AS VARCHAR) AS k, n_submits FROM streams ORDER BY coalesce(created_ts, first_ts), stream`,
  )) {
    const k = str(r.k);
    const n = num(r.n_submits);
    const known = WELL_KNOWN_STREAMS[k];
    const where = created.get(k);
    const detail = [`${n} submission${n === 1 ? '' : 's'}`, where ? `created at ${where}` : ''].filter(Boolean).join(' · ');
    lanes.add('stream', k, known ?? `stream ${toHandle(k)}`, detail);
  }
  for (const r of await rowsOf(c.conn, `SELECT CAST(tid AS VARCHAR) AS k, name, exited FROM threads ORDER BY first_ts, tid`)) {
    lanes.add('thread', str(r.k), r.name ? str(r.name) : `thread ${str(r.k)}`, `tid ${str(r.k)}${r.exited ? ' · exited' : ''}`);
  }
}

const WHAT_CAT: Record<string, number> = { launch: CAT.kernel, commit: CAT.commit, memcpy: CAT.memcpy, memset: CAT.memset };
const DEFAULT_NAME: Record<string, string> = { launch: 'kernel', commit: 'command buffer', memcpy: 'memcpy', memset: 'memset' };
const API_NAME: Record<string, string> = { launch: 'launch', commit: 'commit', memcpy: 'memcpy', memset: 'memset' };
/** The host call's slice name: `launch <kernel>`, `memcpy d2h` (a copy's name already says what it is). */
const apiName = (what: string, name: string) => (name.startsWith(API_NAME[what] ?? what) ? name : `${API_NAME[what] ?? what} ${name}`);

/**
 * GPU execution per stream; the host call that submitted it as an API slice on
 * its thread, with a launch -> execution flow (the submission view pairs them by
 * correlation id); a submission without a completion is a tick at its submit time.
 */
export async function collectSubmissions(c: Ctx, lanes: Lanes, flows: FlowRow[]): Promise<void> {
  await forEachChunk(
    c.conn,
    `SELECT CAST(stream AS VARCHAR), CAST(gpu_start - ${c.O} AS DOUBLE), CAST(gpu_end - gpu_start AS DOUBLE),
      name, what, error, site, CAST(tid AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE) FROM submissions WHERE gpu_start IS NOT NULL ORDER BY stream, gpu_start`,
    (col, n) => {
      let lastKey = '';
      let lane: LaneAcc | null = null;
      for (let i = 0; i < n; i++) {
        const k = col[0][i] as string;
        if (k !== lastKey) {
          lane = lanes.stream(k);
          lastKey = k;
        }
        const what = col[4][i] as string;
        const name = (col[3][i] as string | null) ?? DEFAULT_NAME[what] ?? what;
        const site = c.siteId(col[6][i]);
        lane!.gpu.push(
          col[1][i] as number,
          col[2][i] as number,
          c.dict.id(name),
          site,
          WHAT_CAT[what] ?? CAT.kernel,
          num(col[5][i]) ? FLAG_ERROR : 0,
        );
        const tid = col[7][i] as string | null;
        const ts = col[8][i] as number | null;
        if (tid !== null && ts !== null) {
          // The recorder stamps the call once (at submit): the slice is the call's instant, drawn a few px wide.
          lanes.thread(tid).api.push(ts, 0, c.dict.id(apiName(what, name)), site, CAT.launch, 0);
          flows.push({ from: `t:${tid}`, fromTs: ts, to: `s:${k}`, toTs: col[1][i] as number, kind: FLOW_LAUNCH });
        }
      }
    },
  );
  await forEachChunk(
    c.conn,
    `SELECT CAST(stream AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE), name, what, site, CAST(tid AS VARCHAR)
      FROM submissions WHERE gpu_start IS NULL ORDER BY stream, ts`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const what = col[3][i] as string;
        const name = (col[2][i] as string | null) ?? DEFAULT_NAME[what] ?? what;
        const l = lanes.stream(col[0][i] as string);
        l.inst.ts.push(col[1][i] as number);
        l.inst.name.push(c.dict.id(`${name} (no GPU completion recorded)`));
        l.inst.site.push(c.siteId(col[4][i]));
        l.inst.cat.push(CAT.submit);
        const tid = col[5][i] as string | null;
        if (tid !== null)
          lanes.thread(tid).api.push(col[1][i] as number, 0, c.dict.id(apiName(what, name)), c.siteId(col[4][i]), CAT.launch, 0);
      }
    },
  );
}

/** Blocking host calls (syncs, elapsed-time queries); a call that never returned runs to the end, flagged open. */
export async function collectHostCalls(c: Ctx, lanes: Lanes): Promise<void> {
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), CAST(begin_ts - ${c.O} AS DOUBLE), CAST(coalesce(end_ts, ${c.E}) - begin_ts AS DOUBLE),
      api, scope, CAST(target AS VARCHAR), result, site, end_ts IS NULL FROM host_syncs ORDER BY tid, begin_ts`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const scope = str(col[4][i]);
        const target = scope === 'device' ? '' : ` ${scope} ${toHandle(str(col[5][i]))}`;
        const name = `${str(col[3][i]) || 'sync'}${target}`;
        lanes
          .thread(col[0][i] as string)
          .nest.push(
            col[1][i] as number,
            col[2][i] as number,
            c.dict.id(name),
            c.siteId(col[7][i]),
            CAT.sync,
            (col[8][i] ? FLAG_OPEN : 0) | (num(col[6][i]) ? FLAG_ERROR : 0),
          );
      }
    },
  );
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), CAST(begin_ts - ${c.O} AS DOUBLE), CAST(coalesce(end_ts, ${c.E}) - begin_ts AS DOUBLE),
      CAST(start_event AS VARCHAR), CAST(end_event AS VARCHAR), error, site, end_ts IS NULL FROM elapsed_queries`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const name = `elapsed time ${toHandle(str(col[3][i]))} → ${toHandle(str(col[4][i]))}`;
        lanes
          .thread(col[0][i] as string)
          .nest.push(
            col[1][i] as number,
            col[2][i] as number,
            c.dict.id(name),
            c.siteId(col[6][i]),
            CAT.elapsed,
            (col[7][i] ? FLAG_OPEN : 0) | (num(col[5][i]) ? FLAG_ERROR : 0),
          );
      }
    },
  );
}

/** Annotation ranges (push/pop) and device-sync intents, paired per thread by nesting; unclosed ones run to the end. */
export async function collectRanges(c: Ctx, lanes: Lanes): Promise<void> {
  const open = new Map<string, { ts: number; name: string; site: number }[]>();
  const close = (tid: string, fam: string, ts: number | null) => {
    const top = open.get(`${fam}:${tid}`)?.pop();
    if (!top) return;
    lanes.thread(tid).nest.push(top.ts, (ts ?? c.spanNs) - top.ts, c.dict.id(top.name), top.site, CAT.range, ts === null ? FLAG_OPEN : 0);
  };
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR) AS tid, id, CAST(ts - ${c.O} AS DOUBLE) AS t, what, name, site FROM intents
      WHERE what IN ('range_push', 'range_pop', 'device_sync_begin', 'device_sync_end') ORDER BY tid, id`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const tid = col[0][i] as string;
        const what = col[3][i] as string;
        const fam = what.startsWith('range') ? 'r' : 'd';
        if (what === 'range_push' || what === 'device_sync_begin') {
          const key = `${fam}:${tid}`;
          if (!open.has(key)) open.set(key, []);
          const name = fam === 'r' ? str(col[4][i]) || 'range' : `intent: device sync ${str(col[4][i])}`.trim();
          open.get(key)!.push({ ts: col[2][i] as number, name, site: c.siteId(col[5][i]) });
        } else close(tid, fam, col[2][i] as number);
      }
    },
  );
  for (const [key, st] of open) {
    const [fam, tid] = [key.slice(0, 1), key.slice(2)];
    while (st.length) close(tid, fam, null);
  }
}

/** Slot ownership spans; one never released is drawn to the end and flagged open. */
export async function collectSlots(c: Ctx, lanes: Lanes): Promise<void> {
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), slot, CAST(stream AS VARCHAR), CAST(start_ts - ${c.O} AS DOUBLE),
      CAST(coalesce(end_ts, ${c.E}) - start_ts AS DOUBLE), how, end_how, end_ts IS NULL FROM slot_spans ORDER BY tid, start_ts`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const name = `slot ${num(col[1][i])} · stream ${toHandle(str(col[2][i]))} (${str(col[5][i])}${col[6][i] ? ` → ${str(col[6][i])}` : ', never released'})`;
        lanes
          .thread(col[0][i] as string)
          .slot.push(col[3][i] as number, col[4][i] as number, c.dict.id(name), 0, CAT.slot, col[7][i] ? FLAG_OPEN : 0);
      }
    },
  );
}

/** Host-side instants: event records, waits, queries, markers. */
export async function collectInstants(c: Ctx, lanes: Lanes): Promise<void> {
  await forEachChunk(
    c.conn,
    `
      SELECT CAST(tid AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE), 'record' AS c, NULL, site, CAST(event AS VARCHAR), CAST(stream AS VARCHAR) FROM ev_event_record
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE), 'wait', NULL, site, CAST(event AS VARCHAR), CAST(stream AS VARCHAR) FROM ev_event_wait
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE), 'query', CAST(result AS VARCHAR), site, CAST(event AS VARCHAR), NULL FROM ev_event_query
      UNION ALL SELECT CAST(tid AS VARCHAR), CAST(ts - ${c.O} AS DOUBLE), 'marker', name, site, NULL, NULL FROM ev_marker
      ORDER BY 1, 2`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const cat = col[2][i] as string;
        const ev = col[5][i] === null ? '' : toHandle(str(col[5][i]));
        const st = col[6][i] === null ? '' : toHandle(str(col[6][i]));
        const res = str(col[3][i]);
        const name =
          cat === 'record'
            ? `record event ${ev} on stream ${st}`
            : cat === 'wait'
              ? `stream ${st} waits for event ${ev}`
              : cat === 'query'
                ? `query event ${ev} → ${res === '0' ? 'complete' : res === '1' ? 'not ready' : `error ${res}`}`
                : res || 'marker';
        const l = lanes.thread(col[0][i] as string);
        l.inst.ts.push(col[1][i] as number);
        l.inst.name.push(c.dict.id(name));
        l.inst.site.push(c.siteId(col[4][i]));
        l.inst.cat.push(CAT[cat as 'record']);
      }
    },
  );
}

/** Record -> wait flows: each wait (device-side, or a host sync on an event) consumes the latest earlier record of its event. */
export async function collectRecordWaitFlows(c: Ctx, lanes: Lanes, flows: FlowRow[]): Promise<void> {
  await forEachChunk(
    c.conn,
    `
      WITH r AS (SELECT tid, ts, event FROM ev_event_record),
      w AS (SELECT tid, ts, event FROM ev_event_wait
            UNION ALL SELECT tid, begin_ts AS ts, target AS event FROM host_syncs WHERE scope = 'event')
      SELECT CAST(r.tid AS VARCHAR), CAST(r.ts - ${c.O} AS DOUBLE), CAST(w.tid AS VARCHAR), CAST(w.ts - ${c.O} AS DOUBLE)
      FROM w ASOF JOIN r ON w.event = r.event AND w.ts >= r.ts ORDER BY 2, 4`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const from = col[0][i] as string;
        const to = col[2][i] as string;
        lanes.thread(from);
        lanes.thread(to);
        flows.push({ from: `t:${from}`, fromTs: col[1][i] as number, to: `t:${to}`, toTs: col[3][i] as number, kind: FLOW_RECORD_WAIT });
      }
    },
  );
}
