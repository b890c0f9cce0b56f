"""mpstrace annotation API for Python.

Declares what a runtime means to do, for what no API hook can see: pool slot
acquire/release/set-current, whole-device syncs, the stream an event record
or wait was requested on, named ranges and markers, buffer reads/writes.

Works when the recorder library is already loaded into the process
(``mpstrace record -- python3 prog.py``, or ``LD_PRELOAD=.../libmpstrace_cuda.so``
with ``PYTHONPATH=.../instrumentation/python``). Without it every function is
a cheap no-op, so programs can call it unconditionally.

Streams and events are integers: ``torch.cuda.Stream.cuda_stream``,
``torch.cuda.Event.cuda_event`` (or any int handle for other backends).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from typing import Iterator, Optional

__all__ = [
    "enabled", "slot_acquire", "slot_release", "slot_set_current",
    "device_sync_begin", "device_sync_end", "device_sync",
    "intent_record", "intent_wait", "range_push", "range_pop", "range",
    "marker", "buffer_access", "object_create", "object_destroy",
]

from . import _schema

# ctypes types of the annotation table's parameter types; the table itself
# (_schema.ANNOTATIONS) is generated from instrumentation/schema/events.json
_CTYPES = {"void": None, "int": ctypes.c_int, "u32": ctypes.c_uint32, "i32": ctypes.c_int32, "u64": ctypes.c_uint64,
           "i64": ctypes.c_int64, "str": ctypes.c_char_p, "ptr": ctypes.c_void_p}
_SIGNATURES = {name: (_CTYPES[res], [_CTYPES[t] for t in params])
               for name, (res, params) in _schema.ANNOTATIONS.items()}

# Frames that are plumbing, not the caller a finding should name: this package
# (and mpstrace.mps), contextlib's generator wrappers, and modules that set
# `__mpstrace_skip__ = True` (their own thin wrappers around this API).
# co_filename holds the path the module was imported under (maybe relative or
# with ".."), so match that form as well as the absolute one
_PKG_DIRS = tuple({os.path.dirname(__file__) + os.sep, os.path.dirname(os.path.abspath(__file__)) + os.sep})
_CONTEXTLIB = contextlib.__file__


def _caller_site(set_site) -> None:
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not (fn.startswith(_PKG_DIRS) or fn == _CONTEXTLIB or f.f_globals.get("__mpstrace_skip__")):
            set_site(f.f_code.co_name.encode("utf-8", "replace"), fn.encode("utf-8", "replace"), f.f_lineno)
            return
        f = f.f_back


def _with_site(fn, set_site):
    """Each annotation names its Python caller (function, file, line) as its
    call site; seen from C, every call would come from libffi."""
    def call(*args):
        _caller_site(set_site)
        return fn(*args)
    return call


def _load() -> dict:
    """The recorder's mpstrace_impl_* functions, looked up in the already
    loaded process image (never loads a library itself)."""
    try:
        proc = ctypes.PyDLL(None)  # keeps the GIL: each entry point only writes a record
    except OSError:
        return {}
    fns = {}
    for name, (res, args) in _SIGNATURES.items():
        try:
            f = getattr(proc, "mpstrace_impl_" + name)
        except AttributeError:
            return {}
        f.restype, f.argtypes = res, args
        fns[name] = f
    set_site = fns.pop("set_site")
    for name in fns:
        if name not in ("enabled", "push_site", "pop_site"):  # not annotations themselves
            fns[name] = _with_site(fns[name], set_site)
    return fns


_fns = _load()
_ACCESS = _schema.ENUMS["access_mode"]
_MODES = {"r": _ACCESS["read"], "w": _ACCESS["write"], "rw": _ACCESS["read_write"], **_ACCESS,
          **{v: v for v in _ACCESS.values()}}


def _b(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else str(s).encode("utf-8", "replace")


def _h(x) -> int:
    """A handle as the unsigned 64-bit value the trace stores."""
    return int(x or 0) & 0xFFFFFFFFFFFFFFFF


def enabled() -> bool:
    """True when a recorder is loaded and recording."""
    return bool(_fns) and bool(_fns["enabled"]())


def slot_acquire(slot: int, stream: int, free_after: int = -1, wait_ns: int = 0) -> None:
    """A pool slot and its stream became owned by the calling thread."""
    if _fns:
        _fns["slot_acquire"](slot, _h(stream), free_after, wait_ns)


def slot_release(slot: int, stream: int, free_after: int = -1, at_thread_exit: bool = False) -> None:
    """The slot went back to the pool (at_thread_exit: from a thread-exit hook)."""
    if _fns:
        _fns["slot_release"](slot, _h(stream), free_after, 1 if at_thread_exit else 0)


def slot_set_current(slot: int, stream: int, prev_slot: int = -1) -> None:
    """The thread's current stream was set to a slot's stream without an acquire."""
    if _fns:
        _fns["slot_set_current"](slot, _h(stream), prev_slot)


def device_sync_begin(name: str = "device_sync") -> None:
    """Start of an operation meant to synchronize the whole device."""
    if _fns:
        _fns["device_sync_begin"](_b(name))


def device_sync_end(name: str = "device_sync") -> None:
    if _fns:
        _fns["device_sync_end"](_b(name))


@contextlib.contextmanager
def device_sync(name: str = "device_sync") -> Iterator[None]:
    """``with mpstrace.device_sync("empty_cache"): ...``"""
    device_sync_begin(name)
    try:
        yield
    finally:
        device_sync_end(name)


def intent_record(event: int, stream: int) -> None:
    """The caller asked to record ``event`` on ``stream``."""
    if _fns:
        _fns["intent_record"](_h(event), _h(stream))


def intent_wait(event: int, stream: int) -> None:
    """The caller asked ``stream`` to wait for ``event``."""
    if _fns:
        _fns["intent_wait"](_h(event), _h(stream))


def range_push(name: str) -> None:
    if _fns:
        _fns["range_push"](_b(name))


def range_pop() -> None:
    if _fns:
        _fns["range_pop"]()


@contextlib.contextmanager
def range(name: str) -> Iterator[None]:  # noqa: A001 - the API's name
    """``with mpstrace.range("step"): ...``"""
    range_push(name)
    try:
        yield
    finally:
        range_pop()


def marker(name: str) -> None:
    if _fns:
        _fns["marker"](_b(name))


def buffer_access(ptr: int, nbytes: int, stream: int, mode="rw") -> None:
    """The next launch on ``stream`` reads ('r'), writes ('w') or both ('rw')
    ``nbytes`` at ``ptr`` (e.g. ``tensor.data_ptr()``)."""
    if _fns:
        m = _MODES.get(mode)
        if m is None:
            raise ValueError(f"mpstrace.buffer_access: mode must be 'r', 'w' or 'rw', not {mode!r}")
        _fns["buffer_access"](_h(ptr), int(nbytes), _h(stream), m)


_OBJECT_TYPES = _schema.ENUMS["object_type"]


def _object_type(t) -> int:
    if isinstance(t, int):
        return t
    try:
        return _OBJECT_TYPES[t]
    except KeyError:
        raise ValueError(f"mpstrace: object type must be one of {sorted(_OBJECT_TYPES)}, not {t!r}") from None


def object_create(obj: int, owner: int, nbytes: int, type="other") -> None:
    """A backend object came alive, held by ``owner`` (a stream or pool
    handle); the retained-buffer rule reports objects that outlive it."""
    if _fns:
        _fns["object_create"](_h(obj), _h(owner), int(nbytes), _object_type(type))


def object_destroy(obj: int, type="other") -> None:
    if _fns:
        _fns["object_destroy"](_h(obj), _object_type(type))
