"""PyTorch MPS companion of the Metal recorder: a thin layer over
``mpstrace.torch``.

The torch layer (mpstrace/torch.py) serves CUDA and MPS alike and installs
itself when a recorded program imports torch; this module only keeps the
older explicit entry point for programs that call it by hand::

    import mpstrace.mps; mpstrace.mps.install()

It installs the torch layer (level from MPSTRACE_TORCH, default api) and
returns the names it wrapped under ``torch.mps`` (``"synchronize"``,
``"Event.record"``, ...). What is recorded is the torch layer's:
``torch.mps.synchronize`` as a device-scope api_sync_begin/end,
``Event.record``/``wait`` as intent_record/intent_wait on the requested (or
the thread's current) stream, ``Event.synchronize`` as an event-scope
api_sync, ``Event.elapsed_time`` as api_elapsed (also when torch raises),
``Event.query`` as event_query, ``set_stream`` as api_current_stream and
``getStreamFromPool``/``get_stream_from_pool`` as slot_acquire. Streams are
named by the Metal recorder's handle for the PyTorch stream ordinal (the
MTLCommandQueue, from the dylib's ``mpstrace_metal_stream_handle``), the
ordinal itself without the dylib.

Imports cleanly without torch and without a recorder (install() then
returns []). Nothing here has run against torch on Apple hardware yet.
"""
from __future__ import annotations

from . import torch as _layer

__all__ = ["install", "installed"]
__mpstrace_skip__ = True

_PREFIX = "torch.mps."


def _mps_names(names):
    return [n[len(_PREFIX):] for n in names if n.startswith(_PREFIX)]


def install(torch_module=None, recorder=None, level=None):
    """Installs mpstrace.torch (idempotent) and returns the torch.mps names it
    wraps; [] without torch, without torch.mps, or without a recorder.
    `torch_module`, `recorder`: for tests (a stand-in torch, a fake recorder
    with the torch layer's entry points)."""
    return _mps_names(_layer.install(torch_module, level=level, recorder=recorder))


def installed():
    """torch.mps names wrapped so far in this process."""
    return _mps_names(_layer.installed())
