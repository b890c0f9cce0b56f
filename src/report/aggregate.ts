// The degraded layout for a trace too large to embed: instead of one interval per
// kernel, sync or slot span, each lane gets one bar per category and time bucket,
// named with what it stands for ("1,234 kernels, busy 61 %"), computed by DuckDB
// GROUP BYs, so memory is bounded by lanes x buckets, not by the trace. Calls that
// never returned (a hang's evidence) and slots never released stay individual.
// Flows are left out. model.ts decides when to use this and writes the note.
import type { DuckDBConnection } from '@duckdb/node-api';
import { CAT, FLAG_ERROR, FLAG_OPEN } from './payload.js';
import { forEachChunk, num, rowsOf, str, toHandle } from '../ingest/db.js';
import { KIND } from '../format/kinds.js';
import type { Ctx, Lanes } from './collect.js';

/**
 * Upper bound of what the full layout would embed (intervals + instants + flows),
 * from record counts only: a submission can give a GPU interval, a host API slice and
 * a flow; every other drawn record one item.
 */
export async function estimateItems(conn: DuckDBConnection): Promise<number> {
  const three = [KIND.submit, KIND.cb_commit, KIND.memcpy, KIND.memset];
  const one = [
    KIND.sync_begin,
    KIND.elapsed_begin,
    KIND.range_push,
    KIND.intent_device_sync_begin,
    KIND.slot_acquire,
    KIND.slot_set_current,
    KIND.event_record,
    KIND.event_query,
    KIND.marker,
  ];
  // a wait is an instant and the end of a record -> wait flow
  const two = [KIND.event_wait];
  const [r] = await rowsOf(
    conn,
    `SELECT
      count(*) FILTER (WHERE kind IN (${three.join(', ')})) AS n3,
      count(*) FILTER (WHERE kind IN (${two.join(', ')})) AS n2,
      count(*) FILTER (WHERE kind IN (${one.join(', ')})) AS n1
    FROM raw_events`,
  );
  return 3 * num(r!.n3) + 2 * num(r!.n2) + num(r!.n1);
}

const WHAT_CAT: Record<string, number> = { launch: CAT.kernel, commit: CAT.commit, memcpy: CAT.memcpy, memset: CAT.memset };
const NOUN: Record<string, [string, string]> = {
  launch: ['kernel', 'kernels'],
  commit: ['command buffer', 'command buffers'],
  memcpy: ['copy', 'copies'],
  memset: ['memset', 'memsets'],
  sync: ['sync call', 'sync calls'],
  elapsed: ['elapsed-time query', 'elapsed-time queries'],
  range: ['range', 'ranges'],
  slot: ['slot span', 'slot spans'],
  record: ['event record', 'event records'],
  wait: ['event wait', 'event waits'],
  query: ['event query', 'event queries'],
  marker: ['marker', 'markers'],
  submit: ['submission without completion', 'submissions without completion'],
  api: ['launch/copy call', 'launch/copy calls'],
};
const noun = (what: string, n: number) => (NOUN[what] ?? [what, what])[n === 1 ? 0 : 1];
const count = (n: number) => n.toLocaleString('en-US');
const pct = (busy: number, span: number) => `${Math.min(100, Math.round((100 * busy) / Math.max(1, span)))} %`;

/**
 * One bar per (lane, category, bucket): it spans from the first start to the last end
 * inside its bucket (clipped to the bucket), and its name gives the count and the share
 * of the bucket the items covered (summed durations, so overlapping work can add up
 * past 100 %, which is clipped).
 */
