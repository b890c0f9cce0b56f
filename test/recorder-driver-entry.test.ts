// Programs whose libcudart the LD_PRELOAD hooks cannot see (linked statically,
// nvcc's default) and libraries that launch through the driver API (cuBLAS)
// are recorded at the driver entry points they look up with
// cuGetProcAddress. Stand-ins: build/test/libcuda.so.1 (exports only the
// lookup functions), drv_static (a "static runtime" compiled into the
// program), libcublas_fake.so (launches through the driver by itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildRecorder, canBuild, cleanup, load, runTraced, tempDir, type Built, type Rec } from './recorder-util.js';

describe.skipIf(!canBuild)('driver-entry capture (stand-in static runtime and libcuda)', () => {
  let b: Built;
  let recs: Rec[];
  let str: (id: number | bigint) => string | undefined;
  let calls: Map<string, number>;
  let plainCalls: Map<string, number>;
  let main: { lo: number; hi: number };

  const counts = (stdout: string) =>
    new Map(
      stdout
        .split('\n')
        .filter((l) => /^\w+ \d+$/.test(l))
        .map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]),
    );

  afterAll(cleanup);
  beforeAll(() => {
    b = buildRecorder();
    const plain = spawnSync(b.prog('drv_static'), ['gemm'], { encoding: 'utf8' });
    expect(plain.status).toBe(0);
    plainCalls = counts(plain.stdout);
    const out = path.join(tempDir(), 'static.mpst');
    const r = runTraced(b, 'drv_static', ['gemm'], out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    calls = counts(r.stdout);
    ({ recs, str } = load(out));
    // main's extent in the executable, to check where call sites point
    const nm = spawnSync('nm', ['-S', '--defined-only', b.prog('drv_static')], { encoding: 'utf8' });
    const m = nm.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((p) => p[3] === 'main');
    expect(m, 'nm finds main').toBeDefined();
    main = { lo: parseInt(m![0]!, 16), hi: parseInt(m![0]!, 16) + parseInt(m![1]!, 16) };
  }, 120_000);

  const of = (kind: string) => recs.filter((r) => r.kind === kind);
  const site = (id: number) => recs.find((r) => r.kind === 'callsite' && r.f.site_id === id);

  it('calls through to the driver exactly as often as without the recorder', () => {
    expect(calls.size).toBeGreaterThan(10);
    for (const [name, n] of plainCalls) {
      if (name === 'cuFuncGetName') continue; // the recorder names kernels with it
      expect([name, calls.get(name)]).toEqual([name, n]);
    }
  });

  it('records streams, events, waits and syncs made through the static runtime', () => {
    expect(of('stream_create')).toHaveLength(2);
    const [s1, s2] = of('stream_create').map((r) => r.f.stream);
    expect(of('event_create')).toHaveLength(1);
    const ev = of('event_create')[0]!.f.event;
    expect(of('event_record').map((r) => [r.f.event, r.f.stream])).toEqual([
      [ev, s1],
      [ev, 2n],
    ]);
    expect(of('event_wait').map((r) => [r.f.event, r.f.stream])).toEqual([[ev, s2]]);
    expect(of('event_query').map((r) => r.f.result)).toEqual([1]); // not ready
    const scopes = of('sync_begin').map((r) => str(r.f.api as number));
    // cuMemFree is recorded as a free, not a device sync (it does not wait for other streams)
    expect(scopes).toEqual(['cuStreamSynchronize', 'cuMemcpyDtoH', 'cuCtxSynchronize_v2']);
    expect(of('sync_end')).toHaveLength(3);
    expect(of('free').length).toBeGreaterThan(0);
  });

  it('records launches with kernel names from the driver, on the right streams, and the cuBLAS launch', () => {
    const [s1, s2] = of('stream_create').map((r) => r.f.stream);
    const subs = of('submit').map((r) => [str(r.f.name as number), r.f.stream]);
    expect(subs).toEqual([
      ['_Z12scale_kernelPfif', s1],
      ['_ZN4demo6reduceILi256EEEvPKfPf', s2],
      ['_Z12scale_kernelPfif', 0n], // legacy default stream (CU_STREAM_LEGACY)
      ['_ZN4demo6reduceILi256EEEvPKfPf', 2n], // per-thread default stream
      ['_ZN4demo6reduceILi256EEEvPKfPf', s2], // from libcublas_fake.so
    ]);
    expect(of('memcpy').map((r) => [r.f.dir, r.f.is_async, r.f.bytes])).toEqual([
      [1, 1, 64n],
      [2, 0, 64n],
    ]);
    expect(of('alloc')).toHaveLength(1);
    expect(of('free')).toHaveLength(1);
  });

  it('puts every call site in main, not in the static runtime or the CUDA library', () => {
    const gpu = recs.filter((r) =>
      ['stream_create', 'event_record', 'event_wait', 'submit', 'memcpy', 'sync_begin', 'alloc', 'free'].includes(r.kind),
    );
    expect(gpu.length).toBeGreaterThan(15);
    for (const r of gpu) {
      const cs = site(r.site);
      expect(cs, `${r.kind} has a call site`).toBeDefined();
      expect(str(cs!.f.module as number)).toMatch(/drv_static$/);
      const off = Number(cs!.f.offset);
      expect([r.kind, off >= main.lo && off < main.hi]).toEqual([r.kind, true]);
    }
  });

  it('a cuBLAS-like library whose frames vary in size call to call: every launch is still placed in the calling function', () => {
    const out = path.join(tempDir(), 'gemm-var.mpst');
    const r = runTraced(b, 'drv_static', ['gemm-bench', '64', '6'], out);
    expect(r.status).toBe(0);
    const { recs: g } = load(out);
    const nm = spawnSync('nm', ['-S', '--defined-only', b.prog('drv_static')], { encoding: 'utf8' });
    const d = nm.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((p) => p[3]?.startsWith('deep'));
    expect(d, 'nm finds deep').toBeDefined();
    const lo = parseInt(d![0]!, 16);
    const hi = lo + parseInt(d![1]!, 16);
    const subs = g.filter((x) => x.kind === 'submit');
    expect(subs).toHaveLength(64 + 8); // and the 8 warm-up launches
    for (const x of subs) {
      const cs = g.find((c) => c.kind === 'callsite' && c.f.site_id === x.site);
      expect(cs, 'submit has a call site').toBeDefined();
      const off = Number(cs!.f.offset);
      expect(off >= lo && off < hi, `call site offset 0x${off.toString(16)} inside deep [0x${lo.toString(16)}, 0x${hi.toString(16)})`).toBe(
        true,
      );
    }
  });

  it('a GEMM reached by 16 stack layouts walks the stack once per layout, and launches from two functions at one depth keep their own call sites', () => {
    const fnRange = (name: string) => {
      const nm = spawnSync('nm', ['-S', '--defined-only', b.prog('drv_static')], { encoding: 'utf8' });
      const p = nm.stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .find((q) => q[3] === name || q[3]?.startsWith(`${name}.`));
      expect(p, `nm finds ${name}`).toBeDefined();
      const lo = parseInt(p![0]!, 16);
      return { lo, hi: lo + parseInt(p![1]!, 16) };
    };
    // 16 layouts (frames of varying size inside the library), 2,008 launches:
    // the per-thread memo of where the user's frame lies answers after one
    // walk per layout
    const bench = runTraced(b, 'drv_static', ['gemm-bench', '2000', '6'], path.join(tempDir(), 'gemm16.mpst'), { MPSTRACE_STATS: '1' });
    expect(bench.status).toBe(0);
    const unwinds = Number(/unwinds=(\d+)/.exec(bench.stderr)?.[1]);
    expect(unwinds).toBeGreaterThanOrEqual(1);
    expect(unwinds).toBeLessThanOrEqual(16);
    const out = path.join(tempDir(), 'gemm-two.mpst');
    const r = runTraced(b, 'drv_static', ['gemm-two', '40'], out);
    expect(r.status).toBe(0);
    const { recs: g } = load(out);
    const subs = g.filter((x) => x.kind === 'submit');
    expect(subs).toHaveLength(40);
    const [a, bb] = [fnRange('deep'), fnRange('deep_b')];
    const where = subs.map((x) => {
      const off = Number(g.find((c) => c.kind === 'callsite' && c.f.site_id === x.site)!.f.offset);
      return off >= a.lo && off < a.hi ? 'deep' : off >= bb.lo && off < bb.hi ? 'deep_b' : `0x${off.toString(16)}`;
    });
    expect(where).toEqual(subs.map((_, i) => (i & 1 ? 'deep_b' : 'deep')));
  });

  it('records nothing at the driver entries when MPSTRACE_ENABLE=0', () => {
    const out = path.join(tempDir(), 'off.mpst');
    const r = runTraced(b, 'drv_static', ['gemm'], out, { MPSTRACE_ENABLE: '0' });
    expect(r.status).toBe(0);
    expect(counts(r.stdout).get('cuLaunchKernel')).toBe(plainCalls.get('cuLaunchKernel'));
  });
});
