import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TraceWriter } from '../src/format/writer.js';
import { measureTrace } from '../src/metrics/measure.js';
import { kernelDurations, submissionQueueDepth } from '../src/metrics/compute.js';
import { levelSegmentsSql, levelSummarySql, unionIntervalsSql } from '../src/metrics/intervalSql.js';
import { queryRows } from '../src/ingest/db.js';
import type { TraceMetrics } from '../src/metrics/types.js';

const A = 0x100;
const B = 0x200;

/**
 * Hand-computable trace. GPU: A runs k1 [1000,3000) and gemm [2500,4000)
 * (overlapping on one stream), B runs k3 [3500,6000), A runs gemm [106000,107000).
 * Per-stream unions: A = [1000,4000) + [106000,107000) = 4000 ns, B = 2500 ns.
 * Any-stream union = [1000,6000) + [106000,107000) = 6000 ns; >=2 busy = [3500,4000) = 500 ns.
 * Idle gap inside the GPU span: [6000,106000) = 100000 ns. Wall span 0..200000.
 */
function handTrace(file: string): void {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096 });
  const syncSite = w.callsite('at::cuda::device_synchronize', 'libtorch_cuda.so', 0x7000, 0x24);
  w.record(1, 'process_start', 0, { pid: 10, ppid: 1, backend: 'cuda', clock: 'monotonic', recorder: 'test' });
  // complete.ts is the GPU start on the host clock.
  const launches: [number, number, string, number, number, number][] = [
    [500, A, 'k1', 1, 1000, 3000],
    [800, A, 'gemm', 2, 2500, 4000],
    [900, B, 'k3', 3, 3500, 6000],
    [105000, A, 'gemm', 4, 106000, 107000],
  ];
  for (const [ts, stream, name, corr] of launches) w.record(1, 'submit', ts, { stream, name, corr });
  for (const [, , , corr, start, end] of launches) w.record(2, 'complete', start, { corr, error: 0, dur_ns: end - start });
  w.record(1, 'sync_begin', 7000, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize' }, syncSite);
  w.record(1, 'sync_end', 9000, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize', result: 0 }, syncSite);
  w.record(1, 'sync_begin', 10000, { target: B, scope: 'stream', api: 'cudaStreamSynchronize' });
  w.record(1, 'sync_end', 10500, { target: B, scope: 'stream', api: 'cudaStreamSynchronize', result: 0 });
  w.record(3, 'sync_begin', 150000, { target: 0x77, scope: 'event', api: 'cudaEventSynchronize' });
  w.record(1, 'process_end', 200000, { status: 0, reason: 'exit' });
  w.writeFile(file);
}

/** Steps marked by a named range at 0, 10 us, 20 us, 40 us: intervals 10, 10, 20 us. */
function stepTrace(file: string, extraSyncs: boolean): void {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096 });
  w.record(1, 'process_start', 0, { pid: 10, ppid: 1, backend: 'cuda', clock: 'monotonic', recorder: 'test' });
  let corr = 1;
  for (const t of [0, 10000, 20000, 40000]) {
    w.record(1, 'range_push', t, { name: 'train_step' });
    w.record(1, 'range_push', t + 1, { name: 'forward' });
    w.record(1, 'range_pop', t + 2);
    w.record(1, 'submit', t + 10, { stream: A, name: 'step_kernel', corr });
    w.record(2, 'complete', t + 100, { corr, error: 0, dur_ns: 5000 });
    corr++;
    if (extraSyncs) {
      w.record(1, 'sync_begin', t + 6000, { target: A, scope: 'stream', api: 'cudaStreamSynchronize' });
      w.record(1, 'sync_end', t + 6100, { target: A, scope: 'stream', api: 'cudaStreamSynchronize', result: 0 });
    }
    w.record(1, 'range_pop', t + 9000);
  }
  w.writeFile(file);
}

