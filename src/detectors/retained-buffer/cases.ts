// Fixture cases of retained-buffer (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, C, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'retained-buffer',
    name: 'after-owner-destroyed',
    expectKinds: ['after-owner-destroyed'],
    build() {
      const t = new T();
      const s = t.site('at::mps::MPSStream::flush', '/usr/lib/libtorch_mps.so');
      for (const [i, st] of [A, B].entries()) {
        t.rec(1, 'stream_create', (1 + i) * MS, { stream: st });
        t.rec(1, 'object_create', (3 + i) * MS, { obj: 0xcb0 + i, owner: st, bytes: 4096, type: 'command_buffer' }, s);
        t.rec(1, 'stream_destroy', (5 + i) * MS, { stream: st });
      }
      return t.end(10 * MS);
    },
  },
  {
    rule: 'retained-buffer',
    name: 'alive-at-exit',
    expectKinds: ['alive-at-exit'],
    build() {
      const t = new T('metal');
      t.rec(1, 'cb_create', 1 * MS, { cb: 0xcb1, stream: A, corr: 1 }, t.site('MPSStream::commandBuffer', '/usr/lib/libtorch_mps.so'));
      t.rec(1, 'cb_commit', 1.5 * MS, { cb: 0xcb1, stream: A, corr: 1 });
      return t.end(10 * MS);
    },
  },
  {
    rule: 'retained-buffer',
    name: 'event-after-stream-destroyed',
    expectKinds: ['after-owner-destroyed'],
    build() {
      // No object annotations: a batch's completion event, last recorded on a stream that is then
      // destroyed, is never destroyed itself (the CUDA stand-in for a retained command buffer).
      const t = new T();
      t.rec(1, 'stream_create', 1 * MS, { stream: B });
      t.rec(1, 'event_create', 2 * MS, { event: 0xe1, timing: 0 }, t.site('Batch::new', '/app/pool_runtime.py'));
      t.rec(1, 'event_record', 3 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'stream_destroy', 4 * MS, { stream: B });
      return t.end(6 * MS);
    },
  },
  {
    rule: 'retained-buffer',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T('metal');
      t.rec(1, 'stream_create', 1 * MS, { stream: A });
      t.rec(1, 'cb_create', 2 * MS, { cb: 0xcb1, stream: A, corr: 1 });
      t.rec(1, 'cb_commit', 2.5 * MS, { cb: 0xcb1, stream: A, corr: 1 });
      t.rec(1, 'cb_dealloc', 3 * MS, { cb: 0xcb1, corr: 1 });
      t.rec(1, 'object_create', 4 * MS, { obj: 0xcb2, owner: A, bytes: 64, type: 'command_buffer' });
      t.rec(1, 'stream_destroy', 5 * MS, { stream: A });
      // Released by the stream's destructor right after: within the grace period.
      t.rec(1, 'object_destroy', 5.001 * MS, { obj: 0xcb2, type: 'command_buffer' });
      // A queue alive at exit is normal.
      t.rec(1, 'object_create', 6 * MS, { obj: 0x9, owner: 0, type: 'command_queue' });
      // An event released before its stream goes away; another that outlives only the trace.
      t.rec(1, 'stream_create', 6 * MS, { stream: B });
      t.rec(1, 'event_create', 6.1 * MS, { event: 0xe1 });
      t.rec(1, 'event_record', 6.2 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'event_create', 6.1 * MS, { event: 0xe2 });
      t.rec(1, 'event_record', 6.2 * MS, { event: 0xe2, stream: C });
      t.rec(1, 'event_destroy', 6.3 * MS, { event: 0xe1 });
      t.rec(1, 'stream_destroy', 6.4 * MS, { stream: B });
      return t.end(10 * MS);
    },
  },
];
