// cross-stream-race pass bench: synthetic access records (a training-like mix:
// 4 streams, a few thousand tensors, views, event hand-offs, a device sync per
// "step", allocator frees and reuse) fed straight into the engine, in the same
// row form query.sql yields. Measures the pass alone (s per million accesses)
// at 1 M and 10 M accesses, and the heap after each (memory must not grow with
// the number of records), then optionally the whole rule through DuckDB on a
// written trace (--e2e N accesses).
// Last line key=value. Needs `npm run build`; run with --expose-gc for heap figures.
//   node --expose-gc bench/race-pass.mjs [--sizes 1000000,10000000] [--e2e 1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import path from 'node:path';
import { benchSetup } from './lib/common.mjs';

const { dist, opt, log } = benchSetup('race-pass', { needs: 'detectors/cross-stream-race/engine.js' });
const { RaceEngine, OP } = await import(dist('detectors/cross-stream-race/engine.js'));

const sizes = opt('sizes', '1000000,10000000').split(',').map(Number);
const e2e = Number(opt('e2e', '1000000'));

/**
 * Deterministic training-like row stream (calls emit(...12 columns)): 300
 * weights; per step a side-stream H2D prefetch handed over by events, 600 ops
 * on the default stream (each reads a weight and the previous activation,
 * writes a fresh activation from a 64-block pool that is freed and reused,
 * every 10th through a view), an optimizer pass (read+write of every weight),
 * a stream sync for the loss and a device sync every 5th step. Race-free.
 */
function generate(accesses, emit) {
  const S0 = 0x5000,
    S1 = 0x6000;
  const W = 300;
  const wBase = (k) => 0x7f0000000000 + k * 0x400000;
  const wSize = (k) => 65536 * (1 + (k % 64));
  const actBase = (k) => 0x7e0000000000 + (k % 64) * 0x100000;
  const ACT = 0x80000;
  const BATCH = 0x7d0000000000;
  let id = 0,
    n = 0,
    step = 0;
  const acc = (s, ptr, bytes, base, mode, site) => {
    emit(++id, 1, site, OP.TENSOR, s, 0, ptr, bytes, base, mode, 1, 0);
    n++;
  };
  for (let k = 0; k < W; k++) emit(++id, 1, 1, OP.ALLOC, S0, 0, wBase(k), wSize(k), wBase(k), 0, 0, 7);
  emit(++id, 1, 1, OP.ALLOC, S0, 0, BATCH, ACT, BATCH, 0, 0, 7);
  while (n < accesses) {
    step++;
    // prefetch: the side stream waits for the default stream, overwrites the batch, hands it back
    emit(++id, 1, 2, OP.EV_RECORD, S0, 0xe0, 0, 0, 0, 0, 0, 0);
    emit(++id, 1, 2, OP.EV_WAIT, S1, 0xe0, 0, 0, 0, 0, 0, 0);
    emit(++id, 1, 3, OP.COPY, S1, 0, BATCH, ACT, 0, 2, 0, 1);
    n++;
    emit(++id, 1, 4, OP.EV_RECORD, S1, 0xe1, 0, 0, 0, 0, 0, 0);
    emit(++id, 1, 4, OP.EV_WAIT, S0, 0xe1, 0, 0, 0, 0, 0, 0);
    let prev = BATCH;
    for (let k = 0; k < 600; k++) {
      const a = actBase(k);
      const view = k % 10 === 0;
      acc(S0, wBase(k % W), wSize(k % W), wBase(k % W), 1, 10 + (k % 40));
      acc(S0, prev + (view ? ACT / 2 : 0), view ? ACT / 2 : ACT, prev, 1, 10 + (k % 40));
      emit(++id, 1, 10 + (k % 40), OP.ALLOC, S0, 0, a, ACT, a, 0, 0, 7);
      acc(S0, a, ACT, a, 2, 10 + (k % 40));
      if (prev !== BATCH) emit(++id, 1, 60, OP.FREE, S0, 0, prev, 0, prev, 0, 0, 7);
      prev = a;
    }
    emit(++id, 1, 60, OP.FREE, S0, 0, prev, 0, prev, 0, 0, 7);
    for (let k = 0; k < W; k++) acc(S0, wBase(k), wSize(k), wBase(k), 3, 70);
    emit(++id, 1, 80, OP.SYNC_BEGIN, S0, S0, 0, 0, 0, 2, 0, 0);
    emit(++id, 1, 80, OP.SYNC_END, S0, S0, 0, 0, 0, 2, 0, 0);
    if (step % 5 === 0) {
      emit(++id, 1, 81, OP.SYNC_BEGIN, 0, 0, 0, 0, 0, 1, 0, 0);
      emit(++id, 1, 81, OP.SYNC_END, 0, 0, 0, 0, 0, 1, 0, 0);
    }
  }
  return id;
}

