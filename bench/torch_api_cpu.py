"""CPU micro-benchmark of mpstrace.torch's per-call costs at level api, with
the stand-in torch (test/fake_torch) under the real recorder: no GPU needed.

    LD_PRELOAD=$PWD/instrumentation/build/libmpstrace_cuda.so MPSTRACE_OUT=/tmp/api_cpu.mpst MPSTRACE_TORCH=off \\
      PYTHONPATH=instrumentation/python:test/fake_torch python3 bench/torch_api_cpu.py

(MPSTRACE_TORCH=off: the script installs the layer itself, so it can switch it
off and on in place.) It prints, in ns, alternating blocks of calls in one
process (median over blocks):

  sync_off_ns / sync_api_ns   torch.cuda.synchronize with the layer off / at
                              level api (its wrapper: call site, two records)
  sync_wrapper_ns             the difference: what one wrapped call adds
  wrapper_alone_ns            the same wrapper around a function that does
                              nothing, layer at api minus layer off
  pylife_pair_ns              one allocation + one free through the layer's
                              Python GPU-trace callbacks (_install_lifetimes,
                              what level full without the C++ library runs);
                              a lower bound: torch's own C++ -> Python hop per
                              callback (GIL, its callback registry) comes on top

The per-step cost on a real loop is these times the per-step counts the GPU
bench prints (wrapped calls, allocator_allocated_per_step).
"""
import statistics
import sys
import time
import types


def per_call_ns(fn, n):
    t0 = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - t0) / n


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
    blocks = {"off": [], "api": [], "noop_off": [], "noop_api": []}
    n = 2000
    for r in range(30):
        for name in (("off", "api") if r % 2 == 0 else ("api", "off")):
            L._S.active = name == "api"
            blocks[name].append(per_call_ns(sync, n))
            blocks["noop_" + name].append(per_call_ns(noop, n))
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
    ptrs = [0x7F0000000000 + 512 * i for i in range(n)]

    def pairs():
        for p in ptrs:
            on_alloc(p)
        for p in ptrs:
            on_free(p)
    life = []
    for _ in range(30):
        t0 = time.perf_counter_ns()
        pairs()
        life.append((time.perf_counter_ns() - t0) / n)

    off, api = statistics.median(blocks["off"]), statistics.median(blocks["api"])
    med = {k: statistics.median(v) for k, v in blocks.items()}
    kv = {"sync_off_ns": round(off), "sync_api_ns": round(api), "sync_wrapper_ns": round(api - off),
          "wrapper_alone_ns": round(med["noop_api"] - med["noop_off"]),
          "pylife_pair_ns": round(statistics.median(life)), "blocks": len(blocks["off"]), "calls_per_block": n}
    print(" ".join("%s=%s" % x for x in kv.items()))


if __name__ == "__main__":
    main()
