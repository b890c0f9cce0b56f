// Fixture cases of double-owned-slot (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, C, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'double-owned-slot',
    name: 'set-current-then-acquire',
    expectKinds: ['set-current-free', 'acquire-owned', 'exit-release-unowned'],
    build() {
      const t = new T();
      const setCur = t.site('at::mps::MPSStreamPool::setCurrentStream', '/usr/lib/libtorch_mps.so');
      const acq = t.site('at::mps::MPSStreamPool::acquireSlot', '/usr/lib/libtorch_mps.so', 0x2000);
      // Slot 1 was used and returned earlier: it is a pool slot, now in the free list.
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' }, acq);
      t.rec(2, 'slot_release', 2 * MS, { stream: B, slot: 1, free_after: 3, source: 'annotation' });
      // Thread 3 makes slot 1 current without acquiring it; thread 4 then gets it from the pool.
      t.rec(3, 'slot_set_current', 3 * MS, { stream: B, slot: 1, prev_slot: -1, source: 'annotation' }, setCur);
      t.rec(4, 'slot_acquire', 4 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' }, acq);
      // Thread 3 exits: its TLS returns slot 1 to the free list although it never acquired it.
      t.rec(3, 'slot_release', 5 * MS, { stream: B, slot: 1, free_after: 3, at_thread_exit: 1, source: 'annotation' });
      t.rec(3, 'thread_exit', 5.1 * MS);
      t.rec(4, 'slot_release', 6 * MS, { stream: B, slot: 1, free_after: 3, source: 'annotation' });
      return t.end(8 * MS);
    },
  },
  {
    rule: 'double-owned-slot',
    name: 'set-current-owned',
    expectKinds: ['set-current-owned'],
    build() {
      const t = new T();
      const setCur = t.site('at::mps::setCurrentMPSStream', '/usr/lib/libtorch_mps.so');
      t.rec(2, 'slot_acquire', 1 * MS, { stream: C, slot: 2, free_after: 2, source: 'annotation' });
      // Thread 3 switches to the stream of slot 2 while thread 2 still owns it.
      t.rec(3, 'slot_set_current', 2 * MS, { stream: C, slot: 2, prev_slot: 0, source: 'annotation' }, setCur);
      t.rec(3, 'slot_set_current', 3 * MS, { stream: A, slot: 0, prev_slot: 2, source: 'annotation' }, setCur);
      t.rec(2, 'slot_release', 4 * MS, { stream: C, slot: 2, free_after: 3, source: 'annotation' });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'double-owned-slot',
    name: 'inferred-slots',
    expectKinds: ['acquire-owned'],
    build() {
      // The same overlap, but learned by inference: a warning, not an error.
      const t = new T();
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 1, free_after: 2, source: 'inferred' });
      t.rec(3, 'slot_acquire', 2 * MS, { stream: B, slot: 1, free_after: 1, source: 'inferred' });
      t.rec(2, 'slot_release', 3 * MS, { stream: B, slot: 1, free_after: 2, source: 'inferred' });
      t.rec(3, 'slot_release', 4 * MS, { stream: B, slot: 1, free_after: 3, source: 'inferred' });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'double-owned-slot',
    name: 'release-unowned',
    expectKinds: ['release-unowned'],
    build() {
      const t = new T();
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 2, free_after: 2, source: 'annotation' });
      t.rec(2, 'slot_release', 2 * MS, { stream: B, slot: 2, free_after: 3, source: 'annotation' });
      t.rec(2, 'slot_release', 3 * MS, { stream: B, slot: 2, free_after: 4, source: 'annotation' });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'double-owned-slot',
    name: 'metal-stream-shared',
    expectKinds: ['metal-stream-shared'],
    build() {
      const t = new T('metal');
      let corr = 0;
      for (let i = 0; i < 4; i++) {
        t.rec(2, 'cb_commit', (1 + 2 * i) * MS, { cb: 0xc00 + i, stream: A, corr: ++corr });
        t.rec(3, 'cb_commit', (2 + 2 * i) * MS, { cb: 0xd00 + i, stream: A, corr: ++corr });
      }
      return t.end(12 * MS);
    },
  },
  {
    rule: 'double-owned-slot',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T('metal');
      // Slots passed between threads strictly one after another; set-current after an acquire.
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' });
      t.rec(2, 'slot_set_current', 1.1 * MS, { stream: B, slot: 1, prev_slot: 0, source: 'annotation' });
      t.rec(2, 'cb_commit', 1.5 * MS, { cb: 0xc01, stream: B, corr: 1 });
      t.rec(2, 'slot_release', 2 * MS, { stream: B, slot: 1, free_after: 3, at_thread_exit: 1, source: 'annotation' });
      t.rec(2, 'thread_exit', 2.1 * MS);
      t.rec(3, 'slot_acquire', 3 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' });
      t.rec(3, 'cb_commit', 3.5 * MS, { cb: 0xc02, stream: B, corr: 2 });
      t.rec(3, 'slot_release', 4 * MS, { stream: B, slot: 1, free_after: 3, source: 'annotation' });
      // Slot 0 (the default stream) is not a pool slot: making it current is fine.
      t.rec(1, 'slot_set_current', 4.5 * MS, { stream: A, slot: 0, prev_slot: -1, source: 'annotation' });
      t.rec(1, 'cb_commit', 5 * MS, { cb: 0xc03, stream: A, corr: 3 });
      return t.end(6 * MS);
    },
  },
];
