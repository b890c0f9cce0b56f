"""The mpstrace annotation API as the example programs use it.

Imports the real `mpstrace` module (instrumentation/python, on PYTHONPATH)
and falls back to no-ops when it is missing, so every program also runs
without the recorder. Calls the module does not have (yet) become no-ops
too, and `missing()` names them so a run's log says what was not recorded.
"""
import contextlib
import ctypes

try:  # the recorder's module; a no-op itself when the library is not preloaded
    import mpstrace as _real
except Exception:  # noqa: BLE001 - any import failure means "no annotations"
    _real = None

_NAMES = (
    "slot_acquire", "slot_release", "slot_set_current",
    "device_sync_begin", "device_sync_end",
    "intent_record", "intent_wait",
    "range_push", "range_pop", "marker", "buffer_access",
    # proposed additions (object lifetimes for the retained-buffer detector)
    "object_create", "object_destroy",
)

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


def missing():
    """Annotation calls that are no-ops because the module lacks them."""
    if _real is None:
        return ["mpstrace (module not importable)"]
    return list(_missing)


def status_line():
    return "annotations: module=%s enabled=%s missing=%s" % (
        "yes" if _real is not None else "no", enabled(), ",".join(missing()) or "none")
