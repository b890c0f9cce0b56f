/**
 * Deterministic synthetic traces for scale tests and fuzzing. The mix imitates a
 * multi-stream PyTorch run: worker threads acquire pool slots, launch kernels
 * inside named ranges, record events on their stream and make other streams
 * wait on them, sometimes synchronize or time a region; a completion thread
 * reports GPU start/duration for every launch. Same options, same bytes.
 */
import { TraceWriter, type BackendName } from '../format/writer.js';
import { VERSION } from '../version.js';
import { seededRandom } from '../util/random.js';

export interface SynthOptions {
  /** Records to write (string records not counted); small counts need few threads and streams. */
  events: number;
  streams?: number;
  threads?: number;
  seed?: number;
  chunkBytes?: number;
  backend?: BackendName;
  /** Write the trace to this file as it is generated (memory stays bounded); the result's writer is then finished. */
  output?: string;
}

/** The largest trace synth writes: about 34 GB; larger ones are no test anyone can load. */
export const SYNTH_LIMITS = { events: 1_000_000_000, streams: 1024, threads: 256 } as const;
/** Bytes per event of a synthetic trace, a little over the measured 30.7-33.6 (for the disk-space check). */
export const SYNTH_BYTES_PER_EVENT = 36;

export interface SynthResult {
  writer: TraceWriter;
  events: number;
}

const KERNELS = [
  'void at::native::vectorized_elementwise_kernel<4, at::native::AddFunctor<float>>',
  'ampere_sgemm_128x64_tn',
  'void at::native::reduce_kernel<512, 1>',
  'softmax_warp_forward<float, float, float, 10>',
  'void cutlass::Kernel<cutlass_80_tensorop_s1688gemm_64x64_32x6_tn_align4>',
  'layer_norm_kernel',
  'gelu_kernel',
  'copy_kernel',
];
const SYNC_APIS = ['cudaStreamSynchronize', 'cudaDeviceSynchronize', 'cudaEventSynchronize'];
/** Most records one worker step can write; below this the budget is filled with markers. */
const MAX_STEP_RECORDS = 40;
const COMPLETION_TID = 900001;
const MAIN_TID = 900000;

/** About 8 chunks per thread, 4 KiB to 1 MiB: small traces stay small, large ones use few chunks. */
function chunkSizeFor(total: number, threads: number): number {
  const perThread = (total * 32) / (threads + 2) / 8;
  let c = 4096;
  while (c < perThread && c < 1 << 20) c *= 2;
  return c;
}

