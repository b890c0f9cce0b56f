"""A stand-in torch for the CPU tests of mpstrace.torch (test/torch_layer_companion.py).

Just the surface the layer wraps, shaped like torch 2.x: torch.cuda (synchronize,
set_stream, current_stream, stream()/StreamContext, Stream, Event with a lazily
created handle and timing checked in Python before any backend call),
torch.accelerator, torch.Tensor.record_stream and torch._C's raw-stream getter.
`calls` logs what the "backend" was asked; `fail_sync` makes synchronize raise.
"""
import types

__version__ = "0.0-fake"
calls = []
fail_sync = False
_next = [0x7000]


def _handle():
    _next[0] += 0x10
    return _next[0]


_C = types.ModuleType("torch._C")
_current = {"stream": None}


class _CudaStreamBase:
    def __init__(self, cuda_stream=None):
        self.cuda_stream = cuda_stream if cuda_stream is not None else _handle()
        self.device_index = 0

    def synchronize(self):
        calls.append(("stream_sync", self.cuda_stream))


class Stream(_CudaStreamBase):
    def __init__(self, device=None, priority=0, cuda_stream=None):
        super().__init__(cuda_stream)

    def wait_event(self, event):
        event.wait(self)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        if event is None:
            event = Event()
        event.record(self)
        return event

    def synchronize(self):
        super().synchronize()


_default = Stream(cuda_stream=0)
_current["stream"] = _default


class Event:
    def __new__(cls, enable_timing=False, blocking=False, interprocess=False, external=False):
        self = object.__new__(cls)
        self._timing = enable_timing
        self.cuda_event = 0  # created lazily at the first record, as torch.cuda.Event does
        return self

    def record(self, stream=None):
        if stream is None:
            stream = current_stream()
        if not self.cuda_event:
            self.cuda_event = _handle()
            calls.append(("event_create", self.cuda_event))
        calls.append(("event_record", self.cuda_event, stream.cuda_stream))

    def wait(self, stream=None):
        if stream is None:
            stream = current_stream()
        if self.cuda_event:
            calls.append(("event_wait", self.cuda_event, stream.cuda_stream))

    def synchronize(self):
        calls.append(("event_sync", self.cuda_event))

    def elapsed_time(self, end_event):
        if not (self._timing and end_event._timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        calls.append(("elapsed", self.cuda_event, end_event.cuda_event))
        return 2.5


def current_stream(device=None):
    return _current["stream"]


def _raw(device_index):
    return _current["stream"].cuda_stream


def set_stream(stream):
    _current["stream"] = stream


class StreamContext:
    def __init__(self, stream):
        self.stream = stream
        self.prev = None

    def __enter__(self):
        self.prev = current_stream()
        set_stream(self.stream)

    def __exit__(self, *exc):
        set_stream(self.prev)


def stream(s):
    return StreamContext(s)


def _backend_marker(name):
    """Stands in for a hooked backend call (cudaDeviceSynchronize): a raw
    recorder record with no call site of its own, when a recorder is loaded."""
    try:
        import ctypes
        f = getattr(ctypes.CDLL(None), "mpstrace_impl_marker", None)
    except OSError:
        f = None
    if f is not None:
        f.argtypes, f.restype = [ctypes.c_char_p], None
        f(name)


def synchronize(device=None):
    calls.append(("device_sync",))
    _backend_marker(b"backend cudaDeviceSynchronize")
    if fail_sync:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")
    return None


_C._cuda_getCurrentRawStream = _raw
_C._cuda_getDevice = lambda: 0
cuda = types.ModuleType("torch.cuda")
cuda.is_available = lambda: True
cuda.current_device = lambda: 0
for _n in ("Stream", "Event", "StreamContext", "stream", "set_stream", "current_stream", "synchronize"):
    setattr(cuda, _n, globals()[_n])

accelerator = types.ModuleType("torch.accelerator")


def _acc_synchronize(device=None, /):
    calls.append(("accelerator_sync",))


accelerator.synchronize = _acc_synchronize
accelerator.set_stream = lambda stream: set_stream(stream)


class _Storage:
    def __init__(self, ptr, nbytes):
        self._ptr, self._n = ptr, nbytes

    def data_ptr(self):
        return self._ptr

    def nbytes(self):
        return self._n


class Tensor:
    def __init__(self, ptr=0x10000, nbytes=4096, device="cuda", pinned=False):
        self._st = _Storage(ptr, nbytes)
        self.is_cuda = device == "cuda"
        self.is_cpu = device == "cpu"
        self._pinned = pinned

    # a contiguous float32 tensor over its whole storage
    def is_pinned(self):
        return self._pinned

    def data_ptr(self):
        return self._st.data_ptr()

    def storage_offset(self):
        return 0

    def element_size(self):
        return 4

    def is_contiguous(self):
        return True

    def numel(self):
        return self._st.nbytes() // 4

    def tolist(self):
        calls.append(("tolist", self._st.data_ptr()))
        return [0.0] * self.numel()

    def item(self):
        calls.append(("item", self._st.data_ptr()))
        return 0.0

    def untyped_storage(self):
        return self._st

    def record_stream(self, stream):
        calls.append(("record_stream", self._st.data_ptr(), stream.cuda_stream))
