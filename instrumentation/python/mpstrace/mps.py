"""PyTorch MPS companion of the Metal recorder.

The Metal dylib sees Metal objects (queues, command buffers, shared events);
it cannot see which PyTorch API call caused them. `install()` wraps the
torch.mps entry points so that API-level intent lands in the same trace, on
the same clock and thread ids (the records are written by the preloaded
recorder's C runtime through the annotation API):

- ``torch.mps.synchronize``: intent_device_sync_begin/end around a host sync
  (scope device);
- ``torch.mps.Event.record`` / ``wait``: intent_record / intent_wait on the
  stream the caller asked for (the thread's current stream when none is given);
- ``torch.mps.Event.synchronize``: a host sync (scope event);
  ``query``: event_query; ``elapsed_time``: elapsed_begin/elapsed_end, so a
  call that never returns (no timing enabled) stays visible;
- stream APIs where this torch has them (``getStreamFromPool``,
  ``get_stream_from_pool``, ``set_stream``): slot_acquire / slot_set_current.

Handles. Streams are named by the Metal recorder's handle for the PyTorch
stream ordinal (the MTLCommandQueue pointer, from the dylib's
``mpstrace_metal_stream_handle``) so intents and Metal records agree; without
the dylib the ordinal itself is used. Events are PyTorch's MPS event ids: the
Python side cannot see the MTLSharedEvent behind them, so an analysis matches
intent and Metal records by thread and order, not by event handle.

Imports cleanly without torch and without a recorder (every call is then a
no-op). Nothing here has run against torch on Apple hardware yet.
"""

import ctypes
import functools
import importlib
import sys
import threading

__all__ = ["install", "installed"]

from . import _CTYPES, _schema

SCOPE_DEVICE, SCOPE_STREAM, SCOPE_EVENT = (_schema.ENUMS["sync_scope"][s] for s in ("device", "stream", "event"))

# The annotation entry points this module calls (signatures: _schema.ANNOTATIONS,
# generated from instrumentation/schema/events.json).
_C_ENTRIES = ("slot_acquire", "slot_set_current", "device_sync_begin", "device_sync_end", "intent_record",
              "intent_wait", "sync_begin", "sync_end", "event_query", "elapsed_begin", "elapsed_end")

_WRAPPED = "__mpstrace_wrapped__"
_current = threading.local()  # .ordinal: this thread's current stream, as set through set_stream


def _noop(*_args):
    return None


def _c_entry(lib, name):
    try:
        fn = getattr(lib, "mpstrace_impl_" + name)
    except AttributeError:
        return None
    sig = [_CTYPES[t] for t in _schema.ANNOTATIONS[name][1]]
    fn.argtypes, fn.restype = sig, None

    def call(*args):
        fn(*[a.encode() if t is ctypes.c_char_p and isinstance(a, str) else a for a, t in zip(args, sig)])
    return call


class _Api:
    """The annotation calls this module makes, bound once: the package's own
    Python functions when it has them, else the preloaded recorder's C entry
    points, else no-ops."""

    def __init__(self, lib=None):
        pkg = sys.modules.get(__package__) if __package__ else None
        if pkg is None and __package__:
            try:
                pkg = importlib.import_module(__package__)
            except Exception:  # noqa: BLE001 - a broken package means "no Python API"
                pkg = None
        if lib is None:
            try:
                lib = ctypes.CDLL(None)
            except OSError:
                lib = None
        for name in _C_ENTRIES:
            fn = getattr(pkg, name, None) if pkg is not None else None
            if not callable(fn):
                fn = _c_entry(lib, name) if lib is not None else None
            setattr(self, name, fn or _noop)
        handle = getattr(lib, "mpstrace_metal_stream_handle", None) if lib is not None else None
        if handle is not None:
            handle.argtypes, handle.restype = [ctypes.c_int32], ctypes.c_uint64
        self._metal_handle = handle

    def stream_handle(self, ordinal):
        """The Metal recorder's handle for a stream ordinal (or the ordinal)."""
        if self._metal_handle is not None:
            h = self._metal_handle(int(ordinal))
            if h:
                return h
        return int(ordinal)


def _ordinal(stream):
    """PyTorch's stream id for a stream object; None for 'current stream'."""
    if stream is None:
        return None
    for attr in ("stream_id", "id"):
        v = getattr(stream, attr, None)
        if isinstance(v, int):
            return v
    if isinstance(stream, int):
        return stream
    return None


def _current_ordinal():
    return getattr(_current, "ordinal", 0)


def _event_id(event):
    """PyTorch's MPS event id (torch/mps/event.py keeps it name-mangled)."""
    for attr in ("_Event__eventId", "event_id", "_event_id"):
        v = getattr(event, attr, None)
        if isinstance(v, int):
            return v
    return id(event)


def _stream_arg(args, kwargs):
    if "stream" in kwargs:
        return kwargs["stream"]
    return args[0] if args else None