export function synthesize(opts: SynthOptions): SynthResult {
  const total = Math.floor(opts.events);
  if (!Number.isFinite(total) || total < 1) throw new RangeError('--events must be a positive integer');
  const nStreams = Math.max(1, Math.floor(opts.streams ?? 4));
  const nThreads = Math.max(1, Math.floor(opts.threads ?? 4));
  const rand = seededRandom(opts.seed ?? 1);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  for (const [name, v] of [
    ['events', total],
    ['streams', nStreams],
    ['threads', nThreads],
  ] as const) {
    if (v > SYNTH_LIMITS[name])
      throw new RangeError(`--${name} is at most ${SYNTH_LIMITS[name].toLocaleString('en-US')}, got ${v.toLocaleString('en-US')}`);
  }
  const w = new TraceWriter({
    backend: opts.backend ?? 'synthetic',
    synthetic: true,
    pid: 10000,
    ppid: 1,
    chunkBytes: opts.chunkBytes ?? chunkSizeFor(total, nThreads),
    metaTid: MAIN_TID,
    t0Ns: 1_000_000_000,
  });
  if (opts.output) w.streamTo(opts.output);

  let n = 0;
  let now = 1_000_000_000;
  const rec: TraceWriter['record'] = (tid, kind, ts, fields, site) => {
    n++;
    w.record(tid, kind, ts, fields, site);
  };
  const tick = (max = 2000) => (now += 50 + Math.floor(rand() * max));

  const streams = Array.from({ length: nStreams }, (_, i) => 0x7f3a00001000 + i * 0x400);
  const sites = [
    w.callsite('at::cuda::getStreamFromPool', 'libc10_cuda.so', 0x7f1200003000, 0x40),
    w.callsite('at::native::launch_kernel', 'libtorch_cuda.so', 0x7f1200104000, 0x12c),
    w.callsite('torch::autograd::Engine::thread_main', 'libtorch_cpu.so', 0x7f1100205000, 0x88),
    w.callsite('c10::cuda::CUDAStream::synchronize', 'libc10_cuda.so', 0x7f1200006000, 0x20),
  ];
  n += sites.length;
  const setup = n + 3 + nStreams + 1 + 2 * nThreads + 8 + nThreads + 1;
  if (total < setup) throw new RangeError(`--events must be at least ${setup} for ${nStreams} streams and ${nThreads} threads`);
  rec(MAIN_TID, 'process_start', tick(), {
    pid: 10000,
    ppid: 1,
    backend: opts.backend ?? 'synthetic',
    clock: 'synthetic',
    flags: 0x3,
    recorder: `mpstrace-synth ${VERSION}`,
  });
  rec(MAIN_TID, 'clock_calibration', now, { host_ns: now, gpu_ns: now + 12345, realtime_ns: 1_700_000_000_000_000_000n });
  rec(MAIN_TID, 'thread_name', tick(), { name: 'main' });
  for (const s of streams) rec(MAIN_TID, 'stream_create', tick(), { stream: s, flags: 1, priority: 0 });
  rec(COMPLETION_TID, 'thread_name', tick(), { name: 'gpu-completion' });

  const workers = Array.from({ length: nThreads }, (_, i) => ({ tid: 1001 + i, slot: -1, stream: streams[i % nStreams]!, steps: 0 }));
  for (const t of workers) {
    rec(t.tid, 'thread_start', tick(), { parent_tid: MAIN_TID });
    rec(t.tid, 'thread_name', now, { name: `worker-${t.tid - 1000}` });
  }
  // Closing records: a thread_exit per worker plus process_end.
  const closing = nThreads + 1;
  const gpuFree = new Map<number, number>(streams.map((s) => [s, now]));
  let corr = 0;
  let nextEvent = 0x5a0000001000;
  const timingEvents: number[] = [];
  for (let i = 0; i < 8; i++) {
    const e = (nextEvent += 0x40);
    timingEvents.push(e);
    rec(MAIN_TID, 'event_create', tick(), { event: e, flags: 0, timing: true });
  }

  while (total - n - closing >= MAX_STEP_RECORDS) {
    const t = workers[Math.floor(rand() * workers.length)]!;
    t.steps++;
    if (t.slot < 0 && rand() < 0.5) {
      t.slot = Math.floor(rand() * 32);
      t.stream = streams[t.slot % nStreams]!;
      rec(
        t.tid,
        'slot_acquire',
        tick(),
        { stream: t.stream, slot: t.slot, free_after: Math.floor(rand() * 31), wait_ns: Math.floor(rand() * 1000), source: 'api' },
        sites[0],
      );
    }
    rec(t.tid, 'range_push', tick(), { name: rand() < 0.5 ? 'forward' : 'backward' }, sites[2]);
    const k = 2 + Math.floor(rand() * 5);
    for (let j = 0; j < k; j++) {
      const c = ++corr;
      rec(t.tid, 'submit', tick(800), { stream: t.stream, name: pick(KERNELS), corr: c }, sites[1]);
      const start = Math.max(gpuFree.get(t.stream)!, now + 3000);
      const dur = 2000 + Math.floor(rand() * 40000);
      gpuFree.set(t.stream, start + dur);
      rec(COMPLETION_TID, 'complete', start, { corr: c, error: 0, dur_ns: dur });
    }
    const ev = (nextEvent += 0x40);
    rec(t.tid, 'event_record', tick(), { event: ev, stream: t.stream });
    const other = streams[(streams.indexOf(t.stream) + 1) % nStreams]!;
    rec(t.tid, 'event_wait', tick(), { event: ev, stream: other });
    const r = rand();
    if (r < 0.1) {
      const api = pick(SYNC_APIS);
      const scope = api === 'cudaDeviceSynchronize' ? 'device' : api === 'cudaStreamSynchronize' ? 'stream' : 'event';
      const target = scope === 'device' ? 0 : scope === 'stream' ? t.stream : ev;
      rec(t.tid, 'sync_begin', tick(), { target, scope, api }, sites[3]);
      const until = Math.max(now + 500, gpuFree.get(t.stream)!);
      now = until;
      rec(t.tid, 'sync_end', tick(), { target, scope, api, result: 0 }, sites[3]);
    } else if (r < 0.13) {
      const a = pick(timingEvents);
      const b = pick(timingEvents);
      rec(t.tid, 'elapsed_begin', tick(), { start_event: a, end_event: b });
      rec(t.tid, 'elapsed_end', tick(), { start_event: a, end_event: b, elapsed_ns: Math.floor(rand() * 1e6), error: 0 });
    } else if (r < 0.15) {
      rec(t.tid, 'memcpy', tick(), {
        dst: 0x7f5000000000 + corr * 256,
        src: 0x55aa00000000,
        bytes: 4096,
        stream: t.stream,
        corr: ++corr,
        dir: 'h2d',
        is_async: true,
      });
      const start = Math.max(gpuFree.get(t.stream)!, now + 1000);
      gpuFree.set(t.stream, start + 1500);
      rec(COMPLETION_TID, 'complete', start, { corr, error: 0, dur_ns: 1500 });
    } else if (r < 0.17) {
      rec(t.tid, 'intent_record', tick(), { event: ev, stream: t.stream });
    }
    rec(t.tid, 'range_pop', tick());
    if (t.slot >= 0 && rand() < 0.1) {
      rec(
        t.tid,
        'slot_release',
        tick(),
        { stream: t.stream, slot: t.slot, free_after: Math.floor(rand() * 32), at_thread_exit: false, source: 'api' },
        sites[0],
      );
      t.slot = -1;
    }
  }
  while (total - n > closing) rec(MAIN_TID, 'marker', tick(), { name: 'filler' });
  for (const t of workers) {
    if (n >= total - 1) break;
    rec(t.tid, 'thread_exit', tick());
  }
  rec(MAIN_TID, 'process_end', tick(), { status: 0, reason: 'exit' });
  if (opts.output) w.finish();
  return { writer: w, events: n };
}
