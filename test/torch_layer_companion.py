"""Unit tests of instrumentation/python/mpstrace/torch.py against a stand-in
torch (test/fake_torch/torch), run by test/torch-layer.test.ts.

PYTHONPATH must hold instrumentation/python. Each test loads a fresh copy of
the fake torch (its classes get wrapped) and a FakeRecorder that logs the
layer's record calls. `RealDispatch` runs only where a real torch imports
(it drives the TorchDispatchMode on CPU tensors); `AutoInstall` starts
subprocesses with the real recorder preloaded (MPST_RECORDER_LIB).
"""
import importlib.util
import inspect
import os
import subprocess
import sys
import threading
import unittest

from mpstrace import torch as layer

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_torch", "torch", "__init__.py")
PYDIR = os.path.join(os.path.dirname(HERE), "instrumentation", "python")


def fresh_torch():
    spec = importlib.util.spec_from_file_location("torch", FAKE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class FakeRecorder:
    ok = True
    metal_handle = None

    def __init__(self, fail=None):
        self.calls = []
        self.fail = fail
        self.sites = 0

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args):
            if name == self.fail:
                raise OSError("recorder entry point %s broke" % name)
            if name == "push_site":
                self.sites += 1
                self.calls.append(("push_site", args[0].decode(), os.path.basename(args[1].decode()), args[2]))
                return self.sites
            self.calls.append((name,) + args)
            return None
        return call

    def kinds(self, *names):
        return [c for c in self.calls if c[0] in names]


def line_of(fn, text):
    src, start = inspect.getsourcelines(fn)
    for i, l in enumerate(src):
        if text in l:
            return start + i
    raise AssertionError(text)


