// Per-trace metrics, all computed in DuckDB over the derived views
// (submissions, host_syncs, callsites, ev_range_push, raw_events). JavaScript
// only assembles the handful of result rows into the documented JSON shape.
import type { DuckDBConnection } from '@duckdb/node-api';
import { levelSegmentsSql, levelSummarySql, unionIntervalsSql } from './intervalSql.js';
import { num, numOrNull, queryOne, queryRows, round, sqlString } from '../ingest/db.js';
import { DEFAULT_METRICS_OPTIONS, type FindingsMetrics, type GpuTiming, type MetricsOptions, type TraceMetrics } from './types.js';
import { FLAGS, ON_TIMELINE_SQL } from '../format/kinds.js';

/** In the host-spacing fallback, a submit gap longer than this many median gaps counts as idle. */
const SPACING_IDLE_FACTOR = 10;
/** At least this many step starts are needed to call something a step. */
const MIN_STEP_MARKS = 3;
/** Keep the per-site sync table short: the top sites by blocked time. */
const TOP_SYNC_SITES = 20;

const NO_FINDINGS: FindingsMetrics = { available: false, errors: 0, warnings: 0, by_rule: {}, note: 'not computed' };

export async function computeMetrics(
  conn: DuckDBConnection,
  options: Partial<MetricsOptions> = {},
  findings: FindingsMetrics = NO_FINDINGS,
): Promise<TraceMetrics> {
  const opts = { ...DEFAULT_METRICS_OPTIONS, ...options };
  const warnings: string[] = [];

  const span = await queryOne(
    conn,
    `SELECT count(*)::DOUBLE AS events, min(ts)::DOUBLE AS t0, max(ts)::DOUBLE AS t1 FROM raw_events WHERE ${ON_TIMELINE_SQL}`,
  );
  const backend = await queryOne(conn, `SELECT backend FROM ev_process_start LIMIT 1`);
  // The derived views are re-evaluated on every reference; scan them once.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE _mx_subs AS SELECT id, ts, stream, name, what, gpu_start, gpu_end FROM submissions;
     CREATE OR REPLACE TEMP TABLE _mx_syncs AS SELECT begin_ts, end_ts, dur_ns, scope, api, site FROM host_syncs;`,
  );
  const gpuTiming = await buildGpuIntervals(conn);
  if (gpuTiming === 'host_submit_spacing') {
    warnings.push(
      'no completion records: GPU busy time is estimated from host submit spacing per stream ' +
        '(record with GPU timing, e.g. CUPTI on CUDA, for real busy intervals)',
    );
  } else if (gpuTiming === 'none') {
    warnings.push('no GPU submissions in the trace: GPU metrics are zero');
  }
  const flags = await queryOne(conn, `SELECT flags FROM ev_process_start LIMIT 1`);
  if (gpuTiming === 'completion' && (Number(flags.flags ?? 0) & FLAGS.process.completions_sampled) !== 0) {
    warnings.push(
      'GPU completions were sampled (MPSTRACE_CUPTI_SAMPLE): GPU busy time and per-kernel times cover only the work ' +
        'submitted inside the sampling windows (record without it for full GPU timing)',
    );
  }
  const gpuEnd = await queryOne(conn, `SELECT max(e)::DOUBLE AS e FROM _mx_gpu`);
  const t0 = numOrNull(span.t0) ?? 0;
  const t1 = Math.max(numOrNull(span.t1) ?? 0, numOrNull(gpuEnd.e) ?? 0);
  const wallSpan = Math.max(0, t1 - t0);

  const { step, marks, gpuSteps } = await findSteps(conn, opts.stepRange, gpuTiming === 'completion');
  if (opts.stepRange !== undefined && step.count === 0) {
    warnings.push(
      `--step-range ${opts.stepRange}: the trace has fewer than two ranges of that name, so no steps; check the names with \`mpstrace sql <trace> "SELECT name, count(*) FROM ev_range_push GROUP BY name"\``,
    );
  }
  // The measurement window: the complete steps (from the first step start to the
  // GPU end of the work submitted before the last step start), so start-up,
  // warm-up and tear-down do not drown the steady state; else the whole trace.
  const window = marks
    ? { source: 'steps', start: marks.first, end: Math.max(marks.last, gpuSteps?.lastGpuEnd ?? marks.last) }
    : { source: 'trace', start: t0, end: t1 };
  const windowLen = Math.max(0, window.end - window.start);
  const pctOfWindow = (v: number) => (windowLen > 0 ? round((100 * v) / windowLen) : 0);
  const inWindow = (col: string) => `${col} >= ${window.start} AND ${col} < ${window.end}`;

  // Per-stream busy time is the union of that stream's intervals (clipped to
  // the window), so overlapping work on one stream (Metal command buffers) counts once.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE _mx_stream_busy AS ${unionIntervalsSql(
      `SELECT stream AS grp, greatest(s, ${window.start}) AS s, least(e, ${window.end}) AS e
       FROM _mx_gpu WHERE e > ${window.start} AND s < ${window.end}`,
    )}`,
  );
  const streamRows = await queryRows(
    conn,
    `SELECT printf('0x%x', b.grp) AS stream, (row_number() OVER (ORDER BY b.first_s, b.grp) - 1)::DOUBLE AS idx,
       b.busy::DOUBLE AS busy, coalesce(n.n, 0)::DOUBLE AS n
     FROM (SELECT grp, sum(e - s) AS busy, min(s) AS first_s FROM _mx_stream_busy GROUP BY grp) b
     LEFT JOIN (SELECT stream, count(*) AS n FROM _mx_gpu WHERE ${inWindow('s')} GROUP BY stream) n ON n.stream = b.grp
     ORDER BY idx`,
  );
  const levels = await queryOne(conn, levelSummarySql(levelSegmentsSql('SELECT s, e FROM _mx_stream_busy')));
  const busySum = streamRows.reduce((a, r) => a + num(r.busy), 0);
  const busyUnion = num(levels.busy_ns);

  const idleThreshold = Math.max(opts.idleGapMinNs, step.median_ns !== null ? (step.median_ns * opts.idleGapStepPct) / 100 : 0);
  const idle = await queryOne(
    conn,
    `SELECT count(*)::DOUBLE AS n, coalesce(sum(t1 - t0), 0)::DOUBLE AS total, coalesce(max(t1 - t0), 0)::DOUBLE AS mx
     FROM (${levelSegmentsSql('SELECT s, e FROM _mx_stream_busy')})
     WHERE level = 0 AND t1 - t0 > ${idleThreshold}`,
  );

  // Host syncs count over the host's side of the steps (first to last step start):
  // a host that runs ahead reaches its final sync long before the GPU window ends.
  const hostWindow = marks ? `begin_ts >= ${marks.first} AND begin_ts < ${marks.last}` : inWindow('begin_ts');
  const hostWindowLen = marks ? marks.last - marks.first : windowLen;
  const sync = await syncMetrics(conn, step, marks, hostWindow);

  const subs = await submissionQueueDepth(
    conn,
    `SELECT greatest(ts, ${window.start}) AS s, least(gpu_end, ${window.end}) AS e FROM _mx_subs
     WHERE gpu_end IS NOT NULL AND gpu_end > ${window.start} AND ts < ${window.end}`,
    inWindow('ts'),
    testSplit() ?? SWEEP_CHUNK_ENDS,
  );

  const kernels = await kernelDurations(conn, testSplit() ?? PCTL_BUCKETS);

  const metrics: TraceMetrics = {
    source: {
      backend: typeof backend.backend === 'string' ? backend.backend : 'unknown',
      events: num(span.events),
      gpu_timing: gpuTiming,
      warnings,
    },
    wall_span_ns: wallSpan,
    window: { source: window.source as 'steps' | 'trace', start_offset_ns: window.start - t0, duration_ns: windowLen },
    step,
    gpu: {
      busy_union_ns: busyUnion,
      busy_sum_ns: busySum,
      utilization_pct: pctOfWindow(busyUnion),
      concurrent_ns: num(levels.concurrent_ns),
      concurrency_pct: busyUnion > 0 ? round((100 * num(levels.concurrent_ns)) / busyUnion) : 0,
      achieved_parallelism: busyUnion > 0 ? round(busySum / busyUnion, 4) : 0,
      streams_used: streamRows.length,
      streams: streamRows.map((r) => ({
        stream: String(r.stream),
        index: num(r.idx),
        submissions: num(r.n),
        busy_ns: num(r.busy),
        utilization_pct: pctOfWindow(num(r.busy)),
      })),
    },
    host_sync: { ...sync, blocked_pct: hostWindowLen > 0 ? round((100 * sync.blocked_ns) / hostWindowLen) : 0 },
    submissions: {
      count: subs.n,
      rate_per_s: windowLen > 0 ? round((subs.n * 1e9) / windowLen) : 0,
      queue_depth_mean: round(subs.mean_level, 4),
      queue_depth_max: subs.max_level,
    },
    idle_gaps: {
      threshold_ns: round(idleThreshold, 0),
      count: num(idle.n),
      total_ns: num(idle.total),
      max_ns: num(idle.mx),
      pct_of_window: pctOfWindow(num(idle.total)),
    },
    kernels: kernels.map((k) => ({
      name: String(k.name),
      count: k.n,
      total_ns: k.total,
      p50_ns: round(k.p50, 1),
      p90_ns: round(k.p90, 1),
      p99_ns: round(k.p99, 1),
    })),
    findings,
  };
  await conn.run(
    'DROP TABLE IF EXISTS _mx_gpu; DROP TABLE IF EXISTS _mx_stream_busy; DROP TABLE IF EXISTS _mx_subs; DROP TABLE IF EXISTS _mx_syncs;',
  );
  return metrics;
}

/**
 * `_mx_gpu(stream, name, s, e, measured)`: GPU execution intervals from
 * completion records; without any, an estimate from host submit spacing.
 */
async function buildGpuIntervals(conn: DuckDBConnection): Promise<GpuTiming> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE _mx_gpu AS
     SELECT stream, coalesce(name, what) AS name, gpu_start AS s, gpu_end AS e, true AS measured
     FROM _mx_subs WHERE gpu_start IS NOT NULL AND gpu_end >= gpu_start`,
  );
  const n = await queryOne(
    conn,
    `SELECT (SELECT count(*) FROM _mx_gpu)::DOUBLE AS measured, (SELECT count(*) FROM _mx_subs)::DOUBLE AS subs`,
  );
  if (num(n.measured) > 0) return 'completion';
  if (num(n.subs) === 0) return 'none';
  // Each submission is taken to occupy its stream until the next submission on
  // it; a gap far above the stream's median spacing is idle, not busy.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE _mx_gpu AS
     WITH sp AS (
       SELECT stream, coalesce(name, what) AS name, ts AS s, lead(ts) OVER (PARTITION BY stream ORDER BY ts, id) AS nxt
       FROM _mx_subs),
     med AS (SELECT stream, coalesce(median(nxt - s), 0) AS m FROM sp GROUP BY stream)
     SELECT sp.stream, sp.name, sp.s,
       CASE WHEN sp.nxt IS NULL OR sp.nxt - sp.s > ${SPACING_IDLE_FACTOR} * med.m THEN sp.s + med.m ELSE sp.nxt END AS e,
       false AS measured
     FROM sp JOIN med USING (stream)`,
  );
  return 'host_submit_spacing';
}

/**
 * Test hook (test/metrics-compute.test.ts): MPSTRACE_TEST_METRICS_SPLIT=N forces the
 * bounded steps to split their work finely (N interval ends per queue-depth chunk,
 * N buckets per percentile pass), so small traces take the many-chunk paths.
 */
function testSplit(): number | undefined {
  const v = Number(process.env.MPSTRACE_TEST_METRICS_SPLIT ?? '');
  return Number.isInteger(v) && v >= 2 ? v : undefined;
}

/** A percentile pass splits each value range still open into at most this many buckets... */
const PCTL_BUCKETS = 4096;
/** ...and counts at most about this many (range, bucket) groups at once. */
const PCTL_GROUPS = 1 << 20;
const PCTL_QUANTILES = [0.5, 0.9, 0.99] as const;

export interface KernelDurations {
  name: string | null;
  n: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Per kernel name of `_mx_gpu` (measured rows): count, summed duration and the
 * 50th/90th/99th percentiles of the duration `e - s`, equal to DuckDB's
 * `quantile_cont` (which keeps every value of a group in memory outside DuckDB's
 * buffer pool: about 1.3 GB at 32 M kernels). Here the order statistics each
 * percentile needs (ranks floor and ceil of (n - 1) q) are found by narrowing a
 * value range per rank: each pass counts the durations in buckets of the ranges
 * still open (one hash aggregate of at most PCTL_GROUPS groups) and keeps the bucket
 * that holds the rank, until a range is one value. Integer durations, so at most
 * about 64 / log2(buckets) passes; then quantile_cont's interpolation, lo (1 - d) + hi d.
 */
export async function kernelDurations(conn: DuckDBConnection, buckets = PCTL_BUCKETS): Promise<KernelDurations[]> {
  const groups = await queryRows(
    conn,
    `SELECT name, count(*)::DOUBLE AS n, sum(e - s)::DOUBLE AS total,
       min(e - s)::VARCHAR AS lo, max(e - s)::VARCHAR AS hi
     FROM _mx_gpu WHERE measured GROUP BY name ORDER BY total DESC, name`,
  );
  // One target per (group, rank); ranks shared by several percentiles are found once.
  interface Target {
    g: number;
    k: number;
    lo: bigint;
    hi: bigint;
    below: number;
  }
  const targets = new Map<string, Target>();
  groups.forEach((r, g) => {
    const n = num(r.n);
    for (const q of PCTL_QUANTILES) {
      const rn = (n - 1) * q;
      for (const k of [Math.floor(rn), Math.ceil(rn)]) {
        targets.set(`${g}:${k}`, { g, k, lo: BigInt(String(r.lo)), hi: BigInt(String(r.hi)), below: 0 });
      }
    }
  });
  for (let pass = 0; pass < 200; pass++) {
    const open = [...targets.values()].filter((t) => t.lo < t.hi);
    if (open.length === 0) break;
    // The distinct ranges still open (ranks of one group often share one).
    const ranges = new Map<string, { g: number; lo: bigint; hi: bigint; w: bigint; ts: Target[] }>();
    for (const t of open) {
      const key = `${t.g}:${t.lo}:${t.hi}`;
      let r = ranges.get(key);
      if (!r) ranges.set(key, (r = { g: t.g, lo: t.lo, hi: t.hi, w: 0n, ts: [] }));
      r.ts.push(t);
    }
    const b = BigInt(Math.max(2, Math.min(buckets, Math.floor(PCTL_GROUPS / ranges.size))));
    const list = [...ranges.values()];
    for (const r of list) r.w = (r.hi - r.lo + b) / b; // ceil((hi - lo + 1) / b)
    const values = list.map((r, i) => {
      const name = groups[r.g]!.name;
      return `(${i}, ${name === null ? 'NULL' : sqlString(String(name))}, ${r.lo}::BIGINT, ${r.hi}::BIGINT, ${r.w}::BIGINT)`;
    });
    await conn.run(`CREATE OR REPLACE TEMP TABLE _mx_pctl AS SELECT * FROM (VALUES ${values.join(', ')}) t(rid, name, lo, hi, w)`);
    const counts = await queryRows(
      conn,
      `SELECT rid, b::VARCHAR AS bucket, c FROM (
         SELECT q.rid, (g.e - g.s - q.lo) // q.w AS b, count(*)::DOUBLE AS c
         FROM _mx_gpu g JOIN _mx_pctl q ON g.name IS NOT DISTINCT FROM q.name AND g.e - g.s BETWEEN q.lo AND q.hi
         WHERE g.measured GROUP BY ALL)
       ORDER BY rid, b`,
    );
    const byRange = new Map<number, { b: bigint; c: number }[]>();
    for (const c of counts) {
      const rid = num(c.rid);
      let a = byRange.get(rid);
      if (!a) byRange.set(rid, (a = []));
      a.push({ b: BigInt(String(c.bucket)), c: num(c.c) });
    }
    list.forEach((r, i) => {
      const bs = byRange.get(i) ?? [];
      for (const t of r.ts) {
        let cum = t.below;
        for (const { b: bi, c } of bs) {
          if (cum + c > t.k) {
            const lo = r.lo + bi * r.w;
            t.lo = lo;
            t.hi = lo + r.w - 1n < r.hi ? lo + r.w - 1n : r.hi;
            t.below = cum;
            break;
          }
          cum += c;
        }
      }
    });
  }
  await conn.run('DROP TABLE IF EXISTS _mx_pctl');
  return groups.map((r, g) => {
    const n = num(r.n);
    const at = (k: number) => {
      const t = targets.get(`${g}:${k}`)!;
      if (t.lo !== t.hi) throw new Error(`kernel percentiles: rank ${k} of ${String(r.name)} not resolved`);
      return Number(t.lo);
    };
    const pct = (q: number) => {
      const rn = (n - 1) * q;
      const f = Math.floor(rn);
      const c = Math.ceil(rn);
      if (f === c) return at(f);
      const d = rn - f;
      return at(f) * (1.0 - d) + at(c) * d;
    };
    return {
      name: r.name === null ? null : String(r.name),
      n,
      total: num(r.total),
      p50: pct(PCTL_QUANTILES[0]),
      p90: pct(PCTL_QUANTILES[1]),
      p99: pct(PCTL_QUANTILES[2]),
    };
  });
}

/** The queue-depth sweep sorts at most about this many interval ends at once. */
const SWEEP_CHUNK_ENDS = 2_000_000;

/**
 * Submissions in the window and their queue depth (how many are in flight),
 * without sorting every submission at once: the time-weighted mean depth is
 * the summed interval lengths over the covered span (what the sweep's
 * level-weighted sum comes to), and the maximum is swept in time chunks of
 * bounded size, each starting from the depth at its start (two counts).
 * Same values as levelSummarySql(levelSegmentsSql(src)), memory bounded by the chunk
 * (`src` yields `s, e` over `_mx_subs`, whose rows matching `inWindowTs` are counted).
 */
export async function submissionQueueDepth(
  conn: DuckDBConnection,
  src: string,
  inWindowTs: string,
  chunkEnds = SWEEP_CHUNK_ENDS,
): Promise<{ n: number; mean_level: number; max_level: number }> {
  const tot = await queryOne(
    conn,
    `SELECT (SELECT count(*) FROM _mx_subs WHERE ${inWindowTs})::DOUBLE AS n, count(*)::DOUBLE AS k,
       coalesce(sum(e - s)::DOUBLE / nullif(max(e) - min(s), 0), 0)::DOUBLE AS mean_level,
       min(s)::DOUBLE AS lo, max(e)::DOUBLE AS hi
     FROM (${src}) WHERE e > s`,
  );
  const k = num(tot.k);
  let maxLevel = 0;
  if (k > 0) {
    const lo = num(tot.lo);
    const hi = num(tot.hi);
    const chunks = Math.max(1, Math.ceil((2 * k) / chunkEnds));
    for (let i = 0; i < chunks; i++) {
      const a = lo + Math.floor(((hi - lo) * i) / chunks);
      const b = i === chunks - 1 ? hi + 1 : lo + Math.floor(((hi - lo) * (i + 1)) / chunks);
      if (b <= a) continue;
      // The depth after all ends then starts at each distinct time (ends before
      // starts, so touching intervals do not overlap), from the depth open before a.
      const r = await queryOne(
        conn,
        `WITH src AS (SELECT s, e FROM (${src}) WHERE e > s),
         base AS (SELECT (count(*) FILTER (WHERE s < ${a}) - count(*) FILTER (WHERE e < ${a}))::BIGINT AS open FROM src),
         d AS (SELECT t, sum(d) AS d FROM (
                 SELECT s AS t, 1 AS d FROM src WHERE s >= ${a} AND s < ${b}
                 UNION ALL
                 SELECT e AS t, -1 AS d FROM src WHERE e >= ${a} AND e < ${b}) GROUP BY t)
         SELECT coalesce(max((SELECT open FROM base) + lvl), 0)::DOUBLE AS mx
         FROM (SELECT sum(d) OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) AS lvl FROM d)`,
      );
      maxLevel = Math.max(maxLevel, num(r.mx));
    }
  }
  return { n: num(tot.n), mean_level: num(tot.mean_level), max_level: maxLevel };
}

interface StepMarks {
  first: number;
  last: number;
}

/**
 * Steps: a named range (given, or the one one thread pushes most often), else
 * device-wide syncs. With GPU timing, a step's time is the GPU's cadence: the
 * difference between the GPU end of the work submitted in consecutive steps,
 * which host run-ahead (a deep launch queue) does not distort.
 */
async function findSteps(
  conn: DuckDBConnection,
  stepRange: string | undefined,
  gpuTimed: boolean,
): Promise<{ step: TraceMetrics['step']; marks: StepMarks | null; gpuSteps: { lastGpuEnd: number } | null }> {
  let source = 'none';
  let marks = '';
  if (stepRange !== undefined) {
    source = `range:${stepRange}`;
    marks = `SELECT ts FROM ev_range_push WHERE name = ${sqlString(stepRange)}`;
  } else {
    // One thread's range: the same name pushed by several workers is not a step sequence.
    const top = await queryOne(
      conn,
      `SELECT name, tid::VARCHAR AS tid, count(*)::DOUBLE AS n FROM ev_range_push WHERE name IS NOT NULL
       GROUP BY name, tid ORDER BY n DESC, min(ts), name LIMIT 1`,
    );
    if (typeof top.name === 'string' && num(top.n) >= MIN_STEP_MARKS) {
      source = `range:${top.name}`;
      marks = `SELECT ts FROM ev_range_push WHERE name = ${sqlString(top.name)} AND tid = ${String(top.tid)}::BIGINT`;
    } else {
      const dev = await queryOne(conn, `SELECT count(*)::DOUBLE AS n FROM _mx_syncs WHERE scope = 'device'`);
      if (num(dev.n) >= MIN_STEP_MARKS) {
        source = 'device_sync';
        marks = `SELECT begin_ts AS ts FROM _mx_syncs WHERE scope = 'device'`;
      }
    }
  }
  const none = {
    step: { source, timing: 'none' as const, count: 0, median_ns: null, p90_ns: null, host_median_ns: null },
    marks: null,
    gpuSteps: null,
  };
  if (marks === '') return none;
  await conn.run(`CREATE OR REPLACE TEMP TABLE _mx_marks AS SELECT DISTINCT ts FROM (${marks})`);
  const host = await queryOne(
    conn,
    `SELECT count(d)::DOUBLE AS n, median(d)::DOUBLE AS med, quantile_cont(d, 0.9)::DOUBLE AS p90,
       min(ts)::DOUBLE AS first_ts, max(ts)::DOUBLE AS last_ts
     FROM (SELECT ts, lead(ts) OVER (ORDER BY ts) - ts AS d FROM _mx_marks)`,
  );
  if (num(host.n) < 1) return none;
  const hostStep = { source, count: num(host.n), host_median_ns: numOrNull(host.med) };
  const stepMarks = { first: num(host.first_ts), last: num(host.last_ts) };
  if (gpuTimed) {
    // Each submission belongs to the last step start at or before it; steps
    // before the last start are complete.
    const gpu = await queryOne(
      conn,
      `WITH per_step AS (
         SELECT m.ts AS step_ts, max(s.gpu_end) AS gend
         FROM _mx_subs s ASOF JOIN _mx_marks m ON s.ts >= m.ts
         WHERE s.gpu_end IS NOT NULL AND m.ts < ${stepMarks.last}
         GROUP BY m.ts),
       cadence AS (SELECT gend, gend - lag(gend) OVER (ORDER BY step_ts) AS d FROM per_step)
       SELECT count(d)::DOUBLE AS n, median(d)::DOUBLE AS med, quantile_cont(d, 0.9)::DOUBLE AS p90,
         max(gend)::DOUBLE AS last_end FROM cadence`,
    );
    if (num(gpu.n) >= 1) {
      await conn.run('DROP TABLE _mx_marks');
      return {
        step: { ...hostStep, timing: 'gpu', median_ns: numOrNull(gpu.med), p90_ns: numOrNull(gpu.p90) },
        marks: stepMarks,
        gpuSteps: { lastGpuEnd: num(gpu.last_end) },
      };
    }
  }
  await conn.run('DROP TABLE _mx_marks');
  return {
    step: { ...hostStep, timing: 'host', median_ns: numOrNull(host.med), p90_ns: numOrNull(host.p90) },
    marks: stepMarks,
    gpuSteps: null,
  };
}

async function syncMetrics(
  conn: DuckDBConnection,
  step: TraceMetrics['step'],
  marks: StepMarks | null,
  inWindow: string,
): Promise<Omit<TraceMetrics['host_sync'], 'blocked_pct'>> {
  // Unreturned calls (hangs) count wherever they are; the rest within the window.
  const total = await queryOne(
    conn,
    `SELECT count(*) FILTER (WHERE ${inWindow})::DOUBLE AS n, count(*) FILTER (WHERE end_ts IS NULL)::DOUBLE AS unreturned,
       coalesce(sum(dur_ns) FILTER (WHERE ${inWindow}), 0)::DOUBLE AS blocked FROM _mx_syncs`,
  );
  const byApi = await queryRows(
    conn,
    `SELECT coalesce(scope, '?') AS scope, coalesce(api, '?') AS api, count(*)::DOUBLE AS n,
       coalesce(sum(dur_ns), 0)::DOUBLE AS blocked, coalesce(max(dur_ns), 0)::DOUBLE AS mx
     FROM _mx_syncs WHERE ${inWindow} GROUP BY ALL ORDER BY blocked DESC, scope, api`,
  );
  const bySite = await queryRows(
    conn,
    `SELECT h.site::DOUBLE AS site,
       coalesce(any_value(c.symbol) || CASE WHEN any_value(c.file) IS NOT NULL THEN ' (' || regexp_extract(any_value(c.file), '[^/\\\\]*$') || coalesce(':' || any_value(c.line), '') || ')'
                                            WHEN any_value(c.offset) IS NOT NULL THEN '+0x' || printf('%x', any_value(c.offset)) ELSE '' END,
                'site#' || h.site) AS symbol,
       count(*)::DOUBLE AS n, coalesce(sum(h.dur_ns), 0)::DOUBLE AS blocked
     FROM (SELECT * FROM _mx_syncs WHERE ${inWindow}) h LEFT JOIN callsites c ON c.site_id = h.site
     GROUP BY h.site ORDER BY blocked DESC, h.site LIMIT ${TOP_SYNC_SITES}`,
  );
  // With steps, the window is the host's side of the steps: its syncs per step.
  const perStep = marks && step.count > 0 ? round(num(total.n) / step.count, 4) : null;
  return {
    count: num(total.n),
    unreturned: num(total.unreturned),
    blocked_ns: num(total.blocked),
    per_step: perStep,
    by_api: byApi.map((r) => ({
      scope: String(r.scope),
      api: String(r.api),
      count: num(r.n),
      blocked_ns: num(r.blocked),
      max_ns: num(r.mx),
    })),
    by_site: bySite.map((r) => ({
      site: num(r.site),
      symbol: String(r.symbol),
      count: num(r.n),
      blocked_ns: num(r.blocked),
    })),
  };
}
