"""mpstrace.torch: what an unmodified PyTorch program asks of torch's public
stream/event/sync API, written into the recorder's trace.

The backend hooks (CUDA, Metal) see what the runtime did; this layer records
what the program asked for, so the rules can hold one against the other:

- every public sync (``torch.cuda.synchronize``, ``torch.mps.synchronize``,
  ``torch.accelerator.synchronize``, ``Stream.synchronize``,
  ``Event.synchronize``): api_sync_begin/end with scope and target;
- ``Event.record(stream)`` / ``Event.wait(stream)`` (and so
  ``Stream.wait_event``, ``Stream.wait_stream``, ``Stream.record_event``,
  which torch routes through them): intent_record / intent_wait with the
  stream the caller asked for;
- the current stream per thread (``set_stream``, ``with torch.cuda.stream``,
  ``StreamContext``, their MPS and accelerator forms): api_current_stream;
- ``Event.elapsed_time``: api_elapsed with both events' requested timing
  flags, also when torch raises before any backend call;
- ``Tensor.record_stream``: api_record_stream;
- the caching allocator's block lifetimes (alloc/free with mem torch_block):
  at level api only from the C++ library (the allocator's trace tracker, no
  Python per allocation or free), none without it; at level full from the
  same tracker, else torch's GPU trace callbacks;
- level ``full``: per op on a GPU tensor the byte ranges it reads and writes
  (tensor_access, from the C++ op observer or a TorchDispatchMode, and the op
  schema's alias/write information).

While a wrapped call runs, the recorder's backend hooks name the user's
Python line as their call site (push_site/pop_site).

Installed automatically when a recorded program imports torch (see
``sitecustomize.py`` beside this package); ``MPSTRACE_TORCH=off|api|full``
(``mpstrace record --torch``) picks the level. It never breaks the program:
each wrapper catches its own failures, writes one api_layer record with ok=0,
and the layer steps aside (the original functions run as if unwrapped, with
their own return values and exceptions).

Event handles: torch.cuda.Event creates its cudaEvent lazily at the first
record, so an intent_record for a fresh event carries event 0, meaning "the
event this thread records next"; the wrong-stream-event rule matches it to
the thread's next backend event_record.
"""
from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading

__all__ = ["install", "installed", "level", "hook", "set_active", "LEVELS", "DEFAULT_LEVEL"]
__mpstrace_skip__ = True

LEVELS = {"off": 0, "api": 1, "full": 2}
DEFAULT_LEVEL = "api"
SCOPE_DEVICE, SCOPE_STREAM, SCOPE_EVENT = 1, 2, 3
MODE_READ, MODE_WRITE, MODE_RW = 1, 2, 3
MEM_TORCH_BLOCK = 7
_MASK = 0xFFFFFFFFFFFFFFFF
_WRAPPED = "__mpstrace_wrapped__"

from . import _SIGNATURES

_i32, _u64 = ctypes.c_int32, ctypes.c_uint64
# the recorder's entry points this layer calls; their signatures are the
# annotation table's (mpstrace/_schema.py, from instrumentation/schema/events.json)
_C_SIGNATURES = {name: _SIGNATURES[name] for name in (
    "enabled", "api_sync_begin", "api_sync_end", "api_current_stream", "api_elapsed", "api_record_stream",
    "tensor_access", "api_layer", "alloc", "free", "intent_record", "intent_wait")}
# newer entry points: the layer works without them (sites then come from C)
_C_OPTIONAL = {name: _SIGNATURES[name] for name in ("push_site", "pop_site", "event_query", "slot_acquire", "host_access")}


class Recorder:
    """The recorder's C entry points, bound once from the process image
    (``Recorder(None)``: none, every call a no-op). Tests pass a fake with the
    same method names."""

    def __init__(self, lib="process"):
        self.ok = False
        if lib == "process":
            try:
                # PyDLL: calls keep the GIL. Every entry point only writes a
                # record (tens of ns); with CDLL each call dropped and took
                # back the GIL, and in a program of several Python threads
                # another thread could take it in between (bench/cuda/torchops.py)
                lib = ctypes.PyDLL(None)
            except OSError:
                lib = None
        fns = {}
        if lib is not None:
            for name, (res, args) in _C_SIGNATURES.items():
                f = getattr(lib, "mpstrace_impl_" + name, None)
                if f is None:
                    fns = {}
                    break
                f.restype, f.argtypes = res, args
                fns[name] = f
        if fns:
            for name, (res, args) in _C_OPTIONAL.items():
                f = getattr(lib, "mpstrace_impl_" + name, None)
                if f is not None:
                    f.restype, f.argtypes = res, args
                    fns[name] = f
            fast = _fast_functions(lib, fns)
            fns.update(fast)
        # entry points called through the recorder's C built-ins, not ctypes
        self.fast = sorted(fast) if fns else []
        self.ok = bool(fns) and bool(fns["enabled"]())
        for name in list(_C_SIGNATURES) + list(_C_OPTIONAL):
            setattr(self, name, fns.get(name) or _noop)
        if "push_site" not in fns:
            self.push_site = _zero
        self.metal_handle = None
        h = getattr(lib, "mpstrace_metal_stream_handle", None) if lib is not None else None
        if h is not None:
            h.argtypes, h.restype = [_i32], _u64
            self.metal_handle = h


def _fast_functions(lib, fns):
    """The recorder's C built-ins for these entry points (runtime/mpst_python.c):
    same arguments and results as the ctypes functions, converted in C
    (ctypes' own conversion cost more per call than the record written).
    {} from a recorder without them; an entry point without one keeps ctypes."""
    get = getattr(lib, "mpstrace_py_function", None)
    if get is None or os.environ.get("MPSTRACE_TORCH_CTYPES"):  # the bench's comparison
        return {}
    get.restype, get.argtypes = ctypes.py_object, [ctypes.c_char_p]
    out = {}
    for name in fns:
        try:
            f = get(name.encode())
        except Exception:  # noqa: BLE001 - no CPython functions found: keep ctypes
            return {}
        if f is not None:
            out[name] = f
    return out


def _noop(*_a):
    return None


def _zero(*_a):
    return 0


def _b(s):
    return s.encode("utf-8", "replace") if isinstance(s, str) else s