let dir: string;
let hand: TraceMetrics;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mpst-metrics-'));
  handTrace(path.join(dir, 'hand.mpst'));
  hand = await measureTrace(path.join(dir, 'hand.mpst'), { findings: false });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('metrics on a hand-computable trace', () => {
  it('wall span and GPU timing source', () => {
    expect(hand.wall_span_ns).toBe(200000);
    expect(hand.source.gpu_timing).toBe('completion');
    expect(hand.source.backend).toBe('cuda');
  });

  it("per-stream busy time is the union of that stream's intervals", () => {
    expect(hand.gpu.streams).toEqual([
      { stream: '0x100', index: 0, submissions: 3, busy_ns: 4000, utilization_pct: 2 },
      { stream: '0x200', index: 1, submissions: 1, busy_ns: 2500, utilization_pct: 1.25 },
    ]);
  });

  it('cross-stream concurrency and achieved parallelism', () => {
    expect(hand.gpu.busy_union_ns).toBe(6000);
    expect(hand.gpu.busy_sum_ns).toBe(6500);
    expect(hand.gpu.concurrent_ns).toBe(500);
    expect(hand.gpu.concurrency_pct).toBeCloseTo((100 * 500) / 6000, 3);
    expect(hand.gpu.achieved_parallelism).toBeCloseTo(6500 / 6000, 4);
    expect(hand.gpu.utilization_pct).toBe(3);
  });

  it('idle gaps above the absolute floor (no steps in this trace)', () => {
    expect(hand.step.source).toBe('none');
    expect(hand.window).toEqual({ source: 'trace', start_offset_ns: 0, duration_ns: 200000 });
    expect(hand.idle_gaps).toEqual({ threshold_ns: 50000, count: 1, total_ns: 100000, max_ns: 100000, pct_of_window: 50 });
  });

  it('host time blocked in syncs, by API and by call site; unreturned calls counted', () => {
    expect(hand.host_sync.count).toBe(3);
    expect(hand.host_sync.unreturned).toBe(1);
    expect(hand.host_sync.blocked_ns).toBe(2500);
    expect(hand.host_sync.blocked_pct).toBe(1.25);
    expect(hand.host_sync.by_api.map((a) => [a.scope, a.api, a.count, a.blocked_ns])).toEqual([
      ['device', 'cudaDeviceSynchronize', 1, 2000],
      ['stream', 'cudaStreamSynchronize', 1, 500],
      ['event', 'cudaEventSynchronize', 1, 0],
    ]);
    expect(hand.host_sync.by_site[0]).toMatchObject({ symbol: 'at::cuda::device_synchronize+0x24', count: 1, blocked_ns: 2000 });
  });

  it('submission rate and time-weighted queue depth', () => {
    expect(hand.submissions.count).toBe(4);
    expect(hand.submissions.rate_per_s).toBe(20000);
    expect(hand.submissions.queue_depth_max).toBe(3);
    // submit->GPU end: [500,3000) [800,4000) [900,6000) [105000,107000): integral 12800 ns over 106500 ns.
    expect(hand.submissions.queue_depth_mean).toBeCloseTo(12800 / 106500, 4);
  });

  it('kernel percentiles by name', () => {
    const gemm = hand.kernels.find((k) => k.name === 'gemm')!;
    expect(gemm).toMatchObject({ count: 2, total_ns: 2500, p50_ns: 1250 });
    expect(gemm.p90_ns).toBeCloseTo(1000 + 0.9 * 500, 6);
    // By total GPU time, ties by name.
    expect(hand.kernels.map((k) => [k.name, k.total_ns])).toEqual([
      ['gemm', 2500],
      ['k3', 2500],
      ['k1', 2000],
    ]);
  });
});

