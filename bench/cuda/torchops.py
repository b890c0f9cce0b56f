"""Host cost per PyTorch operation, one kind at a time (issue 16): run it
plain and under the recorder (LD_PRELOAD + PYTHONPATH, any MPSTRACE_* mode)
and compare the numbers.

    python3 bench/cuda/torchops.py [--n 20000]

Prints one key=value line (us per op, median of 5 timed blocks):
  add_us       x.add_(1): one elementwise kernel launch (cudaLaunchKernel)
  mm_us        torch.mm of 64x64: a cuBLAS launch (driver entry path)
  api_us       one `with torch.cuda.stream(s)`, Event.record, wait_event
               (what the torch layer wraps at level api)
  mt_add_us    add_ in 4 threads at once, each on its own stream (wall time
               per op of the slowest thread)
  ctypes_cdll_us / ctypes_pydll_us  a call of the recorder's cheapest entry
               (mpstrace_impl_enabled) through ctypes.CDLL (drops the GIL)
               and ctypes.PyDLL (keeps it), 4 threads at once: the GIL's
               hand-over cost when the torch layer calls the recorder
"""
import argparse
import ctypes
import statistics
import threading
import time

import torch


def timed(fn, n, blocks=5):
    out = []
    for _ in range(blocks):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn(n)
        out.append((time.perf_counter() - t0) / n * 1e6)
        torch.cuda.synchronize()
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    a = ap.parse_args()
    n = a.n
    dev = torch.device("cuda")
    x = torch.zeros(256, device=dev)
    p, q = torch.randn(64, 64, device=dev), torch.randn(64, 64, device=dev)
    s = torch.cuda.Stream()
    ev = torch.cuda.Event()

    def add(k):
        for _ in range(k):
            x.add_(1)

    def mm(k):
        for _ in range(k):
            torch.mm(p, q)

    def api(k):
        cur = torch.cuda.current_stream()
        for _ in range(k):
            with torch.cuda.stream(s):
                ev.record(s)
            cur.wait_event(ev)

    for f in (add, mm, api):
        f(500)
    res = {"add_us": timed(add, n), "mm_us": timed(mm, n // 2), "api_us": timed(api, n // 4)}

    streams = [torch.cuda.Stream() for _ in range(4)]
    xs = [torch.zeros(256, device=dev) for _ in range(4)]

    def mt_block(k):
        def work(i):
            with torch.cuda.stream(streams[i]):
                for _ in range(k):
                    xs[i].add_(1)
        ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    mt_block(200)
    res["mt_add_us"] = timed(mt_block, n // 4)

    for kind, lib in (("cdll", ctypes.CDLL(None)), ("pydll", ctypes.PyDLL(None))):
        f = getattr(lib, "mpstrace_impl_enabled", None)
        if f is None:
            res[f"ctypes_{kind}_us"] = -1
            continue
        f.restype, f.argtypes = ctypes.c_int, []
        k = n // 4

        def calls(i, f=f, k=k):
            for _ in range(k):
                f()
        t0 = time.perf_counter()
        ts = [threading.Thread(target=calls, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        res[f"ctypes_{kind}_us"] = (time.perf_counter() - t0) / (4 * k) * 1e6
    print(" ".join(f"{k}={v:.3f}" for k, v in res.items()), flush=True)


if __name__ == "__main__":
    main()
