"""A tensor read on a side stream is freed without `record_stream`.

`x` is allocated on the default stream and read by a slow side stream. The
program drops `x`; the caching allocator hands its block straight back to the
next allocation on the default stream, which overwrites it while the side
stream may still be reading. `--fixed` calls `x.record_stream(side)` first,
so the allocator keeps the block until the side stream's work is done.

    python3 freed_block_reuse.py [--fixed] [--steps N]
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
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        x = torch.full((n,), float(step + 1), device=dev)
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            torch.cuda._sleep(2_000_000)
            y = x * 2
        if args.fixed:
            x.record_stream(side)
        del x
        z = torch.empty(n, device=dev)  # may get x's block back
        z.fill_(-1.0)
        torch.cuda.current_stream().wait_stream(side)
        total = y.sum().item()
        wrong += total != float(2 * (step + 1) * n)
        del z
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=freed_block_reuse fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
