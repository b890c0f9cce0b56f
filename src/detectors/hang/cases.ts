// Fixture cases of hang (see ../fixtureTrace.ts); expected findings in fixtures/.
import { type DetectorCase, MS, A, T } from '../fixtureTrace.js';

export const CASES: DetectorCase[] = [
  {
    rule: 'hang',
    name: 'never-returned',
    expectKinds: ['never-returned'],
    build() {
      const t = new T();
      const s = t.site('at::mps::MPSEvent::waitForCpuSync', '/usr/lib/libtorch_mps.so');
      t.rec(2, 'event_create', 0.5 * MS, { event: 0xe1, timing: 0 });
      t.sync(2, 'event', 0xe1, 1 * MS, null, 'waitForCpuSync', s);
      t.rec(9, 'heartbeat', 1001 * MS, { blocked_tid: 2, since_ts: 1 * MS, target: 0xe1, scope: 'event', api: 'waitForCpuSync' });
      t.rec(1, 'marker', 2000 * MS, { name: 'still running' });
      return t.w; // killed: no process_end
    },
  },
  {
    rule: 'hang',
    name: 'cut-while-blocked',
    expectKinds: ['never-returned'],
    build() {
      // The trace ends 2 ms into a stream sync: unknown whether it hung, so a warning, not an error.
      const t = new T();
      t.sync(1, 'stream', A, 1 * MS, 2 * MS, 'cudaStreamSynchronize');
      t.sync(1, 'stream', A, 10 * MS, null, 'cudaStreamSynchronize');
      t.rec(2, 'marker', 12 * MS, { name: 'last record' });
      return t.w;
    },
  },
  {
    rule: 'hang',
    name: 'long-block',
    expectKinds: ['long-block'],
    build() {
      const t = new T();
      // A 10 ms step loop; step 7's sync blocks 800 ms (> max(500 ms, 10 x 10 ms)).
      let ts = 1 * MS;
      for (let i = 0; i < 10; i++) {
        const dur = i === 7 ? 800 * MS : 2 * MS;
        t.sync(1, 'stream', A, ts, ts + dur, 'cudaStreamSynchronize', i === 7 ? t.site('train_step', '/app/train.py') : 0);
        ts += dur + 8 * MS;
      }
      return t.end(ts);
    },
  },
  {
    rule: 'hang',
    name: 'long-block-range-step',
    expectKinds: ['long-block'],
    build() {
      // 'step' ranges of 100 ms give the typical step: a 1.2 s sync (> 10 x 100 ms) is a hang,
      // the 0.8 s one is not; syncs are too few for the sync-gap fallback.
      const t = new T();
      for (let i = 0; i < 6; i++) {
        t.rec(1, 'range_push', i * 100 * MS, { name: 'step' });
        t.rec(1, 'range_pop', i * 100 * MS + 90 * MS);
      }
      t.sync(2, 'stream', A, 700 * MS, 1500 * MS, 'cudaStreamSynchronize');
      t.sync(2, 'stream', A, 1600 * MS, 2800 * MS, 'cudaStreamSynchronize');
      return t.end(3000 * MS);
    },
  },
  {
    rule: 'hang',
    name: 'elapsed-untimed',
    expectKinds: ['elapsed-untimed'],
    build() {
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 0 });
      t.rec(1, 'event_create', 1 * MS, { event: 0xe2, timing: 0 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_record', 3 * MS, { event: 0xe2, stream: A });
      const s = t.site('at::mps::MPSEventPool::elapsedTime', '/usr/lib/libtorch_mps.so');
      t.rec(1, 'elapsed_begin', 4 * MS, { start_event: 0xe1, end_event: 0xe2 }, s);
      t.rec(1, 'elapsed_end', 4.01 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: -1, error: 600 }, s);
      return t.end(5 * MS);
    },
  },
  {
    rule: 'hang',
    name: 'torch-raised-untimed',
    expectKinds: ['elapsed-untimed'],
    build() {
      // Event.elapsed_time on events made without enable_timing: torch raised before
      // any CUDA call, so only the PyTorch layer's record tells.
      const t = new T();
      const s = t.site('main:30', '/app/timing.py', 0);
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 0 });
      t.rec(1, 'event_create', 1 * MS, { event: 0xe2, timing: 0 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_record', 3 * MS, { event: 0xe2, stream: A });
      t.rec(1, 'api_elapsed', 4 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: -1, start_timing: 0, end_timing: 0, raised: 1 }, s);
      return t.end(5 * MS);
    },
  },
  {
    rule: 'hang',
    name: 'torch-runtime-dropped-timing',
    expectKinds: ['elapsed-untimed'],
    build() {
      // The program asked for timing (flags 1), the runtime created the CUDA events
      // without it: the backend's create flags decide. One finding for the call, even
      // with a second api record whose backend query reports the same events itself.
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 0 });
      t.rec(1, 'event_create', 1 * MS, { event: 0xe2, timing: 1 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_record', 3 * MS, { event: 0xe2, stream: A });
      t.rec(1, 'api_elapsed', 4 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: -1, start_timing: 1, end_timing: 1, raised: 1 });
      t.rec(1, 'elapsed_begin', 5 * MS, { start_event: 0xe1, end_event: 0xe2 });
      t.rec(1, 'elapsed_end', 5.01 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: -1, error: 600 });
      t.rec(1, 'api_elapsed', 5.02 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: -1, start_timing: 1, end_timing: 1, raised: 1 });
      return t.end(6 * MS);
    },
  },
  {
    rule: 'hang',
    name: 'torch-timed-clean',
    expectKinds: [],
    build() {
      const t = new T();
      t.rec(1, 'event_create', 1 * MS, { event: 0xe1, timing: 1 });
      t.rec(1, 'event_create', 1 * MS, { event: 0xe2, timing: 1 });
      t.rec(1, 'event_record', 2 * MS, { event: 0xe1, stream: A });
      t.rec(1, 'event_record', 3 * MS, { event: 0xe2, stream: A });
      t.rec(1, 'elapsed_begin', 4 * MS, { start_event: 0xe1, end_event: 0xe2 });
      t.rec(1, 'elapsed_end', 4.01 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: 1 * MS, error: 0 });
      t.rec(1, 'api_elapsed', 4.02 * MS, {
        start_event: 0xe1,
        end_event: 0xe2,
        elapsed_ns: 1 * MS,
        start_timing: 1,
        end_timing: 1,
        raised: 0,
      });
      return t.end(5 * MS);
    },
  },
  {
    rule: 'hang',
    name: 'clean',
    expectKinds: [],
    build() {
      const t = new T();
      let ts = 1 * MS;
      for (let i = 0; i < 10; i++) {
        t.sync(1, 'stream', A, ts, ts + 2 * MS, 'cudaStreamSynchronize');
        ts += 10 * MS;
      }
      t.rec(1, 'event_create', ts, { event: 0xe1, timing: 1 });
      t.rec(1, 'event_create', ts, { event: 0xe2, timing: 1 });
      t.rec(1, 'elapsed_begin', ts + 1 * MS, { start_event: 0xe1, end_event: 0xe2 });
      t.rec(1, 'elapsed_end', ts + 1.01 * MS, { start_event: 0xe1, end_event: 0xe2, elapsed_ns: 5000, error: 0 });
      return t.end(ts + 2 * MS);
    },
  },
];
