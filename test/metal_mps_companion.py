"""Unit tests of instrumentation/python/mpstrace/mps.py (a thin layer over
mpstrace.torch) against a fake torch.mps.

Run by test/metal-mps.test.ts (python3 -m unittest); PYTHONPATH must contain
instrumentation/python. With MPST_E2E_OUT set, the `E2E` case instead drives
the wrappers through the preloaded recorder's C entry points (no fake API),
and the TS test reads the trace it wrote.
"""
import os
import subprocess
import sys
import threading
import types
import unittest

from mpstrace import mps
from mpstrace import torch as layer

SCOPE_DEVICE, SCOPE_EVENT = layer.SCOPE_DEVICE, layer.SCOPE_EVENT


class FakeRecorder:
    """The torch layer's recorder entry points, logged; the Metal dylib's
    handle for a stream ordinal is 0x1000 + ordinal."""
    ok = True

    def __init__(self):
        self.calls = []

    def metal_handle(self, ordinal):
        return 0x1000 + ordinal

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args):
            if name in ("push_site", "pop_site"):
                return 0
            self.calls.append((name,) + args)
            return None
        return call

    def names(self):
        return [c[0] for c in self.calls]

    def kinds(self, *names):
        return [c for c in self.calls if c[0] in names]


def fake_torch():
    """A torch with just the torch.mps surface the companion wraps."""
    mps_mod = types.ModuleType("torch.mps")
    log = []
    next_id = [7]

    def synchronize():
        log.append("synchronize")
        if getattr(mps_mod, "fail", False):
            raise RuntimeError("command buffer failed")

    class Event:  # named Event so `self.__eventId` mangles like torch/mps/event.py
        def __init__(self, enable_timing=False):
            self.__eventId = next_id[0]
            next_id[0] += 1
            self.enable_timing = enable_timing
            self.done = False

        def record(self, stream=None):
            log.append(("record", stream))

        def wait(self, stream=None):
            log.append(("wait", stream))

        def synchronize(self):
            log.append("event.synchronize")
            self.done = True

        def query(self):
            log.append("query")
            return self.done

        def elapsed_time(self, end_event):
            log.append("elapsed_time")
            if not self.enable_timing:
                raise RuntimeError("events were not created with enable_timing=True")
            return 1.5

    class Stream:
        def __init__(self, stream_id):
            self.stream_id = stream_id

    pool = iter(range(1, 33))

    def getStreamFromPool():
        log.append("getStreamFromPool")
        return Stream(next(pool))

    def set_stream(stream):
        log.append(("set_stream", stream.stream_id))

    mps_mod.synchronize = synchronize
    mps_mod.Event = Event
    mps_mod.Stream = Stream
    mps_mod.getStreamFromPool = getStreamFromPool
    mps_mod.set_stream = set_stream
    torch = types.ModuleType("torch")
    torch.__version__ = "0.0-fake-mps"
    torch.mps = mps_mod
    torch.backends = types.SimpleNamespace(mps=types.SimpleNamespace(is_built=lambda: True))
    return torch, log