export async function collectAggregated(c: Ctx, lanes: Lanes, bucketNs: number): Promise<void> {
  const B = `CAST(${Math.max(1, Math.round(bucketNs))} AS BIGINT)`;
  const O = c.O;
  // GPU execution per stream and the submitting host calls per thread.
  await forEachChunk(
    c.conn,
    `SELECT CAST(stream AS VARCHAR), what, (gpu_start - ${O}) // ${B} AS b, count(*),
        CAST(min(gpu_start - ${O}) AS DOUBLE), CAST(max(gpu_end - ${O}) AS DOUBLE), CAST(sum(gpu_end - gpu_start) AS DOUBLE), bool_or(error <> 0)
      FROM submissions WHERE gpu_start IS NOT NULL GROUP BY ALL ORDER BY 1, 3, 2`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const what = str(col[1][i]);
        const k = num(col[3][i]);
        const [start, dur] = clip(col[4][i] as number, col[5][i] as number, num(col[2][i]), bucketNs);
        lanes
          .stream(str(col[0][i]))
          .gpu.push(
            start,
            dur,
            c.dict.id(`${count(k)} ${noun(what, k)}, busy ${pct(col[6][i] as number, bucketNs)} of ${fmtDur(bucketNs)}`),
            0,
            WHAT_CAT[what] ?? CAT.kernel,
            col[7][i] ? FLAG_ERROR : 0,
          );
      }
    },
  );
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), (ts - ${O}) // ${B} AS b, count(*), CAST(min(ts - ${O}) AS DOUBLE), CAST(max(ts - ${O}) AS DOUBLE),
        count(*) FILTER (WHERE gpu_start IS NULL)
      FROM submissions WHERE tid IS NOT NULL GROUP BY ALL ORDER BY 1, 2`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const k = num(col[2][i]);
        const lost = num(col[5][i]);
        const [start, dur] = clip(col[3][i] as number, col[4][i] as number, num(col[1][i]), bucketNs);
        const name = `${count(k)} ${noun('api', k)}${lost ? ` (${count(lost)} without a GPU completion)` : ''}`;
        lanes.thread(str(col[0][i])).api.push(start, dur, c.dict.id(name), 0, CAT.launch, 0);
      }
    },
  );
  // Blocking host calls, ranges and slot spans per thread; open ones individually below.
  await forEachChunk(
    c.conn,
    `
      WITH calls AS (
        SELECT tid, 'sync' AS what, begin_ts AS s, end_ts AS e, result <> 0 AS err FROM host_syncs WHERE end_ts IS NOT NULL
        UNION ALL SELECT tid, 'elapsed', begin_ts, end_ts, error <> 0 FROM elapsed_queries WHERE end_ts IS NOT NULL
        UNION ALL SELECT tid, 'slot', start_ts, end_ts, false FROM slot_spans WHERE end_ts IS NOT NULL
      )
      SELECT CAST(tid AS VARCHAR), what, (s - ${O}) // ${B} AS b, count(*), CAST(min(s - ${O}) AS DOUBLE), CAST(max(e - ${O}) AS DOUBLE),
        CAST(sum(e - s) AS DOUBLE), bool_or(coalesce(err, false))
      FROM calls GROUP BY ALL ORDER BY 1, 3, 2`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const what = str(col[1][i]);
        const k = num(col[3][i]);
        const [start, dur] = clip(col[4][i] as number, col[5][i] as number, num(col[2][i]), bucketNs);
        const name = `${count(k)} ${noun(what, k)}, ${what === 'slot' ? 'held' : 'blocked'} ${pct(col[6][i] as number, bucketNs)} of ${fmtDur(bucketNs)}`;
        const lane = lanes.thread(str(col[0][i]));
        (what === 'slot' ? lane.slot : lane.nest).push(
          start,
          dur,
          c.dict.id(name),
          0,
          what === 'slot' ? CAT.slot : what === 'elapsed' ? CAT.elapsed : CAT.sync,
          col[7][i] ? FLAG_ERROR : 0,
        );
      }
    },
  );
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), CAST(begin_ts - ${O} AS DOUBLE), CAST(${c.E} - begin_ts AS DOUBLE), api, scope, CAST(target AS VARCHAR), site
      FROM host_syncs WHERE end_ts IS NULL ORDER BY tid, begin_ts LIMIT 100000`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const scope = str(col[4][i]);
        const name = `${str(col[3][i]) || 'sync'}${scope === 'device' ? '' : ` ${scope} ${toHandle(str(col[5][i]))}`} (never returned)`;
        lanes
          .thread(str(col[0][i]))
          .nest.push(col[1][i] as number, col[2][i] as number, c.dict.id(name), c.siteId(col[6][i]), CAT.sync, FLAG_OPEN);
      }
    },
  );
  await forEachChunk(
    c.conn,
    `SELECT CAST(tid AS VARCHAR), slot, CAST(stream AS VARCHAR), CAST(start_ts - ${O} AS DOUBLE), CAST(${c.E} - start_ts AS DOUBLE)
      FROM slot_spans WHERE end_ts IS NULL ORDER BY tid, start_ts LIMIT 100000`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const name = `slot ${num(col[1][i])} · stream ${toHandle(str(col[2][i]))} (never released)`;
        lanes.thread(str(col[0][i])).slot.push(col[3][i] as number, col[4][i] as number, c.dict.id(name), 0, CAT.slot, FLAG_OPEN);
      }
    },
  );
  // Instants: one per (thread, kind, bucket), at the bucket's first one, with the count.
  await forEachChunk(
    c.conn,
    `
      WITH i AS (
        SELECT tid, ts, 'record' AS what FROM raw_events WHERE kind = ${KIND.event_record}
        UNION ALL SELECT tid, ts, 'wait' FROM raw_events WHERE kind = ${KIND.event_wait}
        UNION ALL SELECT tid, ts, 'query' FROM raw_events WHERE kind = ${KIND.event_query}
        UNION ALL SELECT tid, ts, 'marker' FROM raw_events WHERE kind = ${KIND.marker}
        UNION ALL SELECT tid, ts, 'range' FROM raw_events WHERE kind = ${KIND.range_push}
      )
      SELECT CAST(tid AS VARCHAR), what, (ts - ${O}) // ${B} AS b, count(*), CAST(min(ts - ${O}) AS DOUBLE) FROM i GROUP BY ALL ORDER BY 1, 3, 2`,
    (col, n) => {
      for (let i = 0; i < n; i++) {
        const what = str(col[1][i]);
        const k = num(col[3][i]);
        const l = lanes.thread(str(col[0][i]));
        l.inst.ts.push(col[4][i] as number);
        l.inst.name.push(c.dict.id(`${count(k)} ${noun(what, k)}${what === 'range' ? ' started' : ''} in this ${fmtDur(bucketNs)} bucket`));
        l.inst.site.push(0);
        l.inst.cat.push(what === 'range' ? CAT.marker : CAT[what as 'record']);
      }
    },
  );
}

/** [start, dur] of a bucket's bar: first start to last end, kept inside the bucket. */
function clip(first: number, last: number, bucket: number, bucketNs: number): [number, number] {
  const end = Math.min(Math.max(last, first), (bucket + 1) * bucketNs);
  return [first, Math.max(0, end - first)];
}

export function fmtDur(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} us`;
  return `${Math.round(ns)} ns`;
}
