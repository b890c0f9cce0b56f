"""The mpstrace annotation API as the example programs use it.

Imports the real `mpstrace` module (instrumentation/python, on PYTHONPATH)
and falls back to no-ops when it is missing, so every program also runs
without the recorder. Calls the module does not have (yet) become no-ops
too, and `missing()` names them so a run's log says what was not recorded.
"""
import contextlib
import ctypes

# this module only forwards: annotations name the program line that called it
__mpstrace_skip__ = True

try:  # the recorder's module; a no-op itself when the library is not preloaded
    import mpstrace as _real
except Exception:  # noqa: BLE001 - any import failure means "no annotations"
    _real = None

_missing = []

# C entry points of the preloaded recorder (instrumentation/include/mpstrace.h
# resolves the same `mpstrace_impl_<name>` symbols), used when the Python
# module lacks a call or is not on PYTHONPATH.
_U32, _U64, _I32, _I64, _INT, _STR = (ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int32, ctypes.c_int64,
                                      ctypes.c_int, ctypes.c_char_p)
_C_SIGS = {
    "slot_acquire": [_U32, _U64, _I32, _I64],
    "slot_release": [_U32, _U64, _I32, _INT],
    "slot_set_current": [_U32, _U64, _I32],
    "device_sync_begin": [_STR],
    "device_sync_end": [_STR],
    "intent_record": [_U64, _U64],
    "intent_wait": [_U64, _U64],
    "range_push": [_STR],
    "range_pop": [],
    "marker": [_STR],
    "buffer_access": [ctypes.c_void_p, _U64, _U64, _INT],
    # proposed (not in mpstrace.h yet): object lifetimes for the retained-buffer rule
    "object_create": [_U64, _U64, _U64, _INT],
    "object_destroy": [_U64, _INT],
}
_DEFAULTS = {"slot_acquire": (-1, 0), "slot_release": (-1, 0), "slot_set_current": (-1,),
             "device_sync_begin": ("device_sync",), "device_sync_end": ("device_sync",)}


def _c_impl(name):
    try:
        fn = getattr(ctypes.CDLL(None), "mpstrace_impl_" + name)
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = _C_SIGS[name], None
    nfixed = len(_C_SIGS[name]) - len(_DEFAULTS.get(name, ()))

    def call(*args):
        args = list(args) + list(_DEFAULTS.get(name, ()))[len(args) - nfixed:]
        conv = []
        for a, t in zip(args, _C_SIGS[name]):
            conv.append(a.encode() if t is _STR and isinstance(a, str) else int(a) if t is not _STR else a)
        fn(*conv)
    return call


def _noop(*_args, **_kwargs):
    return None


def _bind(name):
    fn = getattr(_real, name, None) if _real is not None else None
    if fn is None:
        fn = _c_impl(name)
    if fn is None:
        _missing.append(name)
        return _noop
    return fn


slot_acquire = _bind("slot_acquire")
slot_release = _bind("slot_release")
slot_set_current = _bind("slot_set_current")
device_sync_begin = _bind("device_sync_begin")
device_sync_end = _bind("device_sync_end")
intent_record = _bind("intent_record")
intent_wait = _bind("intent_wait")
range_push = _bind("range_push")
range_pop = _bind("range_pop")
marker = _bind("marker")
buffer_access = _bind("buffer_access")
_object_create = _bind("object_create")
_object_destroy = _bind("object_destroy")

# object_type enum of instrumentation/schema/events.json, for an API that takes ints
OBJECT_TYPES = {"command_buffer": 1, "command_queue": 2, "shared_event": 3, "encoder": 4,
                "stream": 5, "event": 6, "graph": 7, "other": 8}


def _with_type(fn, args, type_name):
    # the proposed API takes the type by name; accept an int-typed one too
    try:
        return fn(*args, type_name)
    except (TypeError, ValueError, AttributeError, LookupError, ctypes.ArgumentError):
        return fn(*args, OBJECT_TYPES.get(type_name, 8))


def object_create(obj, owner, nbytes, type_name="other"):
    """A backend object came alive, held by `owner` (a stream or pool handle)."""
    return _with_type(_object_create, (int(obj), int(owner), int(nbytes)), type_name)


def object_destroy(obj, type_name="other"):
    return _with_type(_object_destroy, (int(obj),), type_name)


def enabled():
    """True when annotations reach a recorder."""
    fn = getattr(_real, "enabled", None) if _real is not None else None
    if fn is None:
        try:
            fn = ctypes.CDLL(None).mpstrace_impl_enabled
            fn.restype = ctypes.c_int
        except (OSError, AttributeError):
            fn = None
    try:
        return bool(fn()) if fn is not None else False
    except Exception:  # noqa: BLE001
        return False


@contextlib.contextmanager
def range(name):  # noqa: A001 - mirrors mpstrace.range
    range_push(name)
    try:
        yield
    finally:
        range_pop()


@contextlib.contextmanager
def device_sync(name="device_sync"):
    device_sync_begin(name)
    try:
        yield
    finally:
        device_sync_end(name)


def set_thread_name(name):
    """Names the OS thread (Linux, 15 chars) so the recorder's thread_name record shows it;
    call it first thing in a thread, before any CUDA call or annotation."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(15, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def missing():
    """Annotation calls that are no-ops (neither the module nor the preloaded library has them)."""
    return list(_missing)


def status_line():
    return "annotations: module=%s enabled=%s missing=%s" % (
        "yes" if _real is not None else "no (C entry points used if preloaded)", enabled(),
        ",".join(missing()) or "none")