# ---- call sites -------------------------------------------------------------

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Per code object, keyed by id(code): (code, plumbing?, symbol, file, lines).
# Not keyed by the code object itself: a code object hashes its whole
# contents (bytecode, constants, names) on every dict lookup, 10+ us for a
# long function, and every wrapped call looked up each frame it walked that
# way. The entry keeps its code object alive, so the id is never another code
# object's while it is cached. `lines`: instruction offset -> line number,
# since f_lineno scans the code's line table from its start on every read
# (as long again for a long function).
_plumbing_cache: dict = {}
_CACHE_MAX = 1 << 16  # programs that make code at run time: start over rather than grow


def _plumbing_dirs(torch_module):
    dirs = {_PKG_DIR, os.path.dirname(__file__) + os.sep, os.path.dirname(functools.__file__) + os.sep + "contextlib.py",
            functools.__file__, threading.__file__}
    tf = getattr(torch_module, "__file__", None)
    if tf:
        dirs.add(os.path.dirname(tf) + os.sep)
        dirs.add(os.path.dirname(os.path.abspath(tf)) + os.sep)
    return tuple(sorted(dirs))


_PLUMBING = (_PKG_DIR,)


def _code_entry(code, f_globals):
    """(code, plumbing?, symbol, file, lines) of a code object, cached."""
    e = _plumbing_cache.get(id(code))
    if e is not None and e[0] is code:
        return e
    fn = code.co_filename
    v = fn.startswith(_PLUMBING) or fn.startswith("<frozen") or bool(f_globals.get("__mpstrace_skip__"))
    if len(_plumbing_cache) >= _CACHE_MAX:
        _plumbing_cache.clear()
    e = _plumbing_cache[id(code)] = (code, v, _b(code.co_name), _b(fn), {})
    return e


def _is_plumbing(code, f_globals):
    return _code_entry(code, f_globals)[1]


def _push_site(rec, depth=1):
    """Pushes the program's innermost own line as the thread's site; the
    previous site (for pop_site), or None when there is no such frame.
    depth 1: starting from the caller of this function. Per wrapped call,
    and per op at level full: the walk to the innermost frame that is the
    program's own code (not torch, not this package, not
    contextlib/functools) is inlined (a dozen frames is typical under
    nn.Module)."""
    try:
        f = sys._getframe(depth)
    except ValueError:
        return None
    get = _plumbing_cache.get
    while f is not None:
        code = f.f_code
        e = get(id(code))
        if e is None or e[0] is not code:
            e = _code_entry(code, f.f_globals)
        if not e[1]:
            break
        f = f.f_back
    else:
        return None
    lines, at = e[4], f.f_lasti
    line = lines.get(at)
    if line is None:
        line = f.f_lineno
        if len(lines) < 4096:
            lines[at] = line
    return rec.push_site(e[2], e[3], line)


# ---- the layer's state ------------------------------------------------------

class _State:
    def __init__(self):
        self.active = False
        self.level = 0
        self.rec = Recorder(None)
        self.torch = None
        self.backend = None
        self.tls = threading.local()
        self.failed = False
        self.wrapped = []
        self.mode = None
        self.native = None  # the C++ op observer (level full), when it built
        self.hook = None  # which per-op hook level full runs: "cpp" or "python"
        self.lib = None  # the C++ library (mpstrace/_torch_native.py), when it built: lifetimes, observer
        self.lifetimes = None  # where block lifetimes come from: "cpp", "gputrace", or None


_S = _State()


def level() -> str:
    """The level this process runs at ('off' until installed)."""
    return {v: k for k, v in LEVELS.items()}.get(_S.level, "off") if _S.active else "off"


def installed():
    """Names wrapped so far in this process."""
    return list(_S.wrapped)


def _fail(where, exc):
    """The layer's own failure: one api_layer record, then step aside for
    good (every wrapper calls straight through from now on)."""
    if _S.failed:
        return
    _S.failed = True
    _S.active = False
    try:
        msg = "mpstrace.torch stepped aside: %s failed: %s: %s" % (where, type(exc).__name__, exc)
        _S.rec.api_layer(_S.level, 0, _b(msg[:400]))
    except Exception:  # noqa: BLE001 - nothing left to report with
        pass
    try:
        if _S.mode is not None:
            _S.mode.disabled = True
        if _S.native is not None:
            _S.native.set_active(False)
        if _S.lib is not None and _S.lifetimes == "cpp":
            _S.lib.lifetimes_set_active(False)
    except Exception:  # noqa: BLE001
        pass


# Threads inside a wrapped call (thread ident -> 1): a wrapped function that
# torch calls from another one (set_stream inside StreamContext.__enter__,
# Event.wait inside Stream.wait_event) runs straight through. Not a
# threading.local: that builds a dict and two weak references in every
# thread at its first wrapped call and tears them down at its exit, per-thread
# work a program of short-lived threads pays per thread (issues 10, 16); an
# entry here lives only while its thread is inside a wrapped call, and is
# removed only by that thread.
_busy: dict = {}
_get_ident = threading.get_ident


def _busy_after_fork():
    # only the forking thread lives on in the child; other threads' idents may be reused
    keep = _get_ident() in _busy
    _busy.clear()
    if keep:
        _busy[_get_ident()] = 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_busy_after_fork)


def _depth():
    return 1 if _get_ident() in _busy else 0


def _wrap(owner, name, make, label=None):
    """Replaces owner.name with make(orig); False when absent, already
    wrapped, or not settable (a builtin type)."""
    orig = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
    if orig is None and isinstance(owner, type) and name != "__new__":  # inherited methods
        orig = getattr(owner, name, None)
    if orig is None or getattr(orig, _WRAPPED, False):
        return False
    static = isinstance(orig, staticmethod)
    fn = orig.__func__ if static else orig
    wrapper = make(fn)
    try:
        functools.update_wrapper(wrapper, fn)
    except Exception:  # noqa: BLE001 - builtins lack some attributes
        pass
    setattr(wrapper, _WRAPPED, True)
    wrapper.__wrapped__ = fn
    try:
        setattr(owner, name, staticmethod(wrapper) if static else wrapper)
    except (TypeError, AttributeError):
        return False
    _S.wrapped.append(label or "%s.%s" % (getattr(owner, "__name__", "?"), name))
    return True


