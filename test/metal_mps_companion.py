"""Unit tests of instrumentation/python/mpstrace/mps.py against a fake torch.mps.

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


class FakeApi:
    def __init__(self):
        self.calls = []
        for name in mps._C_ENTRIES:
            setattr(self, name, self._recorder(name))

    def _recorder(self, name):
        def call(*args):
            self.calls.append((name,) + tuple(args))
        return call

    def stream_handle(self, ordinal):
        return 0x1000 + ordinal  # as the Metal dylib maps ordinals to queue pointers

    def names(self):
        return [c[0] for c in self.calls]


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
    torch.mps = mps_mod
    return torch, log


class CompanionTest(unittest.TestCase):
    def setUp(self):
        self.torch, self.log = fake_torch()
        self.api = FakeApi()
        self.wrapped = mps.install(self.torch, api=self.api)
        mps._current.__dict__.clear()

    def test_wraps_everything_present_once(self):
        self.assertEqual(sorted(self.wrapped), sorted([
            "synchronize", "Event.record", "Event.wait", "Event.synchronize", "Event.query",
            "Event.elapsed_time", "getStreamFromPool", "set_stream"]))
        self.assertEqual(mps.install(self.torch, api=self.api), [])  # idempotent
        self.torch.mps.synchronize()
        self.assertEqual(self.log, ["synchronize"])  # the original ran exactly once
        self.assertEqual(self.api.names(), ["device_sync_begin", "sync_begin", "sync_end", "device_sync_end"])

    def test_device_synchronize_records_intent_and_host_sync(self):
        self.torch.mps.synchronize()
        label = "torch.mps.synchronize"
        self.assertEqual(self.api.calls, [
            ("device_sync_begin", label), ("sync_begin", 0, mps.SCOPE_DEVICE, label),
            ("sync_end", 0, mps.SCOPE_DEVICE, label, 0), ("device_sync_end", label)])

    def test_failed_synchronize_still_closes_the_records(self):
        self.torch.mps.fail = True
        with self.assertRaises(RuntimeError):
            self.torch.mps.synchronize()
        self.assertEqual(self.api.calls[2], ("sync_end", 0, mps.SCOPE_DEVICE, "torch.mps.synchronize", 1))
        self.assertEqual(self.api.calls[3][0], "device_sync_end")

    def test_record_and_wait_name_the_requested_or_current_stream(self):
        e = self.torch.mps.Event()
        eid = e._Event__eventId
        e.record()  # default stream
        s = self.torch.mps.getStreamFromPool()
        self.torch.mps.set_stream(s)
        e.record()  # now this thread's current stream
        e.wait(self.torch.mps.Stream(5))  # explicitly requested stream
        seen = []
        t = threading.Thread(target=lambda: (e.record(), seen.append(self.api.calls[-1])))
        t.start()
        t.join()
        intents = [c for c in self.api.calls if c[0] in ("intent_record", "intent_wait")]
        self.assertEqual(intents[:3], [
            ("intent_record", eid, 0x1000), ("intent_record", eid, 0x1000 + s.stream_id),
            ("intent_wait", eid, 0x1005)])
        self.assertEqual(seen, [("intent_record", eid, 0x1000)])  # current stream is per thread
        self.assertEqual([c for c in self.api.calls if c[0].startswith("slot_")], [
            ("slot_acquire", s.stream_id, 0x1000 + s.stream_id, -1, 0),
            ("slot_set_current", s.stream_id, 0x1000 + s.stream_id, -1)])
        self.assertEqual(self.log.count(("record", None)), 3)

    def test_event_synchronize_query_and_elapsed_time(self):
        a, b = self.torch.mps.Event(enable_timing=True), self.torch.mps.Event(enable_timing=True)
        ida, idb = a._Event__eventId, b._Event__eventId
        self.assertFalse(a.query())
        a.synchronize()
        self.assertTrue(a.query())
        self.assertEqual(a.elapsed_time(b), 1.5)
        self.assertEqual(self.api.calls, [
            ("event_query", ida, 1),
            ("sync_begin", ida, mps.SCOPE_EVENT, "torch.mps.Event.synchronize"),
            ("sync_end", ida, mps.SCOPE_EVENT, "torch.mps.Event.synchronize", 0),
            ("event_query", ida, 0),
            ("elapsed_begin", ida, idb), ("elapsed_end", ida, idb, 1500000, 0)])

    def test_elapsed_time_error_is_recorded_and_raised(self):
        a, b = self.torch.mps.Event(), self.torch.mps.Event()
        with self.assertRaises(RuntimeError):
            a.elapsed_time(b)
        self.assertEqual(self.api.calls[-1], ("elapsed_end", a._Event__eventId, b._Event__eventId, -1, 1))

    def test_without_torch_or_recorder(self):
        # No torch.mps: nothing wrapped. No recorder: the API binds to no-ops.
        self.assertEqual(mps.install(types.ModuleType("torch"), api=self.api), [])
        api = mps._Api(lib=object())
        api.sync_begin(0, 1, "x")
        self.assertEqual(api.stream_handle(3), 3)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        out = subprocess.run([sys.executable, "-c", "import mpstrace.mps as m; print(m.install())"],
                             capture_output=True, text=True, env=env, check=True)
        self.assertEqual(out.stdout.strip(), "[]")  # this machine has no torch


@unittest.skipUnless(os.environ.get("MPST_E2E_OUT"), "end-to-end case runs from metal-mps.test.ts")
class E2E(unittest.TestCase):
    def test_through_the_recorder(self):
        torch, _ = fake_torch()
        self.assertEqual(len(mps.install(torch)), 8)  # the real API: C entry points via ctypes
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
