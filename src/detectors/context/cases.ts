// Fixture cases of context (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, B, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'context',
    name: 'two-streams',
    expectKinds: ['streams', 'syncs', 'blocked'],
    build() {
      const t = new T();
      t.kernel(1, A, 0.1 * MS, 1 * MS, 4 * MS);
      t.kernel(2, B, 0.2 * MS, 2 * MS, 4 * MS);
      t.kernel(1, A, 0.3 * MS, 5 * MS, 1 * MS);
      t.sync(1, 'device', 0, 0.5 * MS, 6.5 * MS, 'cudaDeviceSynchronize');
      t.sync(2, 'stream', B, 7 * MS, 7.5 * MS, 'cudaStreamSynchronize');
      return t.end(10 * MS);
    },
  },
  {
    rule: 'context',
    name: 'records-lost',
    expectKinds: ['streams', 'syncs', 'blocked', 'records-lost'],
    build() {
      const t = new T();
      t.sync(2, 'stream', A, 1 * MS, 2 * MS, 'cudaStreamSynchronize');
      t.rec(2, 'records_lost', 3 * MS, { count: 120, since_ts: 2.5 * MS, lost_tid: 2 });
      return t.end(4 * MS);
    },
  },
];
