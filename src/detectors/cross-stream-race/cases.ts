// Fixture cases of cross-stream-race (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'cross-stream-race',
    name: 'read-after-write',
    expectKinds: ['read-after-write'],
    build() {
      const t = new T();
      const w = t.site('main:20', '/home/u/train.py');
      const r = t.site('main:23', '/home/u/train.py');
      t.rec(1, 'alloc', 0.1 * MS, { ptr: 0x10000, bytes: 4096, stream: A, mem: 'torch_block' }, t.site('main:12', '/home/u/train.py'));
      t.rec(1, 'tensor_access', 0.2 * MS, { ptr: 0x10000, bytes: 4096, base: 0x10000, stream: B, op: 'aten::mul.out', mode: 'write' }, w);
      t.rec(1, 'tensor_access', 0.3 * MS, { ptr: 0x10800, bytes: 2048, base: 0x10000, stream: A, op: 'aten::sum', mode: 'read' }, r);
      return t.end(1 * MS);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'write-after-read',
    expectKinds: ['write-after-read'],
    build() {
      const t = new T();
      t.rec(
        1,
        'tensor_access',
        0.2 * MS,
        { ptr: 0x10000, bytes: 4096, base: 0x10000, stream: A, op: 'aten::sum', mode: 'read' },
        t.site('main:30', '/home/u/eval.py'),
      );
      t.rec(
        1,
        'tensor_access',
        0.3 * MS,
        { ptr: 0x10000, bytes: 4096, base: 0x10000, stream: B, op: 'aten::fill_', mode: 'write' },
        t.site('main:31', '/home/u/eval.py'),
      );
      return t.end(1 * MS);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'write-after-write',
    expectKinds: ['write-after-write'],
    build() {
      const t = new T();
      t.rec(1, 'memset', 0.2 * MS, { dst: 0x20000, bytes: 1024, stream: A, corr: 1, is_async: 1 }, t.site('cudaMemsetAsync'));
      t.rec(
        1,
        'memcpy',
        0.3 * MS,
        { dst: 0x20200, src: 0x7000000, bytes: 256, stream: B, corr: 2, dir: 'h2d', is_async: 1 },
        t.site('cudaMemcpyAsync'),
      );
      return t.end(1 * MS);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'allocator-reuse',
    expectKinds: ['allocator-reuse'],
    build() {
      const t = new T();
      const py = (line: number) => t.site(`main:${line}`, '/home/u/prefetch.py');
      return allocatorReuseRun(t, py);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'allocator-reuse-after-unpaired-frees',
    expectKinds: ['allocator-reuse'],
    build() {
      // the torch layer's allocator trace tracker writes every free it sees, also of
      // blocks handed out before it attached (no alloc record): such a free pairs
      // with nothing and changes nothing, here at the very address reused later
      const t = new T();
      const py = (line: number) => t.site(`main:${line}`, '/home/u/prefetch.py');
      t.rec(1, 'free', 0.05 * MS, { ptr: 0x30000, stream: A, mem: 'torch_block' }, py(38));
      t.rec(1, 'free', 0.06 * MS, { ptr: 0x50000, stream: B, mem: 'torch_block' }, py(38));
      return allocatorReuseRun(t, py);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'ordered',
    expectKinds: [],
    build() {
      // the allocator-reuse program done right: event hand-off, record_stream, device sync
      const t = new T();
      const py = (line: number) => t.site(`main:${line}`, '/home/u/prefetch.py');
      t.rec(1, 'alloc', 0.1 * MS, { ptr: 0x30000, bytes: 4096, stream: A, mem: 'torch_block' }, py(40));
      t.rec(
        1,
        'tensor_access',
        0.2 * MS,
        { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: A, op: 'aten::copy_', mode: 'write' },
        py(40),
      );
      t.rec(1, 'event_record', 0.25 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_wait', 0.26 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'tensor_access', 0.3 * MS, { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: B, op: 'aten::mm', mode: 'read' }, py(43));
      t.rec(1, 'api_record_stream', 0.35 * MS, { ptr: 0x30000, bytes: 4096, stream: B }, py(44));
      t.rec(1, 'free', 0.4 * MS, { ptr: 0x30000, stream: A, mem: 'torch_block' }, py(44));
      t.rec(1, 'alloc', 0.5 * MS, { ptr: 0x30000, bytes: 4096, stream: A, mem: 'torch_block' }, py(45));
      t.rec(
        1,
        'tensor_access',
        0.6 * MS,
        { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: A, op: 'aten::fill_', mode: 'write' },
        py(46),
      );
      t.sync(1, 'device', 0, 0.7 * MS, 0.8 * MS, 'cudaDeviceSynchronize');
      t.rec(1, 'tensor_access', 0.9 * MS, { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: B, op: 'aten::sum', mode: 'read' }, py(48));
      return t.end(1 * MS);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'host-read-before-copy',
    expectKinds: ['host-read-before-copy'],
    build() {
      // tokens copied to pinned memory on a copy stream, read with .tolist() after syncing the wrong stream
      return hostReadRun(new T(), false);
    },
  },
  {
    rule: 'cross-stream-race',
    name: 'host-read-after-copy-event',
    expectKinds: [],
    build() {
      // the same, reading after the copy's own event was synchronized
      return hostReadRun(new T(), true);
    },
  },
];

/**
 * A decode step: tokens written on A, copied to pinned host memory on B (async), an event recorded after the
 * copy; the host then synchronizes A (`waitForCopy` false) or the copy's event, and reads the tokens.
 */
function hostReadRun(t: T, waitForCopy: boolean): ReturnType<T['end']> {
  const py = (line: number) => t.site(`main:${line}`, '/home/u/decode.py');
  t.rec(1, 'tensor_access', 0.1 * MS, { ptr: 0x40000, bytes: 512, base: 0x40000, stream: A, op: 'aten::argmax', mode: 'write' }, py(60));
  t.rec(1, 'event_record', 0.15 * MS, { event: 0xe1, stream: A });
  t.rec(1, 'event_wait', 0.16 * MS, { event: 0xe1, stream: B });
  t.rec(1, 'memcpy', 0.2 * MS, { dst: 0x7f000000, src: 0x40000, bytes: 512, stream: B, dir: 'd2h', is_async: 1 }, py(64));
  t.rec(1, 'event_record', 0.25 * MS, { event: 0xe2, stream: B }, py(65));
  if (waitForCopy) t.sync(1, 'event', 0xe2, 0.3 * MS, 0.4 * MS, 'cudaEventSynchronize', py(68));
  else t.sync(1, 'stream', A, 0.3 * MS, 0.4 * MS, 'cudaStreamSynchronize', py(68));
  t.rec(1, 'host_access', 0.5 * MS, { ptr: 0x7f000000, bytes: 512, base: 0x7f000000, op: 'Tensor.tolist', mode: 'read' }, py(70));
  return t.end(1 * MS);
}

/**
 * The allocator-reuse program: a block written on A, read on B after an event, freed on A while B's read may
 * still run, handed out again and written on A.
 */
function allocatorReuseRun(t: T, py: (line: number) => number): ReturnType<T['end']> {
  t.rec(1, 'alloc', 0.1 * MS, { ptr: 0x30000, bytes: 4096, stream: A, mem: 'torch_block' }, py(40));
  t.rec(1, 'tensor_access', 0.2 * MS, { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: A, op: 'aten::copy_', mode: 'write' }, py(40));
  t.rec(1, 'event_record', 0.25 * MS, { event: 0xe1, stream: A });
  t.rec(1, 'event_wait', 0.26 * MS, { event: 0xe1, stream: B });
  t.rec(1, 'tensor_access', 0.3 * MS, { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: B, op: 'aten::mm', mode: 'read' }, py(43));
  t.rec(1, 'free', 0.4 * MS, { ptr: 0x30000, stream: A, mem: 'torch_block' }, py(44));
  t.rec(1, 'alloc', 0.5 * MS, { ptr: 0x30000, bytes: 4096, stream: A, mem: 'torch_block' }, py(45));
  t.rec(1, 'tensor_access', 0.6 * MS, { ptr: 0x30000, bytes: 4096, base: 0x30000, stream: A, op: 'aten::fill_', mode: 'write' }, py(46));
  return t.end(1 * MS);
}
