"""mpstrace: installs the PyTorch layer (mpstrace.torch) when a recorded
program imports torch.

Python runs this at start-up because ``mpstrace record`` (and the README's
LD_PRELOAD + PYTHONPATH recipe) puts this folder on PYTHONPATH. It first runs
the next ``sitecustomize`` on the path, if any (a site's own or a
virtualenv's), then, only when a recorder is loaded in this process and
MPSTRACE_TORCH is not ``off``, adds a one-shot import hook for ``torch``.
Without a recorder it does nothing else. It never raises.
"""
import os
import sys

__mpstrace_skip__ = True


def _chain_next_sitecustomize():
    """Runs the sitecustomize this one shadows (the next one on sys.path)."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import importlib.machinery
        import importlib.util
        path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
        if spec is None or spec.loader is None:
            return
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        # later code asks for sys.modules["sitecustomize"]: keep ours there, with theirs' names
        for k, v in vars(mod).items():
            if not k.startswith("__"):
                globals().setdefault(k, v)
    except Exception as e:  # noqa: BLE001 - a broken site file must not stop the program
        sys.stderr.write("mpstrace: the next sitecustomize failed: %s: %s\n" % (type(e).__name__, e))


def _recorder_loaded():
    try:
        import ctypes
        f = getattr(ctypes.CDLL(None), "mpstrace_impl_enabled", None)
        return f is not None and bool(f())
    except Exception:  # noqa: BLE001
        return False


class _TorchImportHook:
    """Meta-path finder for ``torch`` only: lets the other finders find it,
    then installs mpstrace.torch right after torch's own module code ran."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        try:
            sys.meta_path.remove(self)  # one shot
        except ValueError:
            pass
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            try:
                spec = find(name, path, target)
            except Exception:  # noqa: BLE001
                spec = None
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            try:
                del spec.loader.exec_module  # the loader's own method again
            except AttributeError:
                pass
            _install(module)
        try:
            spec.loader.exec_module = exec_module
        except Exception:  # noqa: BLE001 - a loader that refuses attributes: no layer
            pass
        return spec


def _install(torch_module):
    try:
        from mpstrace import torch as layer
        layer.install(torch_module)
    except Exception as e:  # noqa: BLE001 - never break the program's import of torch
        sys.stderr.write("mpstrace: PyTorch layer not installed: %s: %s\n" % (type(e).__name__, e))


def _setup():
    if os.environ.get("MPSTRACE_TORCH", "").strip().lower() == "off":
        return
    if not _recorder_loaded():
        return
    if "torch" in sys.modules:
        _install(sys.modules["torch"])
    else:
        sys.meta_path.insert(0, _TorchImportHook())


_chain_next_sitecustomize()
try:
    _setup()
except Exception as _e:  # noqa: BLE001
    sys.stderr.write("mpstrace: %s: %s\n" % (type(_e).__name__, _e))
