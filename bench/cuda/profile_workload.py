"""Runs one bench/cuda/overhead.py workload for a fixed time and prints its
step rate, so a profiler (bench/cuda/cpusampler.c, perf) can be attached to a
long steady run (issue 16: where a recorded step's extra CPU time goes).

    LD_PRELOAD="cpusampler.so $LIB" SAMPLER_OUT=prof.txt \
        python3 bench/cuda/profile_workload.py mlp --seconds 15
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overhead  # noqa: E402  the workloads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=overhead.WORKLOADS)
    ap.add_argument("--seconds", type=float, default=15)
    a = ap.parse_args()
    import torch
    step = overhead.build(a.workload, torch)
    for _ in range(20):
        step()
    torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < a.seconds:
        step()
        torch.cuda.synchronize()  # a step as overhead.py times it: enqueue, then wait
        n += 1
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    print(f"workload={a.workload} steps={n} ms_per_step={dt * 1e3 / n:.3f} cpu_s={time.process_time():.1f}", flush=True)
    import ctypes
    stop = getattr(ctypes.CDLL(None), "cpusampler_stop", None)
    if stop is not None:
        stop()  # the profile is written now, not in exit's teardown


if __name__ == "__main__":
    main()
