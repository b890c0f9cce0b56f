"""CPU micro-benchmark of mpstrace.torch's per-call costs at level api, with
the stand-in torch (test/fake_torch) under the real recorder: no GPU needed.

    LD_PRELOAD=$PWD/instrumentation/build/libmpstrace_cuda.so MPSTRACE_OUT=/tmp/api_cpu.mpst MPSTRACE_TORCH=off \\
      PYTHONPATH=instrumentation/python:test/fake_torch python3 bench/torch_api_cpu.py [--json]

(MPSTRACE_TORCH=off: the script installs the layer itself, so it can switch it
off and on in place.) Point PYTHONPATH at another checkout's
instrumentation/python to time that version of the layer. It prints, in ns,
from alternating blocks of calls in one process, as the calling thread's CPU
time (median over blocks, and the fastest block):

  wrapper_small_ns   one wrapped call (torch.cuda.synchronize's wrapper
                     around a function that does nothing), layer at api
                     minus layer off, called from a short function
  wrapper_big_ns     the same, called from a long function (a training
                     script's loop body: ~300 lines): the call site is looked
                     up per wrapped call, so a lookup whose cost grows with
                     the caller's code shows here
  sync_wrapper_ns    the stand-in torch.cuda.synchronize at api minus off
                     (its own body is slow: a ctypes lookup per call)
  pylife_pair_ns     one allocation + one free through the layer's Python
                     GPU-trace callbacks (_install_lifetimes, what level full
                     without the C++ library runs); torch's own C++ -> Python
                     hop per callback (GIL, its callback registry) comes on top

The per-step cost on a real loop is these times the per-step counts the GPU
bench prints (wrapped calls, allocator_allocated_per_step).
"""
import json
import os
import statistics
import sys
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuda"))
from train_loop_caller import big_caller  # noqa: E402 - after the path it lives on


# CPU time of this thread, not wall time: on a shared machine the wall clock
# also counts the time other processes held the CPU
clock = time.thread_time_ns


def per_call_ns(fn, n):
    t0 = clock()
    for _ in range(n):
        fn()
    return (clock() - t0) / n


def main():
    import torch  # the stand-in, from PYTHONPATH

    import mpstrace.torch as L

    rec = L.Recorder()
    if not rec.ok:
        sys.exit("no recorder loaded: run with LD_PRELOAD=.../libmpstrace_cuda.so and MPSTRACE_OUT set")
    L.install(torch, level="api", recorder=rec)
    assert L.level() == "api", L.level()
    sync = torch.cuda.synchronize

    # the same wrapper around a function that does nothing: the wrapper's own cost
    noop = L._sync_device("torch.cuda.synchronize", L._S.backend)(lambda *a, **k: None)
    calls = {"sync": (sync, 1000), "small": (noop, 5000), "big": (big_caller(noop), 5000)}
    blocks = {"%s_%s" % (k, m): [] for k in calls for m in ("off", "api")}
    for r in range(30):
        for mode in (("off", "api") if r % 2 == 0 else ("api", "off")):
            L._S.active = mode == "api"
            for k, (fn, n) in calls.items():
                blocks["%s_%s" % (k, mode)].append(per_call_ns(fn, n))
            del torch.calls[:]
    L._S.active = True

    # Python lifetimes: the layer's GPU-trace callbacks, registered on a stand-in _gpu_trace
    cbs = {}
    trace = types.ModuleType(torch.cuda.__name__ + "._gpu_trace")
    trace.register_callback_for_memory_allocation = lambda f: cbs.__setitem__("alloc", f)
    trace.register_callback_for_memory_deallocation = lambda f: cbs.__setitem__("free", f)
    sys.modules[trace.__name__] = trace
    torch._C._activate_gpu_trace = lambda: None
    assert L._install_lifetimes(torch, L._S.backend, ({}, {}))
    on_alloc, on_free = cbs["alloc"], cbs["free"]
    n = 2000
    ptrs = [0x7F0000000000 + 512 * i for i in range(n)]

    def pairs():
        for p in ptrs:
            on_alloc(p)
        for p in ptrs:
            on_free(p)
    life = []
    for _ in range(30):
        t0 = clock()
        pairs()
        life.append((clock() - t0) / n)

    med = {k: statistics.median(v) for k, v in blocks.items()}
    low = {k: min(v) for k, v in blocks.items()}
    kv = {}
    for name, k in (("wrapper_small", "small"), ("wrapper_big", "big"), ("sync_wrapper", "sync")):
        kv[name + "_ns"] = round(med[k + "_api"] - med[k + "_off"])
        kv[name + "_min_ns"] = round(low[k + "_api"] - low[k + "_off"])
    kv.update({"sync_off_ns": round(med["sync_off"]), "pylife_pair_ns": round(statistics.median(life)),
               "blocks": len(blocks["small_off"]), "layer": L.__file__})
    if "--json" in sys.argv:
        print(json.dumps(kv))
    else:
        print(" ".join("%s=%s" % x for x in kv.items()))


if __name__ == "__main__":
    main()
