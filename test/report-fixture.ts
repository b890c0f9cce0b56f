// A small trace with known content (and hostile names) for the report and export tests.
import { TraceWriter } from '../src/format/writer.js';

export const MS = 1_000_000;
/** Absolute ts of the first record: time 0 in the report. */
export const T0 = 5 * MS;

export const HOSTILE = {
  thread1: '<script>window.__PWNED__=1</script>',
  thread2: `worker "q'uoted" <img src=x onerror="window.__PWNED__=2">`,
  kernelA: '<img src=x onerror=window.__PWNED__=3>',
  kernelB: '</script><script>window.__PWNED__=4</script>',
  range: 'step <b>1</b> & "co"',
};

export const STREAM_A = 0xa0;
export const STREAM_B = 0xb0;
export const EVENT = 0xe7;

/**
 * Thread 1 (hostile name): a range 0.5-9 ms, a device sync 6.5-7 ms, records EVENT on stream A at 4.1 ms.
 * Thread 2: holds slot 3 (stream B) 0.2-9.5 ms, waits for EVENT on stream B at 4.2 ms, then blocks
 * in cudaEventSynchronize(EVENT) from 8 ms and never returns (open until the end, 10 ms).
 * Stream A: kernelA 1-4 ms, gemm 5-6 ms. Stream B: kernelB 2-3 ms, memcpy 7-8 ms.
 */
export function knownTrace(): TraceWriter {
  const w = new TraceWriter({ backend: 'cuda', chunkBytes: 4096, pid: 4242 });
  const at = (ms: number) => T0 + Math.round(ms * MS);
  const site = w.callsite('at::cuda::record <x>', 'libtorch_cuda.so', 0x4000, 0x10);
  w.record(1, 'process_start', at(0), { pid: 4242, backend: 'cuda', recorder: 'mpstrace-cuda 0.1.0', flags: 0b10 });
  w.record(1, 'thread_name', at(0), { name: HOSTILE.thread1 });
  w.record(2, 'thread_name', at(0.01), { name: HOSTILE.thread2 });
  w.record(1, 'stream_create', at(0.05), { stream: STREAM_A });
  w.record(1, 'stream_create', at(0.06), { stream: STREAM_B });
  w.record(2, 'slot_acquire', at(0.2), { stream: STREAM_B, slot: 3, free_after: 5, wait_ns: 0, source: 'annotation' });
  w.record(1, 'range_push', at(0.5), { name: HOSTILE.range });
  w.record(1, 'submit', at(0.9), { stream: STREAM_A, name: HOSTILE.kernelA, corr: 1 });
  w.record(9, 'complete', at(1), { corr: 1, error: 0, dur_ns: 3 * MS });
  w.record(2, 'submit', at(1.5), { stream: STREAM_B, name: HOSTILE.kernelB, corr: 2 });
  w.record(9, 'complete', at(2), { corr: 2, error: 0, dur_ns: 1 * MS });
  w.record(1, 'event_record', at(4.1), { event: EVENT, stream: STREAM_A }, site);
  w.record(2, 'event_wait', at(4.2), { event: EVENT, stream: STREAM_B });
  w.record(1, 'submit', at(4.5), { stream: STREAM_A, name: 'gemm', corr: 3 });
  w.record(9, 'complete', at(5), { corr: 3, error: 0, dur_ns: 1 * MS });
  w.record(1, 'sync_begin', at(6.5), { target: 0, scope: 'device', api: 'cudaDeviceSynchronize' });
  w.record(2, 'memcpy', at(6.6), { dst: 1, src: 2, bytes: 4096, stream: STREAM_B, corr: 4, dir: 'd2h', is_async: 1 });
  w.record(1, 'sync_end', at(7), { target: 0, scope: 'device', api: 'cudaDeviceSynchronize', result: 0 });
  w.record(9, 'complete', at(7), { corr: 4, error: 0, dur_ns: 1 * MS });
  w.record(2, 'sync_begin', at(8), { target: EVENT, scope: 'event', api: 'cudaEventSynchronize' });
  w.record(1, 'range_pop', at(9));
  w.record(2, 'slot_release', at(9.5), { stream: STREAM_B, slot: 3, free_after: 6, at_thread_exit: 0, source: 'annotation' });
  w.record(1, 'marker', at(10), { name: 'end' });
  return w;
}

/** A finding in src/analyze's shape pointing at the open wait, for deterministic click tests. */
export function knownFinding() {
  return {
    rule: 'hang',
    kind: 'open-wait',
    severity: 'error',
    message: `cudaEventSynchronize on ${HOSTILE.thread2} never returned`,
    ts_ns: T0 + 8 * MS,
    fix: 'Record the event before waiting on it <fix>.',
    count: 1,
    threads: [{ tid: 2, name: HOSTILE.thread2 }],
    streams: [],
    evidence: [{ id: 1, ts_ns: T0 + 8 * MS, tid: 2, kind: 'sync_begin', role: 'wait', site: 0 }],
    sites: [{ site: 1, symbol: 'at::cuda::record <x>', module: 'libtorch_cuda.so', offset: 16 }],
  };
}