def _call(label, orig, args, kwargs, before, after):
    """Runs orig(*args, **kwargs) with the user's site pushed,
    `before(args, kwargs)` ahead of it (its value is the call's state) and
    `after(state, args, kwargs, value, raised)` behind it (either may be
    None). The layer's own failures step it aside; orig's value and
    exceptions pass untouched. Per wrapped call: no closures, no encoding,
    no per-thread state to set up."""
    if not _S.active:
        return orig(*args, **kwargs)
    tid = _get_ident()
    busy = _busy
    if tid in busy:
        return orig(*args, **kwargs)
    rec = _S.rec
    prev = None
    try:
        # from the wrapper's caller: this frame and the wrapper's are the layer's own
        prev = _push_site(rec, 3)
        state = before(args, kwargs) if before is not None else None
    except Exception as e:  # noqa: BLE001 - the layer's failure, not the program's
        _fail(label, e)
        if prev is not None:
            rec.pop_site(prev)
        return orig(*args, **kwargs)
    busy[tid] = 1
    try:
        value = orig(*args, **kwargs)
    except BaseException:
        del busy[tid]
        if after is not None and _S.active:
            try:
                after(state, args, kwargs, None, True)
            except Exception as e:  # noqa: BLE001
                _fail(label, e)
        if prev is not None:
            rec.pop_site(prev)
        raise
    del busy[tid]
    if after is not None and _S.active:
        try:
            after(state, args, kwargs, value, False)
        except Exception as e:  # noqa: BLE001
            _fail(label, e)
    if prev is not None:
        rec.pop_site(prev)
    return value


# ---- backends: handles of streams and events --------------------------------

class _Cuda:
    name = "cuda"

    def __init__(self, torch):
        self.torch = torch
        self.mod = torch.cuda
        self.raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
        # torch.cuda.current_device() is _lazy_init() and this; the C function
        # initializes CUDA lazily itself, without two Python calls around it
        # (a wrapped stream context reads the device up to six times)
        self.device = getattr(torch._C, "_cuda_getDevice", None) or self.mod.current_device

    def current_stream(self, device=None):
        if self.raw is not None:
            idx = self.device() if device is None else self._index(device)
            return int(self.raw(idx)) & _MASK
        return self.stream_handle(self.mod.current_stream(device))

    def stream_for(self, t):
        """Current stream of a CUDA tensor's device (per op at level full)."""
        if self.raw is not None:
            return int(self.raw(t.get_device())) & _MASK
        return self.current_stream(t.device)

    def _index(self, device):
        if isinstance(device, int):
            return device
        idx = getattr(device, "index", None)
        if idx is None and isinstance(device, str):
            idx = self.torch.device(device).index
        return self.device() if idx is None else idx

    def current_device(self):
        return int(self.device())

    def stream_handle(self, stream):
        """The cudaStream_t of a torch.cuda.Stream, or of a generic
        torch.Stream (which carries only torch's stream id)."""
        h = getattr(stream, "cuda_stream", None)
        if h is None and hasattr(stream, "stream_id"):
            h = self.mod.Stream(stream_id=stream.stream_id, device_index=stream.device_index,
                                device_type=stream.device_type).cuda_stream
        return int(h or 0) & _MASK

    @staticmethod
    def event_handle(event):
        return int(getattr(event, "cuda_event", 0) or 0) & _MASK


class _Mps:
    name = "mps"

    def __init__(self, torch, rec):
        self.torch = torch
        self.mod = torch.mps
        self.rec = rec

    def ordinal(self, stream):
        return self._ordinal(stream)

    def _ordinal(self, stream):
        for attr in ("stream_id", "id"):
            v = getattr(stream, attr, None)
            if isinstance(v, int):
                return v
        return stream if isinstance(stream, int) else 0

    def stream_handle(self, stream):
        """The Metal recorder's handle for the stream (its MTLCommandQueue),
        so intents and Metal records agree; the ordinal without the dylib."""
        o = self._ordinal(stream)
        h = self.rec.metal_handle
        if h is not None:
            v = h(int(o))
            if v:
                return int(v)
        return int(o) & _MASK

    def current_stream(self, device=None):
        cur = getattr(_S.tls, "mps_stream", None)
        if cur is not None:
            return cur
        cs = getattr(self.mod, "current_stream", None)
        return self.stream_handle(cs()) if cs is not None else self.stream_handle(0)

    def current_device(self):
        return 0

    @staticmethod
    def event_handle(event):
        # torch/mps/event.py keeps the id name-mangled
        for attr in ("_Event__eventId", "event_id", "_event_id"):
            v = getattr(event, attr, None)
            if isinstance(v, int):
                return v & _MASK
        return id(event) & _MASK


def _stream_arg(args, kwargs, i=0):
    if "stream" in kwargs:
        return kwargs["stream"]
    return args[i] if len(args) > i else None


# ---- the intent wrappers ----------------------------------------------------
# Each wrapper's before/after are made once per wrapped function (labels
# encoded once); a call passes them its own arguments.

def _sync_device(label, be):
    lab = _b(label)

    def before(_args, _kwargs):
        _S.rec.api_sync_begin(0, SCOPE_DEVICE, lab)

    def after(_s, _args, _kwargs, _v, raised):
        _S.rec.api_sync_end(0, SCOPE_DEVICE, lab, 1 if raised else 0)

    def make(orig):
        def synchronize(*args, **kwargs):
            return _call(label, orig, args, kwargs, before, after)
        return synchronize
    return make


def _sync_obj(label, scope, handle):
    lab = _b(label)

    def before(args, _kwargs):
        h = handle(args[0])
        _S.rec.api_sync_begin(h, scope, lab)
        return h

    def after(h, _args, _kwargs, _v, raised):
        _S.rec.api_sync_end(h, scope, lab, 1 if raised else 0)

    def make(orig):
        def synchronize(self, *args, **kwargs):
            return _call(label, orig, (self,) + args, kwargs, before, after)
        return synchronize
    return make


def _event_intent(label, kind, be):
    """Event.record / Event.wait: the stream the caller asked for (the
    thread's current stream when none was given, as torch itself does)."""
    def before(args, kwargs):
        stream = _stream_arg(args, kwargs, 1)
        sh = be.current_stream() if stream is None else be.stream_handle(stream)
        getattr(_S.rec, kind)(be.event_handle(args[0]), sh)

    def make(orig):
        def method(self, *args, **kwargs):
            return _call(label, orig, (self,) + args, kwargs, before, None)
        return method
    return make