class LayerTest(unittest.TestCase):
    def setUp(self):
        layer._reset_for_tests()
        self.torch = fresh_torch()
        self.rec = FakeRecorder()
        self.wrapped = layer.install(self.torch, level="api", recorder=self.rec)

    def tearDown(self):
        layer._reset_for_tests()

    def test_installs_once_and_says_so(self):
        for name in ("torch.cuda.synchronize", "torch.cuda.set_stream", "torch.cuda.StreamContext.__enter__",
                     "torch.cuda.Stream.synchronize", "torch.cuda.Event.record", "torch.cuda.Event.wait",
                     "torch.cuda.Event.synchronize", "torch.cuda.Event.elapsed_time", "torch.cuda.Event.__new__",
                     "torch.accelerator.synchronize", "torch.accelerator.set_stream", "Tensor.record_stream"):
            self.assertIn(name, self.wrapped)
        self.assertNotIn("TorchDispatchMode", self.wrapped)
        self.assertEqual(layer.install(self.torch, level="api", recorder=self.rec), self.wrapped)  # idempotent
        layer_recs = self.rec.kinds("api_layer")
        self.assertEqual(len(layer_recs), 1)
        self.assertEqual(layer_recs[0][1:3], (1, 1))
        self.assertIn(b"torch 0.0-fake, level api, cuda", layer_recs[0][3])
        self.assertEqual(layer.level(), "api")

    def test_signatures_are_the_originals(self):
        t = self.torch
        self.assertEqual(str(inspect.signature(t.cuda.synchronize)), "(device=None)")
        self.assertEqual(str(inspect.signature(t.cuda.Event.record)), "(self, stream=None)")
        self.assertEqual(t.cuda.Event.elapsed_time.__name__, "elapsed_time")

    def test_device_sync(self):
        t = self.torch
        self.assertIsNone(t.cuda.synchronize())
        self.assertEqual(self.rec.kinds("api_sync_begin", "api_sync_end"), [
            ("api_sync_begin", 0, layer.SCOPE_DEVICE, b"torch.cuda.synchronize"),
            ("api_sync_end", 0, layer.SCOPE_DEVICE, b"torch.cuda.synchronize", 0)])
        self.assertEqual(t.calls, [("device_sync",)])
        t.accelerator.synchronize()
        self.assertEqual(self.rec.kinds("api_sync_begin")[-1], ("api_sync_begin", 0, 1, b"torch.accelerator.synchronize"))

    def test_sync_that_raises_keeps_its_exception(self):
        t = self.torch
        t.fail_sync = True
        with self.assertRaisesRegex(RuntimeError, "illegal memory access"):
            t.cuda.synchronize()
        self.assertEqual(self.rec.kinds("api_sync_end")[-1][-1], 1)
        self.assertTrue(layer._S.active)  # the program's error is not the layer's

    def test_stream_and_event_sync_targets(self):
        t = self.torch
        s = t.cuda.Stream()
        s.synchronize()
        ev = t.cuda.Event()
        ev.record(s)
        ev.synchronize()
        self.assertEqual(self.rec.kinds("api_sync_begin"), [
            ("api_sync_begin", s.cuda_stream, layer.SCOPE_STREAM, b"torch.cuda.Stream.synchronize"),
            ("api_sync_begin", ev.cuda_event, layer.SCOPE_EVENT, b"torch.cuda.Event.synchronize")])

    def test_record_and_wait_name_the_requested_stream(self):
        t = self.torch
        side = t.cuda.Stream()
        ev = t.cuda.Event()
        ev.record(side)          # lazy: no handle before this first record
        ev.record(stream=side)
        ev.record()              # current stream
        ev.wait(side)
        self.assertEqual(self.rec.kinds("intent_record", "intent_wait"), [
            ("intent_record", 0, side.cuda_stream), ("intent_record", ev.cuda_event, side.cuda_stream),
            ("intent_record", ev.cuda_event, 0), ("intent_wait", ev.cuda_event, side.cuda_stream)])

    def test_wait_stream_and_wait_event_go_through_event_intents(self):
        t = self.torch
        a, b = t.cuda.Stream(), t.cuda.Stream()
        a.wait_stream(b)
        intents = self.rec.kinds("intent_record", "intent_wait")
        self.assertEqual([c[0] for c in intents], ["intent_record", "intent_wait"])
        self.assertEqual(intents[0][2], b.cuda_stream)
        self.assertEqual(intents[1][2], a.cuda_stream)
        created = [c for c in t.calls if c[0] == "event_create"][0][1]
        self.assertEqual(intents[1][1], created)

    def test_current_stream_per_thread(self):
        t = self.torch
        s = t.cuda.Stream()
        with t.cuda.stream(s):
            pass
        t.cuda.set_stream(s)
        t.accelerator.set_stream(t.cuda.current_stream())
        self.assertEqual(self.rec.kinds("api_current_stream"), [
            ("api_current_stream", s.cuda_stream, 0, 0), ("api_current_stream", 0, s.cuda_stream, 0),
            ("api_current_stream", s.cuda_stream, 0, 0), ("api_current_stream", s.cuda_stream, s.cuda_stream, 0)])

    def test_elapsed_time_raised_before_the_backend(self):
        t = self.torch
        a, b = t.cuda.Event(), t.cuda.Event(enable_timing=True)
        a.record()
        b.record()
        with self.assertRaisesRegex(RuntimeError, "enable_timing=True"):
            a.elapsed_time(b)
        self.assertNotIn("elapsed", [c[0] for c in t.calls])  # torch raised first
        self.assertEqual(self.rec.kinds("api_elapsed"), [("api_elapsed", a.cuda_event, b.cuda_event, -1, 0, 1, 1)])

    def test_elapsed_time_timed(self):
        t = self.torch
        a, b = t.cuda.Event(True), t.cuda.Event(enable_timing=True)
        a.record()
        b.record()
        self.assertEqual(a.elapsed_time(b), 2.5)
        self.assertEqual(self.rec.kinds("api_elapsed"), [("api_elapsed", a.cuda_event, b.cuda_event, 2_500_000, 1, 1, 0)])

    def test_record_stream(self):
        t = self.torch
        s = t.cuda.Stream()
        x = t.Tensor(0x20000, 8192)
        self.assertIsNone(x.record_stream(s))
        self.assertEqual(self.rec.kinds("api_record_stream"), [("api_record_stream", 0x20000, 8192, s.cuda_stream)])

    def test_host_reads_of_pinned_tensors(self):
        t = self.torch
        pinned = t.Tensor(0x30000, 64, device="cpu", pinned=True)
        self.assertEqual(pinned.tolist(), [0.0] * 16)  # SITE-HOST
        self.assertEqual(pinned.item(), 0.0)
        self.assertEqual(t.Tensor(0x40000, 64, device="cpu").tolist(), [0.0] * 16)  # pageable: not recorded
        self.assertEqual(t.Tensor(0x50000, 64).item(), 0.0)  # a GPU tensor: not recorded
        odd = t.Tensor(0x60000, 64, device="cpu")
        odd.is_pinned = lambda: 1 / 0  # a tensor type that cannot say: its call goes on, unrecorded
        self.assertEqual(odd.item(), 0.0)
        self.assertEqual(self.rec.kinds("host_access"), [("host_access", 0x30000, 64, 0x30000, b"Tensor.tolist", 1),
                                                         ("host_access", 0x30000, 64, 0x30000, b"Tensor.item", 1)])
        # every call reached the original, in order
        self.assertEqual([c for c in t.calls if c[0] in ("tolist", "item")],
                         [("tolist", 0x30000), ("item", 0x30000), ("tolist", 0x40000), ("item", 0x50000),
                          ("item", 0x60000)])
        # the read is the program's line
        pushes = self.rec.kinds("push_site")
        self.assertEqual(pushes[0][1:3], ("test_host_reads_of_pinned_tensors", "torch_layer_companion.py"))
        self.assertEqual(pushes[0][3], line_of(LayerTest.test_host_reads_of_pinned_tensors, "SITE-HOST"))

    def test_backend_calls_get_the_callers_python_line(self):
        t = self.torch
        t.cuda.synchronize()  # SITE-A
        pushes = self.rec.kinds("push_site")
        self.assertEqual(pushes, [("push_site", "test_backend_calls_get_the_callers_python_line",
                                   "torch_layer_companion.py", line_of(type(self).test_backend_calls_get_the_callers_python_line, "SITE-A"))])
        self.assertEqual(self.rec.calls[-1], ("pop_site", 1))
        # records made inside torch (Stream.wait_stream -> Event.record) name this line, not torch's
        a, b = t.cuda.Stream(), t.cuda.Stream()
        a.wait_stream(b)  # SITE-B
        line = line_of(type(self).test_backend_calls_get_the_callers_python_line, "SITE-B")
        self.assertEqual({p[3] for p in self.rec.kinds("push_site")[1:]}, {line})

    def test_equal_code_in_two_files_names_each_file(self):
        # code objects compare (and hash) equal across files: a site cache
        # keyed by them took the user's copy for the plumbing one seen first
        t = self.torch
        src = "def call(sync):\n    return sync()\n"
        torch_copy, user_copy = {}, {}
        exec(compile(src, os.path.join(os.path.dirname(t.__file__), "helpers.py"), "exec"), torch_copy)  # noqa: S102
        exec(compile(src, "/home/u/train.py", "exec"), user_copy)  # noqa: S102
        self.assertEqual(torch_copy["call"].__code__, user_copy["call"].__code__)
        torch_copy["call"](t.cuda.synchronize)  # SITE-PLUMBING
        user_copy["call"](t.cuda.synchronize)
        self.assertEqual(self.rec.kinds("push_site"), [
            ("push_site", "test_equal_code_in_two_files_names_each_file", "torch_layer_companion.py",
             line_of(type(self).test_equal_code_in_two_files_names_each_file, "SITE-PLUMBING")),
            ("push_site", "call", "train.py", 2)])

    def test_each_line_of_one_function_is_its_own_site(self):
        # line numbers are cached per instruction offset: one code object, many lines
        t = self.torch

        def loop():
            for _ in range(2):
                t.cuda.synchronize()  # LINE-1
                t.cuda.synchronize()  # LINE-2
        loop()
        l1, l2 = line_of(loop, "LINE-1"), line_of(loop, "LINE-2")
        self.assertEqual([p[3] for p in self.rec.kinds("push_site")], [l1, l2, l1, l2])

    def test_threads_keep_their_own_depth(self):
        t = self.torch
        errs = []

        def work():
            try:
                t.cuda.synchronize()
            except Exception as e:  # noqa: BLE001
                errs.append(e)
        th = [threading.Thread(target=work) for _ in range(4)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        self.assertEqual(errs, [])
        self.assertEqual(len(self.rec.kinds("api_sync_begin")), 4)

    def test_no_thread_stays_marked_inside_a_wrapped_call(self):
        # the nesting guard is a table of threads inside a wrapped call, not
        # per-thread state: each entry goes when its call returns or raises
        t = self.torch
        with t.cuda.stream(t.cuda.Stream()):
            self.assertEqual(layer._busy, {})  # between the wrapped __enter__ and __exit__
        t.fail_sync = True
        try:
            with self.assertRaises(RuntimeError):
                t.cuda.synchronize()
        finally:
            t.fail_sync = False
        seen = []

        def work():
            with t.cuda.stream(t.cuda.Stream()):  # set_stream runs nested in the wrapped __enter__
                pass
            t.cuda.Stream().wait_stream(t.cuda.Stream())
            seen.append(dict(layer._busy))
        th = threading.Thread(target=work)
        th.start()
        th.join()
        self.assertEqual(seen, [{}])
        self.assertEqual(layer._busy, {})
        self.assertEqual(len(self.rec.kinds("api_sync_begin")), 1)
        self.assertEqual(len(self.rec.kinds("api_sync_end")), 1)
        # two contexts, entered and left: the nested set_stream adds nothing
        self.assertEqual(len(self.rec.kinds("api_current_stream")), 4)

    def test_after_fork_only_the_forking_thread_may_stay_marked(self):
        me = threading.get_ident()
        layer._busy.update({me + 1: 1})
        layer._busy_after_fork()
        self.assertEqual(layer._busy, {})
        layer._busy.update({me: 1, me + 1: 1})
        layer._busy_after_fork()
        self.assertEqual(layer._busy, {me: 1})
        layer._busy.clear()


    def test_set_active_off_calls_through_and_on_records_again(self):
        t = self.torch
        self.assertIs(layer.set_active(False), True)
        n = len(self.rec.calls)
        t.cuda.synchronize()
        self.assertEqual(t.calls, [("device_sync",)])  # still went through
        self.assertEqual(len(self.rec.calls), n)  # and recorded nothing
        self.assertEqual(layer.level(), "off")
        self.assertIs(layer.set_active(True), False)
        t.cuda.synchronize()
        self.assertEqual(len(self.rec.kinds("api_sync_begin")), 1)
        self.assertEqual(layer.level(), "api")


class StepAsideTest(unittest.TestCase):
    def tearDown(self):
        layer._reset_for_tests()

    def test_a_failing_wrapper_steps_aside_once(self):
        layer._reset_for_tests()
        t = fresh_torch()
        rec = FakeRecorder(fail="api_sync_begin")
        layer.install(t, level="api", recorder=rec)
        self.assertIsNone(t.cuda.synchronize())  # the program goes on
        self.assertEqual(t.calls, [("device_sync",)])
        fails = [c for c in rec.kinds("api_layer") if c[2] == 0]
        self.assertEqual(len(fails), 1)
        self.assertIn(b"torch.cuda.synchronize failed: OSError", fails[0][3])
        # from now on: straight through, nothing recorded, original errors untouched
        n = len(rec.calls)
        ev = t.cuda.Event()
        ev.record()
        t.fail_sync = True
        with self.assertRaisesRegex(RuntimeError, "illegal memory access"):
            t.cuda.synchronize()
        self.assertEqual(len(rec.calls), n)
        self.assertEqual(layer.level(), "off")

    def test_a_failing_after_hook_keeps_the_return_value(self):
        layer._reset_for_tests()
        t = fresh_torch()
        rec = FakeRecorder(fail="api_elapsed")
        layer.install(t, level="api", recorder=rec)
        a, b = t.cuda.Event(enable_timing=True), t.cuda.Event(enable_timing=True)
        a.record()
        b.record()
        self.assertEqual(a.elapsed_time(b), 2.5)
        self.assertEqual(len([c for c in rec.kinds("api_layer") if c[2] == 0]), 1)

    def test_off_and_no_recorder_install_nothing(self):
        for kw in ({"level": "off", "recorder": FakeRecorder()}, {"level": "api", "recorder": layer.Recorder(None)}):
            layer._reset_for_tests()
            t = fresh_torch()
            sync = t.cuda.synchronize
            self.assertEqual(layer.install(t, **kw), [])
            self.assertIs(t.cuda.synchronize, sync)

    def test_env_level(self):
        old = os.environ.get("MPSTRACE_TORCH")
        try:
            os.environ["MPSTRACE_TORCH"] = "off"
            self.assertEqual(layer.install(fresh_torch(), recorder=FakeRecorder()), [])
            os.environ["MPSTRACE_TORCH"] = "bogus"
            rec = FakeRecorder()
            self.assertTrue(layer.install(fresh_torch(), recorder=rec))
            self.assertIn(b"MPSTRACE_TORCH='bogus' is not one of off, api, full", rec.kinds("api_layer")[0][3])
        finally:
            if old is None:
                os.environ.pop("MPSTRACE_TORCH", None)
            else:
                os.environ["MPSTRACE_TORCH"] = old
        with self.assertRaises(ValueError):
            layer.install(fresh_torch(), level="most", recorder=FakeRecorder())


class ApiLifetimes(unittest.TestCase):
    """Level api's block lifetimes come only from C++ (the CUDA caching
    allocator's trace tracker), attached once CUDA is initialized; without
    the C++ library there are none and no Python runs per allocation."""

    class Lib:
        lifetimes_available = True

        def __init__(self, fail=False):
            self.attached, self.active, self.fail = [], [], fail

        def lifetimes_attach(self, level):
            if self.fail:
                raise RuntimeError("allocator refused the tracker")
            self.attached.append(level)
            return True

        def lifetimes_set_active(self, on):
            self.active.append(on)

    def setUp(self):
        layer._reset_for_tests()
        self.saved = (layer._native_lib, os.environ.get("MPSTRACE_TORCH_HOOK"))
        self.torch = fresh_torch()
        self.queued = []  # torch.cuda._lazy_call: run when CUDA initializes
        self.torch.cuda._lazy_call = lambda fn, **_kw: self.queued.append(fn)
        self.rec = FakeRecorder()

    def tearDown(self):
        layer._reset_for_tests()
        layer._native_lib = self.saved[0]
        if self.saved[1] is None:
            os.environ.pop("MPSTRACE_TORCH_HOOK", None)
        else:
            os.environ["MPSTRACE_TORCH_HOOK"] = self.saved[1]

    def install_with(self, lib):
        layer._native_lib = lambda *_a: lib
        layer.install(self.torch, level="api", recorder=self.rec)
        return self.rec.kinds("api_layer")[0][3].decode()

    def test_from_the_allocator_once_cuda_is_initialized(self):
        lib = self.Lib()
        msg = self.install_with(lib)
        self.assertIn("block lifetimes: C++ allocator trace tracker", msg)
        self.assertEqual(lib.attached, [])  # no devices set up yet: nothing to attach to
        self.assertEqual(len(self.queued), 1)
        self.queued[0]()  # torch's CUDA initialization runs the queued calls
        self.assertEqual(lib.attached, [layer.LEVELS["api"]])
        self.assertEqual(layer._S.lifetimes, "cpp")

    def test_a_failing_attach_never_raises_into_cuda_init(self):
        lib = self.Lib(fail=True)
        self.install_with(lib)
        self.assertIsNone(self.queued[0]())
        self.assertEqual(layer.level(), "api")  # the intent wrappers keep working
        self.torch.cuda.synchronize()
        self.assertEqual(len(self.rec.kinds("api_sync_begin")), 1)

    def test_stepping_aside_pauses_them(self):
        lib = self.Lib()
        self.install_with(lib)
        self.queued[0]()
        layer._fail("a test", RuntimeError("x"))
        self.assertEqual(lib.active, [False])

    def test_set_active_pauses_and_resumes_them(self):
        lib = self.Lib()
        self.install_with(lib)
        self.queued[0]()
        layer.set_active(False)
        layer.set_active(True)
        self.assertEqual(lib.active, [False, True])
        layer._fail("a test", RuntimeError("x"))
        self.assertIs(layer.set_active(True), False)  # stepped aside: stays off
        self.assertEqual(lib.active, [False, True, False])

    def test_a_library_without_the_tracker_records_none(self):
        lib = self.Lib()
        lib.lifetimes_available = False
        msg = self.install_with(lib)
        self.assertIn("block lifetimes: none at level api", msg)
        self.assertEqual(self.queued, [])
        self.assertIsNone(layer._S.lifetimes)

    def test_without_the_library_none_and_no_python_callbacks(self):
        layer._native_lib = self.saved[0]
        os.environ["MPSTRACE_TORCH_HOOK"] = "python"  # the fallback: no C++ at all
        registered = []
        self.torch._C._activate_gpu_trace = lambda: registered.append("activate")
        layer.install(self.torch, level="api", recorder=self.rec)
        msg = self.rec.kinds("api_layer")[0][3].decode()
        self.assertIn("block lifetimes: none at level api (no C++ library)", msg)
        self.assertEqual((self.queued, registered, layer._S.lifetimes), ([], [], None))
        self.assertEqual(layer.level(), "api")


def _real_torch():
    try:
        import torch  # noqa: F401
        return hasattr(torch, "randn") and not str(getattr(torch, "__version__", "")).endswith("fake")
    except Exception:  # noqa: BLE001
        return False


class NativeHookChoice(unittest.TestCase):
    """Level full picks its per-op hook: the C++ observer when it builds
    (mpstrace/_torch_native.py), else the Python dispatch mode, with the
    reason in the install message; MPSTRACE_TORCH_HOOK overrides."""

    def setUp(self):
        from mpstrace import _torch_native
        self.native = _torch_native
        self.saved = {k: os.environ.get(k) for k in ("MPSTRACE_TORCH_HOOK", "MPSTRACE_CACHE")}
        os.environ["MPSTRACE_CACHE"] = os.path.join(os.environ.get("TMPDIR", "/tmp"), "mpst-hook-choice-%d" % os.getpid())

    def tearDown(self):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    class Be:
        name = "cuda"

    def test_choice_from_the_environment(self):
        for v, want in (("", ("auto", None)), ("cpp", ("cpp", None)), ("PYTHON", ("python", None))):
            os.environ["MPSTRACE_TORCH_HOOK"] = v
            self.assertEqual(self.native.hook_choice(), want)
        os.environ["MPSTRACE_TORCH_HOOK"] = "rust"
        choice, warn = self.native.hook_choice()
        self.assertEqual(choice, "auto")
        self.assertIn("not one of auto, cpp, python", warn)

    def test_python_choice_builds_nothing(self):
        os.environ["MPSTRACE_TORCH_HOOK"] = "python"
        notes = []
        self.assertIsNone(layer._native_observer(fresh_torch(), self.Be(), notes))
        self.assertEqual(notes, [])

    def test_falls_back_with_the_reason_when_torch_has_no_headers(self):
        # the stand-in torch has no include/ beside it: the build says what is missing
        os.environ["MPSTRACE_TORCH_HOOK"] = "cpp"
        notes = []
        self.assertIsNone(layer._native_observer(fresh_torch(), self.Be(), notes))
        self.assertEqual(len(notes), 1)
        self.assertRegex(notes[0], r"^C\+\+ op observer unavailable \(RuntimeError: (torch's C\+\+ headers are missing"
                                   r"|no C\+\+ compiler).*Python dispatch mode is used instead")

    def test_mps_keeps_the_dispatch_mode(self):
        be = self.Be()
        be.name = "mps"
        notes = []
        self.assertIsNone(layer._native_observer(fresh_torch(), be, notes))
        self.assertEqual(notes, ["C++ op observer: not for mps, Python dispatch mode instead"])

    def test_cache_key_follows_source_and_torch(self):
        t1, t2 = fresh_torch(), fresh_torch()
        t2.__version__ = "0.0-fake2"
        a, b = self.native.library_path(t1, "c++"), self.native.library_path(t2, "c++")
        self.assertNotEqual(a, b)
        self.assertTrue(a.startswith(os.environ["MPSTRACE_CACHE"] + os.sep))
        self.assertEqual(a, self.native.library_path(fresh_torch(), "c++"))


@unittest.skipUnless(_real_torch(), "needs a real torch (CPU is enough)")
class RealDispatch(unittest.TestCase):
    """The TorchDispatchMode of level full on CPU tensors (its backend
    treats 'cpu' as the GPU): byte extents of views, modes from the schema."""

    def setUp(self):
        import torch
        self.torch = torch
        layer._reset_for_tests()
        self.rec = FakeRecorder()
        layer._S.rec, layer._S.active, layer._S.level = self.rec, True, 2
        layer._PLUMBING = layer._plumbing_dirs(torch)

        class Cpu:
            name = "cpu"

            def current_stream(self, device=None):
                return 0x55

            def current_device(self):
                return 0
        self.mode_cls, _ = layer._make_mode(torch, Cpu())

    def tearDown(self):
        layer._reset_for_tests()

    def test_accesses(self):
        torch = self.torch
        x = torch.zeros(4, 8)
        base = x.data_ptr()
        with self.mode_cls():
            y = x[:, 2:4]            # a view: no access
            z = y * 2                # reads y's real extent
            x.add_(1)                # in place: read+write
            torch.cat([x, x])        # the same input once
            x.flip(1)                # fresh output written
            x.fill_(2)               # overwrites x: written only
        acc = [c[1:] for c in self.rec.kinds("tensor_access")]
        self.assertEqual(acc[-1], (base, 128, base, 0x55, b"fill_.Scalar", layer.MODE_WRITE))
        acc = acc[:-1]
        self.assertEqual(acc[0], (base + 8, 26 * 4, base, 0x55, b"mul.Tensor", layer.MODE_READ))
        self.assertEqual(acc[1][1:], (32, z.data_ptr(), 0x55, b"mul.Tensor", layer.MODE_WRITE))
        self.assertEqual(acc[2], (base, 128, base, 0x55, b"add_.Tensor", layer.MODE_RW))
        self.assertEqual([a[4] for a in acc[3:]], [b"cat.default", b"cat.default", b"flip.default", b"flip.default"])
        self.assertEqual([a[5] for a in acc[3:]], [1, 2, 1, 2])
        sites = {c[3] for c in self.rec.kinds("push_site")}
        self.assertEqual(sites, {line_of(type(self).test_accesses, k) for k in ("y * 2", "x[:, 2:4]", "add_(1)", "torch.cat", "flip(1)",
                                                                                "fill_(2)")})

    def test_extent_of_negative_and_zero_strides(self):
        torch = self.torch
        x = torch.zeros(10)

        class Neg:  # torch itself refuses negative strides; other tensor types may not
            shape, element_size, storage_offset = (3,), (lambda self: 4), (lambda self: 8)

            def is_contiguous(self):
                return False

            def stride(self):
                return (-2,)
        self.assertEqual(layer._extent(Neg()), (4 * 4, 5 * 4))
        self.assertEqual(layer._extent(x.expand(1, 10).expand(5, 10)), (0, 40))
        self.assertEqual(layer._extent(x[3:3]), (12, 0))


class AutoInstall(unittest.TestCase):
    """sitecustomize.py: installs the layer when the program imports torch,
    only with a recorder loaded, not at MPSTRACE_TORCH=off; chains to the
    next sitecustomize on the path."""

    lib = os.environ.get("MPST_RECORDER_LIB", "")

    def run_py(self, code, preload=True, extra_path=(), **env):
        e = dict(os.environ)
        e.pop("LD_PRELOAD", None)
        e.update(env)
        e["PYTHONPATH"] = os.pathsep.join([PYDIR, os.path.dirname(os.path.dirname(FAKE))] + list(extra_path))
        if preload:
            e["LD_PRELOAD"] = self.lib
            e.setdefault("MPSTRACE_OUT", os.path.join(os.environ.get("TMPDIR", "/tmp"), "mpst-autoinstall-%d.mpst" % os.getpid()))
        r = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    CHECK = ("import torch, mpstrace.torch as L; "
             "print(L.level(), hasattr(torch.cuda.synchronize, '__mpstrace_wrapped__'))")

    @unittest.skipUnless(os.path.exists(os.environ.get("MPST_RECORDER_LIB", "/nonexistent")), "needs the recorder library")
    def test_on_when_recorded(self):
        self.assertEqual(self.run_py(self.CHECK), "api True")
        # the stand-in has no torch.utils._python_dispatch: level full fails at
        # install and steps aside (wrappers stay, calling straight through)
        self.assertEqual(self.run_py(self.CHECK, MPSTRACE_TORCH="full"), "off True")

    @unittest.skipUnless(os.path.exists(os.environ.get("MPST_RECORDER_LIB", "/nonexistent")), "needs the recorder library")
    def test_off_switch(self):
        self.assertEqual(self.run_py(self.CHECK, MPSTRACE_TORCH="off"), "off False")

    @unittest.skipUnless(os.path.exists(os.environ.get("MPST_RECORDER_LIB", "/nonexistent")), "needs the recorder library")
    def test_recorder_built_ins(self):
        # the recorder's C built-ins replace ctypes for every entry point the
        # layer calls, with ctypes' argument rules: integers masked to their
        # width, bytes or None for strings, anything else a TypeError
        code = ("import mpstrace.torch as L\n"
                "r = L.Recorder()\n"
                "p = r.push_site(b'f', b'/a.py', 3)\n"
                "r.pop_site(p)\n"
                "out = [len(r.fast), type(r.api_sync_begin).__name__, type(p).__name__,\n"
                "       r.api_sync_end(2**64 + 5, -1, None, -7), r.enabled()]\n"
                "if r.fast:\n"
                "    for bad in ((1, 2), (1, 2, 'text'), ('x', 2, b'a')):\n"
                "        try:\n"
                "            r.api_sync_begin(*bad)\n"
                "        except TypeError:\n"
                "            out.append('TypeError')\n"
                "print(*out)\n")
        every = len(layer._C_SIGNATURES) + len(layer._C_OPTIONAL)
        self.assertEqual(self.run_py(code).split(),
                         [str(every), "builtin_function_or_method", "int", "None", "1", "TypeError", "TypeError", "TypeError"])
        # MPSTRACE_TORCH_CTYPES=1 keeps the ctypes functions
        self.assertEqual(self.run_py(code, MPSTRACE_TORCH_CTYPES="1").split(), ["0", "_FuncPtr", "int", "None", "1"])

    def test_no_recorder_no_layer(self):
        self.assertEqual(self.run_py(self.CHECK, preload=False), "off False")

    def test_chains_to_the_next_sitecustomize(self):
        import tempfile
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "sitecustomize.py"), "w") as f:
            f.write("import os\nos.environ['OTHER_SITE_RAN'] = '1'\n")
        out = self.run_py("import os; print(os.environ.get('OTHER_SITE_RAN'))", preload=False, extra_path=[d])
        self.assertEqual(out, "1")


if __name__ == "__main__":
    unittest.main()