class CompanionTest(unittest.TestCase):
    def setUp(self):
        layer._reset_for_tests()
        self.torch, self.log = fake_torch()
        self.rec = FakeRecorder()
        self.wrapped = mps.install(self.torch, recorder=self.rec, level="api")
        self.rec.calls.clear()  # the layer's own api_layer record

    def tearDown(self):
        layer._reset_for_tests()

    def test_wraps_everything_present_once(self):
        self.assertEqual(sorted(self.wrapped), sorted([
            "synchronize", "set_stream", "getStreamFromPool", "Event.record", "Event.wait",
            "Event.synchronize", "Event.elapsed_time", "Event.query"]))
        self.assertEqual(mps.install(self.torch, recorder=self.rec, level="api"), self.wrapped)  # idempotent
        self.assertEqual(mps.installed(), self.wrapped)
        self.torch.mps.synchronize()
        self.assertEqual(self.log, ["synchronize"])  # the original ran exactly once
        self.assertEqual(self.rec.names(), ["api_sync_begin", "api_sync_end"])

    def test_device_synchronize_records_a_device_scope_sync(self):
        self.torch.mps.synchronize()
        label = b"torch.mps.synchronize"
        self.assertEqual(self.rec.calls, [("api_sync_begin", 0, SCOPE_DEVICE, label),
                                          ("api_sync_end", 0, SCOPE_DEVICE, label, 0)])

    def test_failed_synchronize_still_closes_the_records(self):
        self.torch.mps.fail = True
        with self.assertRaises(RuntimeError):
            self.torch.mps.synchronize()
        self.assertEqual(self.rec.calls[-1], ("api_sync_end", 0, SCOPE_DEVICE, b"torch.mps.synchronize", 1))

    def test_record_and_wait_name_the_requested_or_current_stream(self):
        e = self.torch.mps.Event()
        eid = e._Event__eventId
        e.record()  # default stream
        s = self.torch.mps.getStreamFromPool()
        self.torch.mps.set_stream(s)
        e.record()  # now this thread's current stream
        e.wait(self.torch.mps.Stream(5))  # explicitly requested stream
        seen = []
        t = threading.Thread(target=lambda: (e.record(), seen.append(self.rec.calls[-1])))
        t.start()
        t.join()
        self.assertEqual(self.rec.kinds("intent_record", "intent_wait")[:3], [
            ("intent_record", eid, 0x1000), ("intent_record", eid, 0x1000 + s.stream_id),
            ("intent_wait", eid, 0x1005)])
        self.assertEqual(seen, [("intent_record", eid, 0x1000)])  # current stream is per thread
        self.assertEqual(self.rec.kinds("slot_acquire"), [("slot_acquire", s.stream_id, 0x1000 + s.stream_id, -1, 0)])
        self.assertEqual(self.rec.kinds("api_current_stream"), [("api_current_stream", 0x1000 + s.stream_id, 0x1000, 0)])
        self.assertEqual(self.log.count(("record", None)), 3)

    def test_event_synchronize_query_and_elapsed_time(self):
        a, b = self.torch.mps.Event(enable_timing=True), self.torch.mps.Event(enable_timing=True)
        ida, idb = a._Event__eventId, b._Event__eventId
        self.assertFalse(a.query())
        a.synchronize()
        self.assertTrue(a.query())
        self.assertEqual(a.elapsed_time(b), 1.5)
        self.assertEqual(self.rec.calls, [
            ("event_query", ida, 1),
            ("api_sync_begin", ida, SCOPE_EVENT, b"torch.mps.Event.synchronize"),
            ("api_sync_end", ida, SCOPE_EVENT, b"torch.mps.Event.synchronize", 0),
            ("event_query", ida, 0),
            ("api_elapsed", ida, idb, 1500000, 1, 1, 0)])

    def test_elapsed_time_error_is_recorded_and_raised(self):
        a, b = self.torch.mps.Event(), self.torch.mps.Event()
        with self.assertRaises(RuntimeError):
            a.elapsed_time(b)
        # neither event asked for timing: what hang/elapsed-untimed reads
        self.assertEqual(self.rec.calls[-1], ("api_elapsed", a._Event__eventId, b._Event__eventId, -1, 0, 0, 1))

    def test_without_torch_or_recorder(self):
        layer._reset_for_tests()
        # No torch.mps: nothing wrapped. No recorder: nothing installed.
        self.assertEqual(mps.install(types.ModuleType("torch"), recorder=self.rec, level="api"), [])
        layer._reset_for_tests()
        torch, _ = fake_torch()
        self.assertEqual(mps.install(torch, recorder=layer.Recorder(None), level="api"), [])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        env.pop("LD_PRELOAD", None)
        out = subprocess.run([sys.executable, "-c", "import mpstrace.mps as m; print(m.install())"],
                             capture_output=True, text=True, env=env, check=True)
        self.assertEqual(out.stdout.strip(), "[]")  # no recorder loaded (and this machine has no torch)


@unittest.skipUnless(os.environ.get("MPST_E2E_OUT"), "end-to-end case runs from metal-mps.test.ts")
class E2E(unittest.TestCase):
    def test_through_the_recorder(self):
        torch, _ = fake_torch()
        self.assertEqual(len(mps.install(torch, level="api")), 8)  # the real recorder: C entry points via ctypes
        a, b = torch.mps.Event(enable_timing=True), torch.mps.Event(enable_timing=True)
        s = torch.mps.getStreamFromPool()
        torch.mps.set_stream(s)
        a.record()
        b.record()
        torch.mps.synchronize()
        a.synchronize()
        a.query()
        a.elapsed_time(b)
        c = torch.mps.Event()
        with self.assertRaises(RuntimeError):
            c.elapsed_time(b)


if __name__ == "__main__":
    unittest.main()