def _event_new(label):
    """Event.__new__: remember the timing flag the caller asked for (torch's
    CUDA event object does not expose it)."""
    def make(orig):
        def __new__(cls, *args, **kwargs):
            ev = orig(cls, *args, **kwargs)
            if _S.active:
                try:
                    timing = kwargs.get("enable_timing", args[0] if args else False)
                    ev.__dict__["_mpstrace_timing"] = bool(timing)
                except Exception as e:  # noqa: BLE001
                    _fail(label, e)
            return ev
        return __new__
    return make


def _timing(event):
    d = getattr(event, "__dict__", None)
    if d and "_mpstrace_timing" in d:
        return d["_mpstrace_timing"]
    v = getattr(event, "enable_timing", None)
    # unknown (an event class that does not say): never accuse it
    return bool(v) if v is not None else True


def _elapsed(label, be):
    def before(args, _kwargs):
        start, end = args[0], args[1]
        return (be.event_handle(start), be.event_handle(end), _timing(start), _timing(end))

    def after(st, args, _kwargs, ms, raised):
        # handles again: a lazily created event got its handle meanwhile
        start, end = be.event_handle(args[0]) or st[0], be.event_handle(args[1]) or st[1]
        ns = -1 if raised else int(round(float(ms) * 1e6))
        _S.rec.api_elapsed(start, end, ns, int(st[2]), int(st[3]), 1 if raised else 0)

    def make(orig):
        def elapsed_time(self, end_event, *args, **kwargs):
            return _call(label, orig, (self, end_event) + args, kwargs, before, after)
        return elapsed_time
    return make


def _raw_reader(be):
    """(raw, device) for a CUDA backend that reads the current stream as
    raw(device()) (torch._C's getters), else (None, None). The stream
    wrappers call these two C functions themselves: no backend method call
    around them, and one device read serves both the stream and the device
    they record (a new thread's first wrapped calls are its slowest; every
    Python call less counts there, issues 10 and 16)."""
    if be.name == "cuda" and getattr(be, "raw", None) is not None:
        return be.raw, be.device
    return None, None


def _set_stream(label, be):
    raw, dev = _raw_reader(be)

    def before(_args, _kwargs):
        if raw is not None:
            return int(raw(dev())) & _MASK
        return be.current_stream()

    def after(prev, args, kwargs, _v, raised):
        if raised:
            return
        if be.name == "mps":
            stream = _stream_arg(args, kwargs)
            h = _S.tls.mps_stream = be.stream_handle(stream) if stream is not None else 0
            d = be.current_device()
        elif raw is not None:  # what torch made current, whatever form the stream was given in
            idx = dev()
            h, d = int(raw(idx)) & _MASK, int(idx)
        else:
            h, d = be.current_stream(), be.current_device()
        _S.rec.api_current_stream(h, prev, d)

    def make(orig):
        def set_stream(*args, **kwargs):
            return _call(label, orig, args, kwargs, before, after)
        return set_stream
    return make


def _stream_change(label, be):
    """A context manager's __enter__/__exit__ that may switch the current
    stream (StreamContext): compare before and after."""
    raw, dev = _raw_reader(be)

    if raw is not None:
        def before(_args, _kwargs):
            return int(raw(dev())) & _MASK

        def after(prev, _args, _kwargs, _v, _raised):
            idx = dev()
            cur = int(raw(idx)) & _MASK
            if cur != prev:
                _S.rec.api_current_stream(cur, prev, int(idx))
    else:
        def before(_args, _kwargs):
            return be.current_stream()

        def after(prev, _args, _kwargs, _v, _raised):
            cur = be.current_stream()
            if cur != prev:
                _S.rec.api_current_stream(cur, prev, be.current_device())

    def make(orig):
        def method(*args, **kwargs):
            return _call(label, orig, args, kwargs, before, after)
        return method
    return make


def _record_stream(label, be):
    def before(args, kwargs):
        st = args[0].untyped_storage()
        stream = _stream_arg(args, kwargs, 1)
        _S.rec.api_record_stream(int(st.data_ptr()) & _MASK, int(st.nbytes()), be.stream_handle(stream))

    def make(orig):
        def record_stream(self, stream, *args, **kwargs):
            return _call(label, orig, (self, stream) + args, kwargs, before, None)
        return record_stream
    return make


def _event_query(label, be):
    """MPS Event.query: the Metal hooks cannot see PyTorch's event ids, so the
    answer the program got is recorded here (event_query; 0 ready, 1 not)."""
    def after(_st, args, _kwargs, ready, raised):
        if not raised:
            _S.rec.event_query(be.event_handle(args[0]), 0 if ready else 1)

    def make(orig):
        def query(self, *args, **kwargs):
            return _call(label, orig, (self,) + args, kwargs, None, after)
        return query
    return make


def _stream_from_pool(label, be):
    """MPS getStreamFromPool / get_stream_from_pool: the pool stream the
    thread now owns (slot_acquire; the slot is PyTorch's stream ordinal)."""
    def after(_st, _args, _kwargs, stream, raised):
        if not raised and stream is not None:
            _S.rec.slot_acquire(be.ordinal(stream), be.stream_handle(stream), -1, 0)

    def make(orig):
        def get_stream_from_pool(*args, **kwargs):
            return _call(label, orig, args, kwargs, None, after)
        return get_stream_from_pool
    return make


# Python's ways out of a tensor into host values. On a pinned CPU tensor they
# read memory an asynchronous device-to-host copy may still be writing
# (`x.to("cpu", non_blocking=True)` then `.tolist()` before a sync).
_HOST_READS = ("tolist", "item", "numpy", "__float__", "__int__", "__bool__", "__index__", "__array__")


def _host_read(label):
    lab = _b(label)

    def before(args, kwargs):
        t = args[0]
        off, n = _extent(t)
        if n:
            base = (t.data_ptr() - t.storage_offset() * t.element_size()) & _MASK
            _S.rec.host_access((base + off) & _MASK, n, base, lab, MODE_READ)

    def make(orig):
        def host_read(self, *args, **kwargs):
            # only pinned host memory is written asynchronously by the GPU (a
            # copy into pageable memory returns when it is done); GPU tensors
            # (loss.item() every step) and other CPU tensors take the short way
            try:
                pinned = _S.active and not self.is_cuda and self.is_cpu and self.is_pinned()
            except Exception:  # noqa: BLE001 - a tensor type without these: nothing to record
                pinned = False
            if not pinned:
                return orig(self, *args, **kwargs)
            return _call(label, orig, (self,) + args, kwargs, before, None)
        return host_read
    return make


