"""Runs stream_pool.py's scenarios on a simulated GPU, without torch.

  python3 selftest_pool.py [--fixed] [--scenario all|<name>]

Prints one JSON object: the annotation calls the pool made (in order, with
the thread that made them), the 'observed:' lines and the failed scenarios.
test/programs-pool.test.ts checks that the buggy pool declares each audit
finding and the fixed pool none. The simulated GPU is deliberately simple:
work enqueued on a stream completes only when that stream is synchronized,
an event is complete when the work before its record is, and a copy sees a
write only if the write completed or the copying stream waited for it.
"""
import argparse
import json
import sys
import threading

import stream_pool
from pool_runtime import BackendError


class FakeStream:
    _next = [0x7000]

    def __init__(self):
        FakeStream._next[0] += 0x10
        self.handle = FakeStream._next[0]
        self.enqueued = 0   # units of work enqueued so far
        self.done = 0       # units known complete
        self.waits = {}     # other stream -> work count this stream waited for
        self.alive = True


class FakeEvent:
    _next = [0xE000]

    def __init__(self, timing):
        FakeEvent._next[0] += 0x10
        self.handle, self.timing = FakeEvent._next[0], timing
        self.at = None  # (stream, work count) of the last record


class Flag:
    def __init__(self, value):
        self.value, self.pending = value, None  # pending: (value, stream, work count)


class FakeBackend:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.streams = []

    def _call(self, *what):
        with self.lock:
            self.calls.append(what)

    def new_stream(self):
        st = FakeStream()
        self.streams.append(st)
        return st

    def handle(self, s):
        return s.handle

    def destroy_stream(self, s):
        s.alive = False
        self._call("destroy_stream", s.handle)

    def set_current(self, s):
        pass

    def sync_stream(self, s):
        s.done = s.enqueued
        self._call("sync_stream", s.handle)

    def new_event(self, timing):
        return FakeEvent(timing)

    def destroy_event(self, e):
        pass

    def event_handle(self, e):
        return e.handle

    def event_timing(self, e):
        return e.timing

    def record(self, e, s):
        e.at = (s, s.enqueued)
        self._call("record", e.handle, s.handle)

    def wait(self, e, s):
        if e.at is not None:
            src, n = e.at
            s.waits[src] = max(s.waits.get(src, 0), n)
        self._call("wait", e.handle, s.handle)

    def query(self, e):
        return e.at is None or e.at[0].done >= e.at[1]

    def event_sync(self, e):
        if e.at is not None:
            src, n = e.at
            src.done = max(src.done, n)

    def elapsed_ms(self, a, b):
        if not (a.timing and b.timing):
            raise BackendError("cudaEventElapsedTime", 400, "cudaErrorInvalidResourceHandle")
        return 1.0

    def spin(self, ms, s):
        s.enqueued += 1

    def alloc(self, nbytes, s):
        return bytearray(8), id(s) * 16 + s.enqueued

    def touch(self, ws, s):
        s.enqueued += 1

    def free(self, ws):
        pass

    def flag(self, value=0.0):
        return Flag(value)

    def write_flag(self, buf, value, s):
        s.enqueued += 1
        buf.pending = (value, s, s.enqueued)

    def copy_flag(self, dst, src, s):
        if src.pending is not None:
            v, ws, n = src.pending
            if ws.done >= n or s.waits.get(ws, 0) >= n or ws is s:
                src.value, src.pending = v, None
        dst.value = src.value
        s.enqueued += 1

    def read_flag(self, buf):
        return buf.value

    def sync_all(self):
        for st in self.streams:
            st.done = st.enqueued
        self._call("sync_all")


class RecordingAnn:
    """Stands in for the mpstrace module: remembers every call."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def _rec(self, name, *args):
        with self.lock:
            self.calls.append([name, threading.current_thread().name] + [a for a in args])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *a: self._rec(name, *a)

    def range(self, name):
        ann = self

        class _R:
            def __enter__(self):
                ann._rec("range_push", name)

            def __exit__(self, *exc):
                ann._rec("range_pop")
                return False
        return _R()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--scenario", default="all")
    args = p.parse_args(argv)
    ann = RecordingAnn()
    backend = FakeBackend()
    lines = []
    names = stream_pool.resolve(args.scenario)
    _ctx, failed = stream_pool.run(backend, ann, args.fixed, names, spin_ms=1.0, out=lines.append)
    print(json.dumps({"annotations": ann.calls, "observed": lines, "failed": failed,
                      "retained": len(stream_pool.RETAINED), "backend_calls": backend.calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