def _wrap(owner, name, make):
    orig = getattr(owner, name, None)
    if orig is None or getattr(orig, _WRAPPED, False):
        return False
    wrapper = make(orig)
    setattr(wrapper, _WRAPPED, True)
    wrapper.__wrapped__ = orig
    setattr(owner, name, wrapper)
    return True


def _host_sync(api, target, scope, label, orig, *args, **kwargs):
    api.sync_begin(target, scope, label)
    result = 1
    try:
        value = orig(*args, **kwargs)
        result = 0
        return value
    finally:
        api.sync_end(target, scope, label, result)


def _wrap_synchronize(api, mps):
    def make(orig):
        @functools.wraps(orig)
        def synchronize(*args, **kwargs):
            label = "torch.mps.synchronize"
            api.device_sync_begin(label)
            try:
                return _host_sync(api, 0, SCOPE_DEVICE, label, orig, *args, **kwargs)
            finally:
                api.device_sync_end(label)
        return synchronize
    return _wrap(mps, "synchronize", make)


def _wrap_event(api, event_cls):
    done = []

    def record_make(orig):
        @functools.wraps(orig)
        def record(self, *args, **kwargs):
            ordinal = _ordinal(_stream_arg(args, kwargs))
            api.intent_record(_event_id(self), api.stream_handle(_current_ordinal() if ordinal is None else ordinal))
            return orig(self, *args, **kwargs)
        return record

    def wait_make(orig):
        @functools.wraps(orig)
        def wait(self, *args, **kwargs):
            ordinal = _ordinal(_stream_arg(args, kwargs))
            api.intent_wait(_event_id(self), api.stream_handle(_current_ordinal() if ordinal is None else ordinal))
            return orig(self, *args, **kwargs)
        return wait

    def synchronize_make(orig):
        @functools.wraps(orig)
        def synchronize(self, *args, **kwargs):
            return _host_sync(api, _event_id(self), SCOPE_EVENT, "torch.mps.Event.synchronize", orig, self, *args, **kwargs)
        return synchronize

    def query_make(orig):
        @functools.wraps(orig)
        def query(self, *args, **kwargs):
            ready = orig(self, *args, **kwargs)
            api.event_query(_event_id(self), 0 if ready else 1)
            return ready
        return query

    def elapsed_make(orig):
        @functools.wraps(orig)
        def elapsed_time(self, end_event, *args, **kwargs):
            start, end = _event_id(self), _event_id(end_event)
            api.elapsed_begin(start, end)
            try:
                ms = orig(self, end_event, *args, **kwargs)
            except BaseException:
                api.elapsed_end(start, end, -1, 1)
                raise
            api.elapsed_end(start, end, int(round(float(ms) * 1e6)), 0)
            return ms
        return elapsed_time

    for name, make in (("record", record_make), ("wait", wait_make), ("synchronize", synchronize_make),
                       ("query", query_make), ("elapsed_time", elapsed_make)):
        if _wrap(event_cls, name, make):
            done.append("Event." + name)
    return done


def _wrap_streams(api, mps):
    done = []

    def acquire_make(orig):
        @functools.wraps(orig)
        def get_stream_from_pool(*args, **kwargs):
            stream = orig(*args, **kwargs)
            ordinal = _ordinal(stream)
            if ordinal is not None:
                api.slot_acquire(ordinal, api.stream_handle(ordinal), -1, 0)
            return stream
        return get_stream_from_pool

    def set_make(orig):
        @functools.wraps(orig)
        def set_stream(stream, *args, **kwargs):
            value = orig(stream, *args, **kwargs)
            ordinal = _ordinal(stream)
            ordinal = 0 if ordinal is None else ordinal
            prev = getattr(_current, "ordinal", -1)
            _current.ordinal = ordinal
            api.slot_set_current(ordinal, api.stream_handle(ordinal), prev)
            return value
        return set_stream

    for name in ("getStreamFromPool", "get_stream_from_pool"):
        if _wrap(mps, name, acquire_make):
            done.append(name)
    if _wrap(mps, "set_stream", set_make):
        done.append("set_stream")
    return done


_installed = []


def install(torch_module=None, api=None):
    """Wraps the torch.mps entry points present in this torch (idempotent).

    Returns the list of wrapped names; empty when torch or torch.mps is
    missing. `torch_module` and `api` are for tests (a fake torch, a fake API).
    """
    if torch_module is None:
        try:
            import torch as torch_module  # noqa: PLC0415 - torch is optional
        except Exception:  # noqa: BLE001 - no torch: nothing to wrap
            return []
    mps = getattr(torch_module, "mps", None)
    if mps is None:
        return []
    api = api or _Api()
    done = []
    if _wrap_synchronize(api, mps):
        done.append("synchronize")
    event_cls = getattr(mps, "Event", None)
    if event_cls is not None:
        done += _wrap_event(api, event_cls)
    done += _wrap_streams(api, mps)
    _installed.extend(done)
    return done


def installed():
    """Names wrapped so far in this process."""
    return list(_installed)