def _install_host_reads(tensor_cls):
    if _S.rec.host_access is _noop:
        return 0  # a recorder without the entry point: no host reads
    n = 0
    for name in _HOST_READS:
        n += _wrap(tensor_cls, name, _host_read("Tensor." + name), "Tensor." + name)
    return n


def _install_mps_extras(be, prefix):
    """What only MPS needs from the API layer (CUDA's backend hooks see it)."""
    mod = be.mod
    n = 0
    for name in ("getStreamFromPool", "get_stream_from_pool"):
        n += _wrap(mod, name, _stream_from_pool(prefix + "." + name, be), prefix + "." + name)
    event_cls = getattr(mod, "Event", None)
    if isinstance(event_cls, type):
        n += _wrap(event_cls, "query", _event_query(prefix + ".Event.query", be), prefix + ".Event.query")
    return n


def _install_backend(torch, be, prefix):
    mod = be.mod
    n = 0
    if be.name == "mps":
        n += _install_mps_extras(be, prefix)
    n += _wrap(mod, "synchronize", _sync_device(prefix + ".synchronize", be), prefix + ".synchronize")
    n += _wrap(mod, "set_stream", _set_stream(prefix + ".set_stream", be), prefix + ".set_stream")
    ctx = getattr(mod, "StreamContext", None)
    if isinstance(ctx, type):
        n += _wrap(ctx, "__enter__", _stream_change(prefix + ".StreamContext.__enter__", be), prefix + ".StreamContext.__enter__")
        n += _wrap(ctx, "__exit__", _stream_change(prefix + ".StreamContext.__exit__", be), prefix + ".StreamContext.__exit__")
    stream_cls = getattr(mod, "Stream", None)
    if isinstance(stream_cls, type):
        n += _wrap(stream_cls, "synchronize", _sync_obj(prefix + ".Stream.synchronize", SCOPE_STREAM, be.stream_handle),
                   prefix + ".Stream.synchronize")
    event_cls = getattr(mod, "Event", None)
    if isinstance(event_cls, type):
        ev = prefix + ".Event."
        n += _wrap(event_cls, "__new__", _event_new(ev + "__new__"), ev + "__new__")
        n += _wrap(event_cls, "record", _event_intent(ev + "record", "intent_record", be), ev + "record")
        n += _wrap(event_cls, "wait", _event_intent(ev + "wait", "intent_wait", be), ev + "wait")
        n += _wrap(event_cls, "synchronize", _sync_obj(ev + "synchronize", SCOPE_EVENT, be.event_handle), ev + "synchronize")
        n += _wrap(event_cls, "elapsed_time", _elapsed(ev + "elapsed_time", be), ev + "elapsed_time")
    return n


def _install_accelerator(torch, be):
    acc = getattr(torch, "accelerator", None)
    if acc is None:
        return 0
    n = _wrap(acc, "synchronize", _sync_device("torch.accelerator.synchronize", be), "torch.accelerator.synchronize")
    n += _wrap(acc, "set_stream", _set_stream("torch.accelerator.set_stream", be), "torch.accelerator.set_stream")
    return n


# ---- level full: tensor accesses and block lifetimes ------------------------

def _extent(t):
    """(first byte, byte count) of a strided view inside its storage: its
    real extent, not its data pointer (negative strides included)."""
    es = t.element_size()
    lo = hi = t.storage_offset()
    if t.is_contiguous():
        return lo * es, t.numel() * es
    for size, stride in zip(t.shape, t.stride()):
        if size == 0:
            return lo * es, 0
        if stride > 0:
            hi += (size - 1) * stride
        else:
            lo += (size - 1) * stride
    return lo * es, (hi - lo + 1) * es


class _Schema:
    """Per op overload: which positional/keyword tensor arguments it writes
    (alias_info.is_write), and whether its returns are fresh tensors."""
    __slots__ = ("args", "fresh_returns", "name", "touches")

    # ops that allocate or re-describe storage without touching its bytes
    # ops that launch no kernel on their tensors' bytes (record_stream's
    # `self` is marked written in its schema, but it only tells the allocator)
    _NO_DATA = ("empty", "new_empty", "empty_strided", "new_empty_strided", "empty_like", "resize_", "set_",
                "_local_scalar_dense", "record_stream")
    # in-place ops that overwrite `self` without reading it: written, not read and written
    _OVERWRITE = ("copy_", "fill_", "zero_", "normal_", "uniform_", "random_", "exponential_", "geometric_",
                  "log_normal_", "cauchy_", "bernoulli_")

    def __init__(self, func):
        sch = func._schema
        self.name = _b(str(getattr(func, "__name__", None) or sch.name))
        self.args = []
        any_write = False
        overwrites = sch.name.split("::")[-1] in self._OVERWRITE
        for i, a in enumerate(sch.arguments):
            ai = a.alias_info
            w = bool(ai is not None and ai.is_write)
            any_write = any_write or w
            if "Tensor" not in str(a.type):
                continue  # scalars, sizes, dtypes: nothing to look at per call
            kwonly = bool(getattr(a, "kwarg_only", False))
            # an out= argument is written only; an in-place self is read and written,
            # unless the op overwrites it (copy_, fill_, ...)
            mode = (MODE_WRITE if kwonly or overwrites else MODE_RW) if w else MODE_READ
            self.args.append((i, a.name, mode, kwonly))
        # a return with alias info is an input (already counted); others are new
        self.fresh_returns = [r.alias_info is None for r in sch.returns]
        # a view op (returns alias an input, nothing written) launches nothing
        is_view = not any_write and any(r.alias_info is not None for r in sch.returns)
        base = sch.name.split("::")[-1]
        self.touches = not is_view and base not in self._NO_DATA


