"""Two overlapping views of one buffer, with different data pointers.

A side stream fills view `a = buf[:3n/2]`; the default stream sums view
`b = buf[n:2n]` with no sync. The views share the bytes [n, 3n/2) but start
at different addresses, so a checker that compares data pointers sees two
unrelated tensors. `--fixed` adds `current_stream().wait_stream(side)`.

    python3 overlapping_views.py [--fixed] [--steps N]
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
    buf = torch.zeros(2 * n, device=dev)
    a = buf[: 3 * n // 2]
    b = buf[n:]
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            torch.cuda._sleep(2_000_000)
            a.fill_(step + 1)
        if args.fixed:
            torch.cuda.current_stream().wait_stream(side)
        total = b.sum().item()
        wrong += total != float((step + 1) * (n // 2))
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=overlapping_views fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