/** Adversarial mix: random tensors of 4000, 4 streams, views, event chains, no locality. */
function generateRandom(accesses, emit) {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const STREAMS = [0, 0x1000, 0x2000, 0x3000];
  const TENSORS = 4000;
  const base = (t) => 0x7f0000000000 + t * 0x100000;
  const size = (t) => 4096 * (1 + (t % 64));
  let id = 0,
    n = 0,
    op = 0;
  for (let t = 0; t < TENSORS; t++) emit(++id, 1, 1, OP.ALLOC, 0, 0, base(t), size(t), base(t), 0, 0, 7);
  while (n < accesses) {
    op++;
    const s = STREAMS[op % 16 === 0 ? 1 + (op % 3) : 0];
    for (let k = 0; k < 3; k++) {
      const t = Math.floor(rnd() * TENSORS);
      const view = op % 10 === 0;
      emit(
        ++id,
        1,
        1 + (op % 50),
        OP.TENSOR,
        s,
        0,
        base(t) + (view ? 1024 : 0),
        view ? size(t) / 2 : size(t),
        base(t),
        k < 2 ? 1 : 2,
        1,
        0,
      );
      n++;
    }
    if (op % 16 === 0) {
      emit(++id, 1, 0, OP.EV_RECORD, s, 0x9000 + (op % 8), 0, 0, 0, 0, 0, 0);
      emit(++id, 1, 0, OP.EV_WAIT, 0, 0x9000 + (op % 8), 0, 0, 0, 0, 0, 0);
    }
    if (op % 2000 === 0) {
      emit(++id, 1, 3, OP.SYNC_BEGIN, 0, 0, 0, 0, 0, 1, 0, 0);
      emit(++id, 1, 3, OP.SYNC_END, 0, 0, 0, 0, 0, 1, 0, 0);
    }
  }
  return id;
}

function heapMB() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1048576;
}

const out = {};
const heap0 = heapMB();
function measure(label, gen, n) {
  const eng = new RaceEngine();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rows = gen(n, (...a) => eng.row(...a));
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  // the generator's own cost, subtracted
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  gen(n, () => {});
  const gWall = (performance.now() - t1) / 1000;
  const gu = process.cpuUsage(c1);
  const gCpu = (gu.user + gu.system) / 1e6;
  const heap = heapMB() - heap0;
  const found = eng.conflicts().reduce((a, c) => a + c.count, 0);
  const m = n / 1e6;
  log(
    `${label} ${n} accesses (${rows} rows): pass ${(wall - gWall).toFixed(2)} s wall, ${(cpu - gCpu).toFixed(2)} s cpu = ${((wall - gWall) / m).toFixed(3)} s wall / ${((cpu - gCpu) / m).toFixed(3)} s cpu per M; heap +${heap.toFixed(1)} MB with the engine alive; max segments ${eng.maxSegs}, now ${eng.liveSegments}; ${found} races in ${eng.conflicts().length} groups; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cpus`,
  );
  out[`${label}_s_per_m_wall_${m}m`] = ((wall - gWall) / m).toFixed(3);
  out[`${label}_s_per_m_cpu_${m}m`] = ((cpu - gCpu) / m).toFixed(3);
  out[`${label}_heap_mb_${m}m`] = heap.toFixed(1);
  out[`${label}_max_segments_${m}m`] = eng.maxSegs;
  out[`${label}_races_${m}m`] = found;
}
for (const n of sizes) measure('train', generate, n);
for (const n of sizes.slice(0, 1)) measure('random', generateRandom, n);
out.loadavg = loadavg()[0].toFixed(1);

if (e2e > 0) {
  // the whole rule through DuckDB: write a trace of the same mix, load it, analyze
  const { TraceWriter } = await import(dist('format/writer.js'));
  const { openTrace } = await import(dist('ingest/load.js'));
  const { analyzeTrace } = await import(dist('analyze/analyzeTrace.js'));
  const dir = mkdtempSync(path.join(tmpdir(), 'mpst-race-bench-'));
  try {
    const w = new TraceWriter({ backend: 'cuda', synthetic: true });
    w.record(1, 'process_start', 0, { pid: 1, ppid: 0, backend: 'cuda', clock: 'monotonic', recorder: 'race bench' });
    let ts = 1;
    const modes = ['', 'read', 'write', 'read_write'];
    generate(e2e, (_id, tid, _site, op, stream, obj, ptr, bytes, base, mode) => {
      ts += 100;
      switch (op) {
        case OP.TENSOR:
          w.record(tid, 'tensor_access', ts, { ptr, bytes, base, stream, op: 'aten::op', mode: modes[mode] });
          break;
        case OP.EV_RECORD:
          w.record(tid, 'event_record', ts, { event: obj, stream });
          break;
        case OP.EV_WAIT:
          w.record(tid, 'event_wait', ts, { event: obj, stream });
          break;
        case OP.ALLOC:
          w.record(tid, 'alloc', ts, { ptr, bytes, stream, mem: 'torch_block' });
          break;
        case OP.FREE:
          w.record(tid, 'free', ts, { ptr, stream, mem: 'torch_block' });
          break;
        case OP.SYNC_BEGIN:
          w.record(tid, 'sync_begin', ts, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize' });
          break;
        case OP.SYNC_END:
          w.record(tid, 'sync_end', ts, { target: 0, scope: 'device', api: 'cudaDeviceSynchronize' });
          break;
        default:
      }
    });
    const file = path.join(dir, 'race.mpst');
    w.writeFile(file);
    const loaded = await openTrace(file, { cache: false, progress: false });
    try {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const fs = await analyzeTrace(loaded, { rules: ['cross-stream-race'] });
      const s = (performance.now() - t0) / 1000;
      const cu = process.cpuUsage(c0);
      const cpu = (cu.user + cu.system) / 1e6;
      log(
        `end to end (query.sql streamed from DuckDB + pass + wording), ${e2e} accesses: ${s.toFixed(2)} s wall, ${cpu.toFixed(2)} s cpu (DuckDB threads included), ${fs.length} findings; load average ${loadavg()[0].toFixed(1)}`,
      );
      out.e2e_s_per_m_wall = (s / (e2e / 1e6)).toFixed(3);
      out.e2e_s_per_m_cpu = (cpu / (e2e / 1e6)).toFixed(3);
    } finally {
      loaded.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  Object.entries(out)
    .map(([k, v]) => `${k}=${v}`)
    .join(' '),
);
