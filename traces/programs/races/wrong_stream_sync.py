"""The host synchronizes the wrong stream before reading a side stream's result.

`y` is written on stream s1; the program calls `s2.synchronize()` (a stream
that did other work) and reads `y` on the default stream. `--fixed`
synchronizes s1.

    python3 wrong_stream_sync.py [--fixed] [--steps N]
"""
import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixed", action="store_true")
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    dev = torch.device("cuda")
    n = 1 << 20
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    x = torch.ones(n, device=dev)
    y = torch.zeros(n, device=dev)
    z = torch.zeros(n, device=dev)
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        with torch.cuda.stream(s1):
            torch.cuda._sleep(2_000_000)
            torch.mul(x, step + 1, out=y)
        with torch.cuda.stream(s2):
            torch.add(x, 1, out=z)
        (s1 if args.fixed else s2).synchronize()
        total = y.sum().item()
        wrong += total != float((step + 1) * n)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=wrong_stream_sync fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