describe('steps and syncs per step', () => {
  it('uses the most frequent range (first seen on ties) and counts syncs per step', async () => {
    stepTrace(path.join(dir, 'steps.mpst'), true);
    const m = await measureTrace(path.join(dir, 'steps.mpst'), { findings: false });
    // Host: step starts 10, 10, 20 us apart. GPU: each step's work ends at t + 5100,
    // so the cadence of the three complete steps is 10, 10 us.
    expect(m.step).toEqual({ source: 'range:train_step', timing: 'gpu', count: 3, median_ns: 10000, p90_ns: 10000, host_median_ns: 10000 });
    // The window: first step start to the GPU end of the last complete step's work.
    expect(m.window).toEqual({ source: 'steps', start_offset_ns: 0, duration_ns: 40000 });
    // Syncs between the first and the last step start: 3 over 3 steps.
    expect(m.host_sync.per_step).toBe(1);
    expect(m.host_sync.blocked_ns).toBe(300);
    // Idle threshold: max(floor, 5 % of the 10 us step) with a 100 ns floor.
    const m2 = await measureTrace(path.join(dir, 'steps.mpst'), { findings: false, idleGapMinNs: 100 });
    expect(m2.idle_gaps.threshold_ns).toBe(500);
    // Kernels run [t+100, t+5100); inside the window [0, 40 us): gaps of 5000 ns twice.
    expect(m2.idle_gaps.count).toBe(2);
    expect(m2.idle_gaps.total_ns).toBe(10000);
    expect(m2.idle_gaps.max_ns).toBe(5000);
    expect(m2.gpu.busy_union_ns).toBe(15000);
    expect(m2.gpu.utilization_pct).toBe(37.5);
  });

  it('an explicit --step-range wins; an unknown name gives no steps and a warning', async () => {
    const m = await measureTrace(path.join(dir, 'steps.mpst'), { findings: false, stepRange: 'forward' });
    expect(m.step.source).toBe('range:forward');
    expect(m.step.median_ns).toBe(10000);
    const none = await measureTrace(path.join(dir, 'steps.mpst'), { findings: false, stepRange: 'nope' });
    expect(none.step).toMatchObject({ source: 'range:nope', count: 0, median_ns: null });
    expect(none.window.source).toBe('trace');
    expect(none.source.warnings.join('\n')).toMatch(/--step-range nope: the trace has fewer than two ranges/);
  });

  it('falls back to host submit spacing without completion records, and says so', async () => {
    const w = new TraceWriter({ backend: 'metal', chunkBytes: 4096 });
    for (let i = 0; i < 5; i++) w.record(1, 'submit', i * 1000, { stream: A, name: 'k', corr: i + 1 });
    w.record(1, 'submit', 100000, { stream: A, name: 'k', corr: 9 });
    w.writeFile(path.join(dir, 'nocomplete.mpst'));
    const m = await measureTrace(path.join(dir, 'nocomplete.mpst'), { findings: false });
    expect(m.source.gpu_timing).toBe('host_submit_spacing');
    expect(m.source.warnings.join('\n')).toMatch(/host submit spacing/);
    // Spacing 1000 ns; the 96 us gap is idle: busy = 4 x 1000 + 1000 + 1000 (last one gets the median).
    expect(m.gpu.busy_union_ns).toBe(6000);
    expect(m.kernels).toEqual([]);
  });
});

describe('interval building blocks', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
    await conn.run(
      `CREATE TABLE iv AS SELECT * FROM (VALUES (1, 0, 10), (1, 5, 12), (1, 12, 15), (1, 20, 25), (2, 3, 4), (2, 30, 30)) t(grp, s, e)`,
    );
  });

  it('union merges overlapping and touching intervals per group', async () => {
    const rows = await queryRows(conn, `SELECT grp, s, e FROM (${unionIntervalsSql('SELECT * FROM iv')}) ORDER BY grp, s`);
    expect(rows).toEqual([
      { grp: 1, s: 0, e: 15 },
      { grp: 1, s: 20, e: 25 },
      { grp: 2, s: 3, e: 4 },
      { grp: 2, s: 30, e: 30 },
    ]);
  });

  it('the +1/-1 sweep gives levels, >=2 time and the time-weighted mean', async () => {
    const src = 'SELECT s, e FROM iv';
    const segs = await queryRows(conn, `SELECT t0, t1, level FROM (${levelSegmentsSql(src)}) ORDER BY t0`);
    // A new interval starting where another ends splits a segment without changing the level.
    expect(segs.slice(0, 6)).toEqual([
      { t0: 0, t1: 3, level: 1 },
      { t0: 3, t1: 4, level: 2 },
      { t0: 4, t1: 5, level: 1 },
      { t0: 5, t1: 10, level: 2 },
      { t0: 10, t1: 12, level: 1 },
      { t0: 12, t1: 15, level: 1 },
    ]);
    const sum = (await queryRows(conn, levelSummarySql(levelSegmentsSql(src))))[0];
    expect(sum).toEqual({ busy_ns: 20, concurrent_ns: 6, mean_level: 26 / 25, max_level: 2 });
  });

  it("the chunked queue-depth sweep gives the one-sort sweep's mean and maximum", async () => {
    // Deterministic pseudo-random intervals on a coarse grid, so starts and ends often share a time
    // (touching and equal-time intervals), some zero-length, and some reaching past the window.
    let x = 12345;
    const rnd = (m: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % m;
    };
    const rows: string[] = [];
    for (let i = 0; i < 400; i++) {
      const ts = rnd(200) * 5;
      rows.push(`(${ts}, ${rnd(10) === 0 ? 'NULL' : ts + rnd(12) * 5})`);
    }
    await conn.run(`CREATE OR REPLACE TABLE _mx_subs AS SELECT * FROM (VALUES ${rows.join(', ')}) t(ts, gpu_end)`);
    for (const [w0, w1] of [
      [0, 2000],
      [100, 700],
    ]) {
      const src = `SELECT greatest(ts, ${w0}) AS s, least(gpu_end, ${w1}) AS e FROM _mx_subs
        WHERE gpu_end IS NOT NULL AND gpu_end > ${w0} AND ts < ${w1}`;
      const ref = (await queryRows(conn, levelSummarySql(levelSegmentsSql(src))))[0];
      expect(Number(ref.max_level)).toBeGreaterThan(3);
      for (const chunk of [2, 7, 64, 1_000_000]) {
        const got = await submissionQueueDepth(conn, src, `ts >= ${w0} AND ts < ${w1}`, chunk);
        expect({ chunk, mean: got.mean_level, max: got.max_level }).toEqual({ chunk, mean: ref.mean_level, max: ref.max_level });
      }
    }
  });
});