def _make_mode(torch, be):
    from torch.utils._python_dispatch import TorchDispatchMode  # noqa: PLC0415 - only at level full

    import operator  # noqa: PLC0415

    schemas = {}
    tensor_t = torch.Tensor
    strided = torch.strided
    on_gpu = operator.attrgetter("is_" + be.name)  # t.is_cuda: one C attribute, no device object
    stream_for = getattr(be, "stream_for", None) or (lambda t: be.current_stream(t.device))
    pending = {}  # block ptr -> stream current when torch allocated it (size not known yet)
    alive = {}  # block ptr -> its stream, once its alloc record is written

    def tensors(x):
        if isinstance(x, tensor_t):
            yield x
        elif isinstance(x, (list, tuple)):
            for y in x:
                if isinstance(y, tensor_t):
                    yield y

    class AccessMode(TorchDispatchMode):
        disabled = False

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if self.disabled or not _S.active or not hasattr(func, "_schema"):
                return func(*args, **kwargs)
            rec = _S.rec
            try:
                sch = schemas.get(func)
                if sch is None:
                    sch = schemas[func] = _Schema(func)
                prev = _push_site(rec, 1)
                stream = None
                emit = _access_sink(rec)
                op = sch.name
                seen = None
                for i, name, mode, kwonly in (sch.args if sch.touches else ()):
                    v = kwargs.get(name) if (kwonly or i >= len(args)) else args[i]
                    if v is None:
                        continue
                    for t in (v,) if isinstance(v, tensor_t) else tensors(v):
                        if not on_gpu(t) or t.layout is not strided:
                            continue
                        if stream is None:
                            stream = stream_for(t)
                        off, n = _extent(t)
                        if n:
                            base = (t.data_ptr() - t.storage_offset() * t.element_size()) & _MASK
                            key = (base + off, n, mode)
                            if seen is None:
                                seen = {key}
                            elif key in seen:
                                continue  # the same view passed twice (cat([x, x]))
                            else:
                                seen.add(key)
                            emit((base + off) & _MASK, n, base, stream, op, mode)
            except Exception as e:  # noqa: BLE001
                _fail("tensor access (%s)" % getattr(func, "__name__", func), e)
                return func(*args, **kwargs)
            try:
                out = func(*args, **kwargs)
            except BaseException:
                if prev is not None:
                    rec.pop_site(prev)
                raise
            try:
                outs = out if isinstance(out, (list, tuple)) else (out,)
                for k, o in enumerate(outs):
                    fresh = sch.fresh_returns[k] if k < len(sch.fresh_returns) else True
                    if not fresh:
                        continue
                    for t in (o,) if isinstance(o, tensor_t) else tensors(o):
                        if not on_gpu(t) or t.layout is not strided:
                            continue
                        if stream is None:
                            stream = stream_for(t)
                        base = (t.data_ptr() - t.storage_offset() * t.element_size()) & _MASK
                        if pending:
                            bstream = pending.pop(base, None)
                            if bstream is not None:
                                rec.alloc(base, int(t.untyped_storage().nbytes()), bstream, MEM_TORCH_BLOCK)
                                alive[base] = bstream
                        if not sch.touches:
                            continue
                        off, n = _extent(t)
                        if n:
                            emit((base + off) & _MASK, n, base, stream, op, MODE_WRITE)
            except Exception as e:  # noqa: BLE001
                _fail("tensor access (%s)" % getattr(func, "__name__", func), e)
            if prev is not None:
                rec.pop_site(prev)
            return out

    return AccessMode, (pending, alive)


def _access_sink(rec):
    """Where an op's accesses go: to the trace, or, while this thread
    captures a CUDA graph (the ops do not run then), to the graph's list, to
    be emitted at each replay on the stream it is replayed on."""
    cap = getattr(_S.tls, "capture", None)
    if cap is None:
        return rec.tensor_access
    return lambda ptr, n, base, stream, op, mode: cap.append((ptr, n, base, op, mode))


def _install_graphs(graph_cls, be, native=None):
    """CUDAGraph capture/replay at level full: accesses captured with the
    graph are emitted again at each replay (a replay is one launch the
    dispatch mode never sees), so a replay on a side stream read on another
    stream without a wait is a race the trace shows."""
    def begin(orig):
        def capture_begin(self, *args, **kwargs):
            out = orig(self, *args, **kwargs)
            if native is not None:
                native.capture_begin()
            else:
                _S.tls.capture = []
            return out
        return capture_begin

    def end(orig):
        def capture_end(self, *args, **kwargs):
            if native is not None:
                cap = native.capture_end()  # the observer's list, kept for the process
            else:
                cap = getattr(_S.tls, "capture", None) or []
                _S.tls.capture = None
            try:
                self._mpstrace_accesses = cap
            except Exception:  # noqa: BLE001 - a graph object without __dict__
                pass
            return orig(self, *args, **kwargs)
        return capture_end

    def replay(orig):
        def replay(self, *args, **kwargs):
            accs = getattr(self, "_mpstrace_accesses", None)
            if accs and _S.active:
                rec = _S.rec
                try:
                    prev = _push_site(rec, 1)
                    stream = be.current_stream()
                    if native is not None:
                        native.replay(accs, stream)
                    else:
                        for ptr, n, base, op, mode in accs:
                            rec.tensor_access(ptr, n, base, stream, op, mode)
                    if prev is not None:
                        rec.pop_site(prev)
                except Exception as e:  # noqa: BLE001
                    _fail("graph replay", e)
            return orig(self, *args, **kwargs)
        return replay

    _wrap(graph_cls, "capture_begin", begin, "CUDAGraph.capture_begin")
    _wrap(graph_cls, "capture_end", end, "CUDAGraph.capture_end")
    _wrap(graph_cls, "replay", replay, "CUDAGraph.replay")


def _install_lifetimes(torch, be, blocks, native=None):
    """Block lifetimes from torch's GPU trace callbacks (CUDA only): the
    allocation callback gives the block pointer only, so its size is taken
    from the first op output that uses it (in the dispatch mode); the free
    names the stream the block was allocated on."""
    if be.name != "cuda":
        return False
    try:  # a submodule torch.cuda does not import itself
        import importlib  # noqa: PLC0415
        trace = importlib.import_module(torch.cuda.__name__ + "._gpu_trace")
    except ImportError:
        trace = None
    activate = getattr(torch._C, "_activate_gpu_trace", None)
    if trace is None or activate is None:
        return False
    pending, alive = blocks if blocks is not None else ({}, {})

    def on_alloc(ptr, *_rest):
        if not _S.active:
            return
        try:
            pending[int(ptr) & _MASK] = be.current_stream()
        except Exception as e:  # noqa: BLE001
            _fail("allocation callback", e)

    def on_free(ptr, *_rest):
        if not _S.active:
            return
        try:
            p = int(ptr) & _MASK
            pending.pop(p, None)
            s = alive.pop(p, None)
            if s is not None:  # blocks never sized by an op have no alloc record
                _S.rec.free(p, s, MEM_TORCH_BLOCK)
        except Exception as e:  # noqa: BLE001
            _fail("deallocation callback", e)

    if native is not None:  # ctypes functions: the observer pairs blocks with op outputs itself
        on_alloc, on_free = native.block_alloc, native.block_free
    trace.register_callback_for_memory_allocation(on_alloc)
    trace.register_callback_for_memory_deallocation(on_free)
    activate()
    return True


