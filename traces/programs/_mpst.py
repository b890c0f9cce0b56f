"""The mpstrace annotation API as the example programs use it.

Imports the recorder's `mpstrace` module (instrumentation/python: from
PYTHONPATH, else from this repository) and falls back to no-ops when it is
missing, so every program also runs without the recorder. Calls the module
does not have become no-ops too, and `missing()` names them so a run's log
says what was not recorded. The module itself is a no-op when the recorder
library is not preloaded.
"""
import contextlib
import ctypes
import os
import sys

# this module only forwards: annotations name the program line that called it
__mpstrace_skip__ = True

try:
    import mpstrace as _real
except ImportError:
    sys.path.append(os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "instrumentation", "python")))
    try:
        import mpstrace as _real
    except Exception:  # noqa: BLE001 - any import failure means "no annotations"
        _real = None

_missing = []


def _noop(*_args, **_kwargs):
    return None


def _bind(name):
    fn = getattr(_real, name, None) if _real is not None else None
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
object_create = _bind("object_create")
object_destroy = _bind("object_destroy")


def enabled():
    """True when annotations reach a recorder."""
    return bool(_real is not None and _real.enabled())


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
    """Annotation calls that are no-ops because the module does not have them."""
    return list(_missing)


def status_line():
    return "annotations: module=%s enabled=%s missing=%s" % (
        "yes" if _real is not None else "no", enabled(), ",".join(missing()) or "none")
