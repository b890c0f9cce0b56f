// Fixture cases of wrong-stream-event (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, US, A, B, C, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'wrong-stream-event',
    name: 'record-wrong-stream',
    expectKinds: ['record-wrong-stream'],
    build() {
      const t = new T();
      const s = t.site('at::mps::MPSGuardImpl::record', '/usr/lib/libtorch_mps.so');
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 0 });
      t.rec(1, 'intent_record', 2 * MS, { event: 0xe1, stream: B }, s);
      t.rec(1, 'event_record', 2.01 * MS, { event: 0xe1, stream: A }, s);
      t.rec(1, 'event_wait', 3 * MS, { event: 0xe1, stream: C });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'wait-wrong-stream',
    expectKinds: ['wait-wrong-stream'],
    build() {
      const t = new T();
      const s = t.site('at::mps::MPSGuardImpl::block', '/usr/lib/libtorch_mps.so');
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'intent_wait', 3 * MS, { event: 0xe1, stream: C }, s);
      t.rec(1, 'event_wait', 3.01 * MS, { event: 0xe1, stream: A }, s);
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'wait-unrecorded',
    expectKinds: ['wait-unrecorded'],
    build() {
      const t = new T();
      // Recorded in a previous life of the handle, then destroyed and re-created: the new event has no record.
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1 });
      t.rec(1, 'event_record', 1.5 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_wait', 1.6 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'event_destroy', 1.7 * MS, { event: 0xe1 });
      t.rec(1, 'event_create', 2 * MS, { event: 0xe1 });
      t.rec(1, 'event_wait', 3 * MS, { event: 0xe1, stream: B }, t.site('consumer_wait', '/app/worker.py'));
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 're-recorded',
    expectKinds: ['re-recorded'],
    build() {
      const t = new T();
      t.rec(2, 'event_create', 1 * MS, { event: 0xe1 });
      t.rec(2, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(2, 'event_record', 3 * MS, { event: 0xe1, stream: A });
      t.rec(3, 'event_wait', 4 * MS, { event: 0xe1, stream: B });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'same-stream',
    expectKinds: ['same-stream'],
    build() {
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_wait', 3 * MS, { event: 0xe1, stream: A });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1 });
      for (let i = 0; i < 3; i++) {
        const base = (2 + i) * MS;
        t.rec(1, 'intent_record', base, { event: 0xe1, stream: B });
        t.rec(1, 'event_record', base + 10 * US, { event: 0xe1, stream: B });
        t.rec(1, 'intent_wait', base + 20 * US, { event: 0xe1, stream: A });
        t.rec(1, 'event_wait', base + 30 * US, { event: 0xe1, stream: A });
      }
      // Cross-thread hand-off done right: each record is waited on before the next.
      t.rec(2, 'event_create', 6 * MS, { event: 0xe2 });
      t.rec(2, 'event_record', 6.1 * MS, { event: 0xe2, stream: B });
      t.rec(3, 'event_wait', 6.2 * MS, { event: 0xe2, stream: C });
      t.rec(2, 'event_record', 6.3 * MS, { event: 0xe2, stream: B });
      t.rec(3, 'event_wait', 6.4 * MS, { event: 0xe2, stream: C });
      return t.end(8 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'torch-lazy-record',
    expectKinds: ['record-wrong-stream'],
    build() {
      // torch.cuda.Event creates its CUDA event inside its first record, so the PyTorch
      // layer's intent names event 0: the thread's next backend record is the one.
      const t = new T();
      const s = t.site('main:20', '/app/handoff.py', 0);
      t.rec(1, 'event_record', 1 * MS, { event: 0xe9, stream: A }); // earlier, another event
      t.rec(1, 'intent_record', 2 * MS, { event: 0, stream: B }, s);
      t.rec(1, 'event_create', 2.01 * MS, { event: 0xe1, timing: 0 }, s);
      t.rec(1, 'event_record', 2.02 * MS, { event: 0xe1, stream: A }, s);
      t.rec(1, 'intent_wait', 3 * MS, { event: 0xe1, stream: C }, s);
      t.rec(1, 'event_wait', 3.01 * MS, { event: 0xe1, stream: C }, s);
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'annotation-and-torch-once',
    expectKinds: ['record-wrong-stream'],
    build() {
      // An annotated runtime and the PyTorch layer both declare the same record: one finding.
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 0 });
      t.rec(1, 'intent_record', 2 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'intent_record', 2.001 * MS, { event: 0xe1, stream: B });
      t.rec(1, 'event_record', 2.01 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_wait', 3 * MS, { event: 0xe1, stream: C });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'wrong-stream-event',
    name: 'torch-lazy-clean',
    expectKinds: [],
    build() {
      const t = new T();
      for (let i = 0; i < 3; i++) {
        const base = (2 + i) * MS;
        const ev = 0xe1 + i;
        t.rec(1, 'intent_record', base, { event: 0, stream: B });
        t.rec(1, 'event_create', base + 5 * US, { event: ev, timing: 0 });
        t.rec(1, 'event_record', base + 10 * US, { event: ev, stream: B });
        t.rec(1, 'intent_wait', base + 20 * US, { event: ev, stream: A });
        t.rec(1, 'event_wait', base + 30 * US, { event: ev, stream: A });
      }
      // a wait on a never-recorded torch event: torch makes no backend call
      t.rec(1, 'intent_wait', 6 * MS, { event: 0, stream: A });
      return t.end(8 * MS);
    },
  },
];