def _enter_mode_in_new_threads(mode_cls):
    """A dispatch mode is per thread: threads started after install enter
    their own (the autograd engine's threads inherit the caller's)."""
    orig = threading.Thread._bootstrap_inner

    def _bootstrap_inner(self):
        m = None
        if _S.active:
            try:
                m = mode_cls()
                m.__enter__()
            except Exception as e:  # noqa: BLE001
                _fail("dispatch mode in thread", e)
                m = None
        try:
            return orig(self)
        finally:
            if m is not None:
                try:
                    m.__exit__(None, None, None)
                except Exception:  # noqa: BLE001
                    pass
    _bootstrap_inner.__wrapped__ = orig
    threading.Thread._bootstrap_inner = _bootstrap_inner


# ---- level full: which per-op hook --------------------------------------------

_DEVICE_TYPES = {"cpu": 0, "cuda": 1}  # c10::DeviceType of the backends the C++ observer serves


def _classify(code, f_globals):
    """For the C++ observer, once per code object: None for plumbing, else
    the (symbol, file) a site of this code names."""
    e = _code_entry(code, f_globals)
    return None if e[1] else (e[2], e[3])


def _native_lib(torch, be, notes, what):
    """The C++ library (mpstrace/torch_hook.cpp: the op observer and the
    allocator's block lifetimes), built on first use, once per process; None
    (with the reason in `notes`) when MPSTRACE_TORCH_HOOK=python or it cannot
    be built or loaded here."""
    if _S.lib is not None:
        return _S.lib
    from . import _torch_native  # noqa: PLC0415

    choice, warn = _torch_native.hook_choice()
    if warn and warn not in notes:
        notes.append(warn)
    if choice == "python":
        return None
    if be.name not in _DEVICE_TYPES:
        notes.append("C++ %s: not for %s" % (what, be.name))
        return None
    try:
        _S.lib = _torch_native.load(torch, sys.stderr)
    except Exception as e:  # noqa: BLE001 - no compiler, no headers, a torch it does not build for
        why = str(e)
        if what != "op observer":  # the build's own words are about the observer's fallback
            why = why.replace("; the Python dispatch mode is used instead", "").replace(
                " (the Python dispatch mode is used instead)", "")
        notes.append("C++ %s unavailable (%s: %s)" % (what, type(e).__name__, why[:300]))
        return None
    return _S.lib


def _native_observer(torch, be, notes):
    """The C++ op observer (mpstrace/torch_hook.cpp), built on first use, or
    None (with the reason in `notes`) when MPSTRACE_TORCH_HOOK=python or it
    cannot be built or loaded here."""
    native = _native_lib(torch, be, notes, "op observer")
    if native is None:
        if notes and notes[-1].startswith("C++ op observer"):
            notes[-1] += ", Python dispatch mode instead"
        return None
    try:
        native.install(_DEVICE_TYPES[be.name], _S.level, _classify)
    except Exception as e:  # noqa: BLE001 - a torch it does not build for
        notes.append("C++ op observer unavailable (%s: %s), Python dispatch mode instead" % (
            type(e).__name__, str(e)[:300]))
        return None
    import atexit  # noqa: PLC0415

    # no Python frames to walk once the interpreter is finalizing
    atexit.register(native.set_active, False)
    return native


def _install_cpp_lifetimes(torch, be, lib, notes):
    """Block lifetimes from the CUDA caching allocator's trace tracker (C++:
    no Python per allocation or free). Its trackers attach to the devices the
    allocator has set up, so the attach runs once CUDA is initialized
    (torch.cuda._lazy_call: at once when it already is). False when this
    build has no tracker (no CUDA headers) or torch lacks the hook point."""
    if be.name != "cuda" or lib is None or not getattr(lib, "lifetimes_available", False):
        return False
    cuda = torch.cuda
    lazy = getattr(cuda, "_lazy_call", None)
    if lazy is None:
        return False
    level = _S.level

    def attach():
        # runs inside torch's CUDA initialization: never raise into it
        try:
            if not _S.failed:
                lib.lifetimes_attach(level)
        except Exception:  # noqa: BLE001
            pass
    lazy(attach)
    _S.lib, _S.lifetimes = lib, "cpp"
    import atexit  # noqa: PLC0415

    # frees while the interpreter and the recorder shut down say nothing
    atexit.register(lib.lifetimes_set_active, False)
    return True


def _install_api_lifetimes(torch, be, notes):
    """Level api's block lifetimes: only from C++. Without the C++ library
    (MPSTRACE_TORCH_HOOK=python, no compiler or headers, no CUDA headers)
    there are none: torch's Python GPU-trace callbacks would run Python on
    every allocation and free, per-op work this level does not do."""
    if be.name != "cuda":
        return
    lib = _native_lib(torch, be, notes, "block lifetimes")
    if _install_cpp_lifetimes(torch, be, lib, notes):
        notes.append("block lifetimes: C++ allocator trace tracker")
    elif lib is not None:
        notes.append("block lifetimes: none at level api (this build of the C++ library has no allocator "
                     "trace tracker: CUDA headers not found)")
    else:
        notes.append("block lifetimes: none at level api (no C++ library)")


