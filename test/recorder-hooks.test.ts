// Each CUDA hook records the right event with the right fields and calls
// through to the (stand-in) libcudart; annotations; reentrancy; no-op API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildRecorder, canBuild, load, runTraced, tempDir, type Built, type Rec } from './recorder-util.js';
import { cleanup } from './recorder-util.js';
import { FLAGS } from '../src/format/kinds.js';

describe.skipIf(!canBuild)('CUDA recorder hooks (stand-in libcudart)', () => {
  let b: Built;
  let recs: Rec[];
  let str: (id: number | bigint) => string | undefined;
  let calls: Map<string, number>;
  let trace: ReturnType<typeof load>['trace'];

  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    const out = path.join(tempDir(), 'hooks.mpst');
    const r = runTraced(b, 'drv_hooks', [], out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    calls = new Map(
      r.stdout
        .split('\n')
        .filter((l) => /^\w+ \d+$/.test(l))
        .map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]),
    );
    expect(r.stdout).toContain('enabled 1');
    ({ trace, recs, str } = load(out));
  }, 120_000);

  const of = (kind: string) => recs.filter((r) => r.kind === kind);

  it('writes a clean, closed trace that starts with process_start', () => {
    expect(trace.warnings).toEqual([]);
    expect(trace.header.closedCleanly).toBe(true);
    expect(trace.header.backend).toBe('cuda');
    expect(recs[0]!.kind).toBe('process_start');
    expect(str(recs[0]!.f.recorder!)).toMatch(/^mpstrace-cuda /);
    // no CUPTI, no driver-API coverage here; the exit check ran and found no libcuda (only a stand-in libcudart)
    expect(recs[0]!.f.flags).toBe(FLAGS.process.driver_checked);
    const end = of('process_end');
    expect(end).toHaveLength(1);
    expect(end[0]!.f).toMatchObject({ status: 0, reason: 1 });
  });

  it('calls through to libcudart exactly once per hooked call', () => {
    for (const [name, n] of [
      ['cudaStreamCreate', 1],
      ['cudaStreamCreateWithFlags', 1],
      ['cudaStreamCreateWithPriority', 1],
      ['cudaEventCreate', 1],
      ['cudaEventCreateWithFlags', 1],
      ['cudaEventRecord', 1],
      ['cudaEventRecordWithFlags', 1],
      ['cudaStreamWaitEvent', 1],
      ['cudaEventQuery', 2],
      ['cudaStreamQuery', 1],
      ['cudaEventSynchronize', 1],
      ['cudaStreamSynchronize', 2],
      ['cudaEventElapsedTime', 1],
      ['cudaDeviceSynchronize', 1],
      ['cudaLaunchKernel', 2],
      ['__cudaGetKernel', 1],
      ['__cudaLaunchKernel', 1],
      ['cudaLaunchKernelExC', 1],
      ['cudaGraphLaunch', 1],
      ['cudaMalloc', 1],
      ['cudaMallocHost', 1],
      ['cudaHostAlloc', 1],
      ['cudaMallocAsync', 1],
      ['cudaMemcpy', 1],
      ['cudaMemcpyAsync', 1],
      ['cudaMemset', 1],
      ['cudaMemsetAsync', 1],
      ['cudaFreeAsync', 1],
      ['cudaFreeHost', 2],
      ['cudaFree', 1],
      ['cudaEventDestroy', 2],
      ['cudaStreamDestroy', 1],
      ['cudaEventRecord_ptsz', 1],
      ['cudaLaunchKernel_ptsz', 1],
      ['cudaStreamSynchronize_ptsz', 1],
    ] as const) {
      expect([name, calls.get(name)]).toEqual([name, n]);
    }
  });

  it('records streams with flags and priority', () => {
    const sc = of('stream_create');
    expect(sc.map((r) => [r.f.flags, r.f.priority])).toEqual([
      [0, 0],
      [1, 0],
      [1, -2],
    ]);
    const handles = sc.map((r) => r.f.stream);
    expect(new Set(handles).size).toBe(3);
    expect(of('stream_destroy').map((r) => r.f.stream)).toEqual([handles[0]]);
    expect(of('stream_query')).toEqual([expect.objectContaining({ f: { stream: handles[0], result: 0 } })]);
  });

  it('records events: create (timing flag), record, wait, query, elapsed', () => {
    const ec = of('event_create');
    expect(ec.map((r) => [r.f.flags, r.f.timing])).toEqual([
      [0, 1],
      [2, 0],
    ]);
    const [e1, e2] = ec.map((r) => r.f.event);
    const [s1, s2, s3] = of('stream_create').map((r) => r.f.stream);
    // the _ptsz entry point's stream 0 is the per-thread default stream, written as 2
    expect(of('event_record').map((r) => [r.f.event, r.f.stream])).toEqual([
      [e1, s1],
      [e2, s2],
      [e1, 2n],
    ]);
    expect(of('event_wait').map((r) => [r.f.event, r.f.stream])).toEqual([[e1, s3]]);
    expect(of('event_query').map((r) => [r.f.event, r.f.result])).toEqual([
      [e1, 0],
      [0xb05en, 1],
    ]);
    expect(of('elapsed_begin').map((r) => [r.f.start_event, r.f.end_event])).toEqual([[e1, e2]]);
    expect(of('elapsed_end').map((r) => [r.f.start_event, r.f.end_event, r.f.elapsed_ns, r.f.error])).toEqual([[e1, e2, 1_500_000n, 0]]);
    expect(of('event_destroy').map((r) => r.f.event)).toEqual([e1, e2]);
  });

  it('brackets every blocking call with sync_begin/sync_end, and records nothing for a hooked call made inside a hook', () => {
    const begins = of('sync_begin').map((r) => [str(r.f.api!), r.f.scope, r.f.target]);
    const ends = of('sync_end').map((r) => [str(r.f.api!), r.f.scope, r.f.target, r.f.result]);
    const [e1] = of('event_create').map((r) => r.f.event);
    const [, s2] = of('stream_create').map((r) => r.f.stream);
    const expected = [
      ['cudaEventSynchronize', 3, e1],
      ['cudaStreamSynchronize', 2, s2],
      ['cudaDeviceSynchronize', 1, 0n],
      ['cudaMemcpy', 4, 0n],
      ['cudaFreeHost', 1, 0n],
      ['cudaFreeHost', 1, 0n],
      ['cudaFree', 1, 0n],
      ['cudaStreamSynchronize_ptsz', 2, 2n],
    ];
    expect(begins).toEqual(expected);
    expect(ends).toEqual(expected.map((e) => [...e, 0]));
    // the stand-in's cudaDeviceSynchronize called cudaStreamSynchronize(0x1111): not recorded
    expect(recs.some((r) => r.f.target === 0x1111n || r.f.stream === 0x1111n)).toBe(false);
    for (const r of of('sync_begin')) expect(r.site).toBeGreaterThan(0);
  });

  it('records launches with kernel names, streams (default handles kept) and unique correlation ids', () => {
    const [s1, s2, s3] = of('stream_create').map((r) => r.f.stream);
    const subs = of('submit').map((r) => [str(r.f.name!), r.f.stream]);
    expect(subs).toEqual([
      ['mpst_test_kernel', s1],
      ['mpst_test_kernel2', s2],
      ['mpst_test_kernel', s3],
      ['mpst_test_kernel', 2n],
      ['cudaGraphLaunch', s1],
      ['mpst_test_kernel2', 2n],
    ]);
    const corrs = [...of('submit'), ...of('memcpy'), ...of('memset')].map((r) => r.f.corr as number);
    expect(new Set(corrs).size).toBe(corrs.length);
    for (const c of corrs) expect(c >>> 31).toBe(1); // own ids: top bit set (CUPTI ids never have it)
    expect(of('complete')).toEqual([]); // all calls succeeded, no CUPTI
  });

  it('records copies, fills, allocations and frees', () => {
    const [s1, s2, s3] = of('stream_create').map((r) => r.f.stream);
    const d = of('alloc')[0]!.f.ptr;
    const h = of('alloc')[1]!.f.ptr;
    expect(of('alloc').map((r) => [r.f.bytes, r.f.mem, r.f.stream])).toEqual([
      [4096n, 1, 0n],
      [256n, 2, 0n],
      [128n, 2, 0n],
      [512n, 3, s2],
    ]);
    expect(of('memcpy').map((r) => [r.f.dst, r.f.src, r.f.bytes, r.f.stream, r.f.dir, r.f.is_async])).toEqual([
      [d, h, 256n, 0n, 1, 0],
      [h, d, 128n, s1, 2, 1],
    ]);
    expect(of('memset').map((r) => [r.f.dst, r.f.bytes, r.f.stream, r.f.is_async])).toEqual([
      [d, 64n, 0n, 0],
      [d, 32n, s3, 1],
    ]);
    expect(of('free').map((r) => [r.f.mem, r.f.stream])).toEqual([
      [3, s2],
      [2, 0n],
      [2, 0n],
      [1, 0n],
    ]);
    expect(of('free')[3]!.f.ptr).toBe(d);
  });

  it('records every annotation with its arguments', () => {
    expect(of('slot_acquire').map((r) => r.f)).toEqual([
      { stream: of('stream_create')[0]!.f.stream, slot: 3, free_after: 5, wait_ns: 1234n, source: 1 },
    ]);
    expect(of('slot_set_current').map((r) => [r.f.slot, r.f.prev_slot, r.f.source])).toEqual([[4, 3, 1]]);
    expect(of('slot_release').map((r) => [r.f.slot, r.f.free_after, r.f.at_thread_exit])).toEqual([[3, 6, 1]]);
    expect(of('intent_device_sync_begin').map((r) => str(r.f.name!))).toEqual(['empty_cache']);
    expect(of('intent_device_sync_end').map((r) => str(r.f.name!))).toEqual(['empty_cache']);
    expect(of('intent_record').map((r) => [r.f.event, r.f.stream])).toEqual([[0xe1n, 0x51n]]);
    expect(of('intent_wait').map((r) => [r.f.event, r.f.stream])).toEqual([[0xe2n, 0x52n]]);
    expect(of('range_push').map((r) => str(r.f.name!))).toEqual(['step']);
    expect(of('range_pop')).toHaveLength(1);
    expect(of('marker').map((r) => str(r.f.name!))).toEqual(['here']);
    expect(of('buffer_access').map((r) => [r.f.ptr, r.f.bytes, r.f.stream, r.f.mode])).toEqual([[0xabc000n, 4096n, 0x51n, 2]]);
  });

  it('symbolizes call sites once each, naming the calling function and module', () => {
    const sites = of('callsite');
    expect(new Set(sites.map((s) => s.f.site_id)).size).toBe(sites.length);
    const used = new Set(recs.filter((r) => r.site).map((r) => r.site));
    for (const id of used) expect(sites.some((s) => s.f.site_id === id)).toBe(true);
    const main = sites.filter((s) => str(s.f.symbol!) === 'main');
    expect(main.length).toBeGreaterThan(10);
    expect(str(main[0]!.f.module!)).toMatch(/drv_hooks$/);
  });

  it('writes thread_start and the thread name first for the main thread', () => {
    expect(recs[1]!.kind).toBe('thread_start');
    const names = of('thread_name').map((r) => str(r.f.name!));
    expect(names).toContain('drv_hooks');
  });

  it('annotation API is a no-op without a recorder and records when one is loaded', () => {
    const plain = spawnSync(b.prog('drv_annotate'), [], { encoding: 'utf8' });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toMatch(/^enabled=0 /);
    const out = path.join(tempDir(), 'ann.mpst');
    const traced = runTraced(b, 'drv_annotate', [], out);
    expect(traced.stdout).toMatch(/^enabled=1 /);
    const { recs: ar } = load(out);
    expect(ar.filter((r) => r.kind === 'range_pop')).toHaveLength(1_000_001);
  });

  it('finds the real functions when libcudart was loaded RTLD_LOCAL (as by a Python extension module)', () => {
    const out = path.join(tempDir(), 'dlopen.mpst');
    const r = runTraced(b, 'drv_dlopen', [path.dirname(b.prog('drv_dlopen'))], out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('rc=0');
    expect(r.stdout).toContain('cudaEventRecord 1');
    const { recs: dr } = load(out);
    expect(dr.filter((x) => x.kind === 'event_record').map((x) => [x.f.event, x.f.stream])).toEqual([[0xe7n, 0x57n]]);
  });

  it('MPSTRACE_ENABLE=0 records nothing and still calls through', () => {
    const out = path.join(tempDir(), 'off.mpst');
    const r = runTraced(b, 'drv_hooks', [], out, { MPSTRACE_ENABLE: '0' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('enabled 0');
    expect(r.stdout).toContain('cudaLaunchKernel 2');
    expect(spawnSync('test', ['-e', out]).status).toBe(1);
  });
});
