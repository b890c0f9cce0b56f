"""CPU smoke run for the programs of this folder (not a scenario): every stream/event op is synchronous (so every
program must report wrong=0 here), device='cuda' becomes 'cpu', pinning is a
no-op, CUDA graphs are emulated by re-running the captured top-level torch calls.

usage: python3 cpu_shim.py prog.py [args...]
"""
import contextlib
import runpy
import sys
import threading

import torch
from torch.overrides import TorchFunctionMode

_local = threading.local()


class FakeStream:
    def __init__(self, device=None, priority=0, **kw):
        pass

    def wait_stream(self, other):
        assert isinstance(other, FakeStream), other

    def wait_event(self, ev):
        assert isinstance(ev, FakeEvent), ev

    def synchronize(self):
        pass

    def query(self):
        return True


_default = FakeStream()


def current_stream(device=None):
    return getattr(_local, "stream", _default)


def set_stream(s):
    assert isinstance(s, FakeStream), s
    _local.stream = s


@contextlib.contextmanager
def stream(s):
    prev = current_stream()
    if s is not None:
        set_stream(s)
    try:
        yield
    finally:
        set_stream(prev)


class FakeEvent:
    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        pass

    def record(self, stream=None):
        assert stream is None or isinstance(stream, FakeStream)

    def synchronize(self):
        pass

    def query(self):
        return True

    def wait(self, stream=None):
        pass


_capture = threading.local()


class FakeGraph:
    def __init__(self):
        self.calls = []

    def replay(self):
        remap = {}
        outs = []

        def m(x):
            if isinstance(x, torch.Tensor):
                return remap.get(id(x), x)
            if isinstance(x, (list, tuple)):
                return type(x)(m(y) for y in x)
            if isinstance(x, dict):
                return {k: m(v) for k, v in x.items()}
            return x
        with torch.no_grad():
            for func, args, kwargs, res in self.calls:
                new = func(*m(args), **m(kwargs))
                if isinstance(res, torch.Tensor):
                    remap[id(res)] = new
                    outs.append((res, new))
            for res, new in outs:
                res.copy_(new)


@contextlib.contextmanager
def graph(g, **kw):
    _capture.g = g
    try:
        yield
    finally:
        _capture.g = None


def _is_cuda(d):
    return (isinstance(d, str) and d.startswith("cuda")) or (isinstance(d, torch.device) and d.type == "cuda")


class CpuMode(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        name = getattr(func, "__name__", "")
        if name == "pin_memory":
            return args[0]
        if name == "record_stream":
            assert isinstance(args[1], FakeStream)
            return None
        if name == "cuda":
            return args[0].clone()
        if _is_cuda(kwargs.get("device")):
            kwargs["device"] = "cpu"
        if kwargs.get("pin_memory"):
            kwargs["pin_memory"] = False
        kwargs.pop("non_blocking", None)
        if name == "to":
            args = tuple("cpu" if _is_cuda(a) else a for a in args)
        res = func(*args, **kwargs)
        g = getattr(_capture, "g", None)
        if g is not None and name not in ("__get__", "dim", "size"):
            g.calls.append((func, args, kwargs, res))
        return res


def _foreach_lerp_(selfs, others, w):
    for a, b in zip(selfs, others):
        a.lerp_(b, w)


class _Gen:
    def __new__(cls, device=None):
        return torch._C.Generator()


def install():
    c = torch.cuda
    c.Stream = FakeStream
    c.Event = FakeEvent
    c.current_stream = current_stream
    c.default_stream = lambda device=None: _default
    c.set_stream = set_stream
    c.stream = stream
    c.synchronize = lambda device=None: None
    c.is_available = lambda: True
    c.CUDAGraph = FakeGraph
    c.graph = graph
    c._sleep = lambda n: None
    if not hasattr(torch, "_foreach_lerp_"):
        torch._foreach_lerp_ = _foreach_lerp_
    torch.Generator = _Gen

    def record_stream(self, s):
        assert isinstance(s, FakeStream), s
    torch.Tensor.record_stream = record_stream
    torch.set_num_threads(2)


if __name__ == "__main__":
    install()
    prog = sys.argv[1]
    sys.argv = sys.argv[1:]
    mode = CpuMode()
    mode.__enter__()
    # worker threads get the mode too (harmless if the mode stack is global)
    _orig_run = threading.Thread.run

    def run(self):
        with CpuMode():
            _orig_run(self)
    threading.Thread.run = run
    runpy.run_path(prog, run_name="__main__")
