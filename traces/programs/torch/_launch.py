"""Runs an unmodified PyTorch program with a runtime bug planted BELOW torch's
public API, the way a broken build or a bad vendor patch would behave:

    python3 _launch.py --plant <bug> program.py [program args...]

The program never imports mpstrace and is not changed; the plant edits torch
internals in place (a private C binding swapped, or the code object of a torch
function replaced, so every caller, wrappers included, runs the buggy body):

  none                    the clean twin: nothing planted
  device-sync-stream-only torch.cuda.synchronize / torch.accelerator.synchronize
                          wait for the current stream only, not the device
  record-ignores-stream   torch.cuda.Event.record records on the current
                          stream whatever stream it was given
  untimed-events          torch.cuda.Event drops enable_timing=True (events
                          are created without timing)

Each planted run prints one line `planted: <bug>`.
"""
import argparse
import inspect
import runpy
import sys

PLANTS = ("none", "device-sync-stream-only", "record-ignores-stream", "untimed-events")


def _swap_code(fn, new):
    """Gives torch's function object the buggy body (same closure cells)."""
    fn = inspect.unwrap(fn)
    fn.__code__ = new.__code__
    fn.__defaults__ = new.__defaults__
    fn.__kwdefaults__ = new.__kwdefaults__


def plant(bug):
    if bug == "none":
        return
    # global: the buggy bodies run with torch's own module globals, where
    # `torch` is a global name, so it must compile as one here too
    global torch
    import torch

    if bug == "device-sync-stream-only":
        def stream_only(*_args):
            # the stream base class's method: below torch.cuda.Stream.synchronize
            torch._C._CudaStreamBase.synchronize(torch.cuda.current_stream())
        torch._C._cuda_synchronize = stream_only
        if hasattr(torch._C, "_accelerator_synchronizeDevice"):
            torch._C._accelerator_synchronizeDevice = stream_only
    elif bug == "record-ignores-stream":
        class _Buggy(torch._C._CudaEventBase):
            def record(self, stream=None):
                super().record(torch.cuda.current_stream())
        _swap_code(torch.cuda.Event.record, _Buggy.record)
    elif bug == "untimed-events":
        class _Buggy(torch._C._CudaEventBase):
            def __new__(cls, enable_timing=False, blocking=False, interprocess=False, external=False):
                kw = {"blocking": blocking, "interprocess": interprocess}
                if external:
                    kw["external"] = external
                return super().__new__(cls, enable_timing=False, **kw)
        new = torch.cuda.Event.__dict__["__new__"]
        _swap_code(getattr(new, "__func__", new), _Buggy.__new__)
    print("planted: %s" % bug, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--plant", choices=PLANTS, required=True)
    p.add_argument("program")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args()
    plant(a.plant)
    sys.argv = [a.program] + a.args
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(a.program)))
    runpy.run_path(a.program, run_name="__main__")


if __name__ == "__main__":
    main()
