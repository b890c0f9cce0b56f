// Fixture cases of leaked-slot (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, C, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'leaked-slot',
    name: 'leaks',
    expectKinds: ['thread-exited-owning', 'never-released', 'pool-exhausted', 'acquire-waited'],
    build() {
      const t = new T();
      const s = t.site('at::mps::getStreamFromPool', '/usr/lib/libtorch_mps.so');
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 1, free_after: 1, source: 'api' }, s);
      t.rec(2, 'thread_exit', 2 * MS);
      t.rec(3, 'slot_acquire', 3 * MS, { stream: C, slot: 2, free_after: 0, source: 'api' }, s);
      t.rec(4, 'slot_acquire', 9 * MS, { stream: A, slot: 3, free_after: 0, wait_ns: 5 * MS, source: 'api' }, s);
      t.rec(4, 'slot_release', 10 * MS, { stream: A, slot: 3, free_after: 1, source: 'api' });
      return t.end(12 * MS);
    },
  },
  {
    rule: 'leaked-slot',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T();
      t.rec(2, 'slot_acquire', 1 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' });
      t.rec(2, 'slot_release', 2 * MS, { stream: B, slot: 1, free_after: 3, at_thread_exit: 1, source: 'annotation' });
      t.rec(2, 'thread_exit', 2.1 * MS);
      t.rec(3, 'slot_acquire', 3 * MS, { stream: B, slot: 1, free_after: 2, source: 'annotation' });
      t.rec(3, 'slot_release', 4 * MS, { stream: B, slot: 1, free_after: 3, source: 'annotation' });
      return t.end(5 * MS);
    },
  },
];