def _install_full(torch, be, notes):
    """Level full: per-op accesses from the C++ observer when it is there,
    else from a TorchDispatchMode; block lifetimes; CUDA graph replays."""
    native = _native_observer(torch, be, notes)
    graph_cls = getattr(getattr(torch, "cuda", None), "CUDAGraph", None)
    if native is not None:
        _S.native, _S.hook = native, "cpp"
        if _install_cpp_lifetimes(torch, be, native, notes):
            notes.append("block lifetimes: C++ allocator trace tracker")
        elif _install_lifetimes(torch, be, None, native=native):
            _S.lifetimes = "gputrace"
            notes.append("block lifetimes from torch GPU trace")
        if graph_cls is not None and be.name == "cuda":
            _install_graphs(graph_cls, be, native=native)
        _S.wrapped.append("RecordFunction observer (C++)")
        notes.append("per-op hook: C++ RecordFunction observer")
        return
    _S.hook = "python"
    mode_cls, blocks = _make_mode(torch, be)
    if _install_lifetimes(torch, be, blocks):
        _S.lifetimes = "gputrace"
        notes.append("block lifetimes from torch GPU trace")
    if graph_cls is not None and be.name == "cuda":
        _install_graphs(graph_cls, be)
    _S.mode = mode_cls()
    _S.mode.__enter__()
    _enter_mode_in_new_threads(mode_cls)
    _S.wrapped.append("TorchDispatchMode")
    notes.append("per-op hook: Python dispatch mode")


def hook():
    """The per-op hook level full runs in this process: 'cpp', 'python', or
    None below level full."""
    return _S.hook if _S.active else None


def set_active(on):
    """Turns the installed layer off in this process (every wrapper calls
    straight through, the C++ op observer and allocator tracker and the
    dispatch mode stop recording) or on again; returns whether it was on.
    For measuring the layer's own cost in one process, beside the recorder's
    `pause` (bench/cuda/overhead.py --paired): the wrappers stay in place, so
    off still costs one Python check per wrapped call, and what happened
    while off is missing from the trace. A layer that stepped aside after a
    failure, or was never installed, stays off (returns False)."""
    was = _S.active
    if _S.failed or _S.level == 0 or not _S.wrapped:
        return False
    on = bool(on)
    _S.active = on
    if _S.mode is not None:
        _S.mode.disabled = not on
    if _S.native is not None:
        _S.native.set_active(on)
    if _S.lib is not None and _S.lifetimes == "cpp":
        _S.lib.lifetimes_set_active(on)
    return was


# ---- install ----------------------------------------------------------------

def _level_from_env():
    v = os.environ.get("MPSTRACE_TORCH", "").strip().lower()
    if not v:
        return DEFAULT_LEVEL, None
    if v in LEVELS:
        return v, None
    return DEFAULT_LEVEL, "MPSTRACE_TORCH=%r is not one of off, api, full: using %s" % (v, DEFAULT_LEVEL)


def install(torch_module=None, level=None, recorder=None):
    """Wraps torch's public stream/event/sync API (idempotent). Returns the
    names wrapped. No-op ([]) at level off, without torch, or when no
    recorder is loaded. `torch_module`, `recorder`: for tests."""
    warn = None
    if level is None:
        level, warn = _level_from_env()
    if level not in LEVELS:
        raise ValueError("mpstrace.torch: level must be one of off, api, full, not %r" % (level,))
    if LEVELS[level] == 0:
        return []
    if _S.active or _S.failed:
        return list(_S.wrapped)
    rec = recorder if recorder is not None else Recorder()
    if not rec.ok:
        return []
    if torch_module is None:
        torch_module = sys.modules.get("torch")
        if torch_module is None:
            try:
                import torch as torch_module  # noqa: PLC0415 - torch is optional
            except Exception:  # noqa: BLE001 - no torch: nothing to wrap
                return []
    global _PLUMBING
    _PLUMBING = _plumbing_dirs(torch_module)
    _plumbing_cache.clear()
    _S.rec, _S.level, _S.torch = rec, LEVELS[level], torch_module
    _S.active = True
    version = str(getattr(torch_module, "__version__", "?"))
    notes = [warn] if warn else []
    try:
        backends = []
        # built-in support, not a device probe: no CUDA call while torch is imported
        cuda = getattr(torch_module, "cuda", None)
        cuda_ok = getattr(cuda, "_is_compiled", None) or getattr(cuda, "is_available", None)
        if cuda is not None and cuda_ok is not None and cuda_ok():
            backends.append((_Cuda(torch_module), "torch.cuda"))
        mps = getattr(torch_module, "mps", None)
        mps_ok = getattr(getattr(getattr(torch_module, "backends", None), "mps", None), "is_built", lambda: False)
        if mps is not None and mps_ok() and getattr(mps, "synchronize", None) is not None:
            backends.append((_Mps(torch_module, rec), "torch.mps"))
        for be, prefix in backends:
            _install_backend(torch_module, be, prefix)
        if backends:
            be = backends[0][0]
            _S.backend = be
            _install_accelerator(torch_module, be)
            tensor_cls = getattr(torch_module, "Tensor", None)
            if tensor_cls is not None:
                _wrap(tensor_cls, "record_stream", _record_stream("Tensor.record_stream", be), "Tensor.record_stream")
                if isinstance(be, _Cuda):
                    _install_host_reads(tensor_cls)
            if _S.level >= LEVELS["full"]:
                _install_full(torch_module, be, notes)
            else:
                _install_api_lifetimes(torch_module, be, notes)
        else:
            notes.append("no CUDA or MPS device: nothing wrapped")
    except Exception as e:  # noqa: BLE001 - the layer's failure: step aside
        _fail("install", e)
        return list(_S.wrapped)
    if getattr(rec, "fast", None):
        notes.append("recorder called through C built-ins")
    msg = "torch %s, level %s, %s: %d entry points wrapped%s" % (
        version, level, "+".join(b.name for b, _ in backends) or "no backend", len(_S.wrapped),
        ("; " + "; ".join(notes)) if notes else "")
    try:
        rec.api_layer(_S.level, 1, _b(msg))
    except Exception:  # noqa: BLE001
        pass
    return list(_S.wrapped)


def _reset_for_tests():
    """Undoes install() on the fake torch of a test (not for programs)."""
    if _S.native is not None:
        try:
            _S.native.remove()
        except Exception:  # noqa: BLE001
            pass
    if _S.mode is not None:
        try:
            _S.mode.__exit__(None, None, None)
        except Exception:  # noqa: BLE001
            pass
    t = getattr(threading.Thread._bootstrap_inner, "__wrapped__", None)
    if t is not None:
        threading.Thread._bootstrap_inner = t
    _S.__init__()
    _busy.clear()