describe('kernel percentiles without holding every duration', () => {
  let inst: DuckDBInstance;
  let c: DuckDBConnection;
  beforeAll(async () => {
    inst = await DuckDBInstance.create(':memory:');
    c = await inst.connect();
  });
  afterAll(() => inst.closeSync());

  it("the bucket-narrowing passes give quantile_cont's values, for any bucket count", async () => {
    // Pseudo-random durations: ties, many equal values, durations above 2^53, a NULL name,
    // a quoted name, unmeasured rows, groups of one and two values.
    let x = 99;
    const rnd = (m: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * m);
    };
    const names = ['a', 'b', "it's", null];
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const name = names[rnd(4)];
      const s = BigInt(rnd(1000));
      const d = rnd(40) === 0 ? 9007199254740993n + BigInt(rnd(1000)) : BigInt(rnd(6) === 0 ? 5 : rnd(100000));
      rows.push(`(${name === null ? 'NULL' : `'${name!.replace("'", "''")}'`}, ${s}, ${s + d}, ${rnd(9) !== 0})`);
    }
    rows.push("('one', 5, 12, true)", "('two', 0, 3, true)", "('two', 0, 10, true)", "('same', 0, 4, true)", "('same', 1, 5, true)");
    await c.run(
      `CREATE OR REPLACE TEMP TABLE _mx_gpu AS SELECT name, s::BIGINT AS s, e::BIGINT AS e, measured FROM (VALUES ${rows.join(', ')}) t(name, s, e, measured)`,
    );
    const ref = await queryRows(
      c,
      `SELECT name, count(*)::DOUBLE AS n, sum(e - s)::DOUBLE AS total, quantile_cont(e - s, 0.5)::DOUBLE AS p50,
         quantile_cont(e - s, 0.9)::DOUBLE AS p90, quantile_cont(e - s, 0.99)::DOUBLE AS p99
       FROM _mx_gpu WHERE measured GROUP BY name ORDER BY total DESC, name`,
    );
    expect(ref.length).toBe(7);
    expect(ref.some((r) => !Number.isInteger(r.p90))).toBe(true);
    for (const buckets of [2, 3, 16, 4096]) {
      const got = await kernelDurations(c, buckets);
      expect({ buckets, got }).toEqual({ buckets, got: ref });
    }
  });

  it('a real trace gives the same metrics with every bounded step split finely (MPSTRACE_TEST_METRICS_SPLIT)', async () => {
    // 8,395 submissions, 19 kernel names: 64 interval ends per queue-depth chunk and 64 buckets
    // per percentile pass mean hundreds of chunks and several passes.
    const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'traces', 'cuda', 'train_prefetch.mpst');
    const plain = await measureTrace(trace, { findings: false });
    process.env.MPSTRACE_TEST_METRICS_SPLIT = '64';
    try {
      const split = await measureTrace(trace, { findings: false });
      expect(split).toEqual(plain);
    } finally {
      delete process.env.MPSTRACE_TEST_METRICS_SPLIT;
    }
    expect(plain.kernels.length).toBeGreaterThan(10);
    expect(plain.submissions.queue_depth_max).toBeGreaterThan(1);
  });
});
