"""A side stream produces `y`; the default stream reads it with no sync.

The classic cross-stream race: the producer runs under `torch.cuda.stream(side)`
and the consumer on the default stream starts before the producer finished.
`--fixed` adds the missing `current_stream().wait_stream(side)`.

    python3 side_write_default_read.py [--fixed] [--steps N]

Prints one line: `RESULT scenario=... steps=N step_ms=<median> wrong=<steps whose sum was wrong>`.
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
    side = torch.cuda.Stream()
    x = torch.ones(n, device=dev)
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            torch.cuda._sleep(2_000_000)  # a slow producer
            y = x * (step + 1)
        if args.fixed:
            torch.cuda.current_stream().wait_stream(side)
        total = y.sum().item()
        wrong += total != float((step + 1) * n)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=side_write_default_read fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
