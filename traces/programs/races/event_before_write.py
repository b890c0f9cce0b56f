"""The event meant to cover a side-stream write is recorded before the write.

The consumer waits on the event, but the event only covers what the side
stream had done before it was recorded, not the write that follows it.
`--fixed` records the event after the write.

    python3 event_before_write.py [--fixed] [--steps N]
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
    y = torch.zeros(n, device=dev)
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        ready = torch.cuda.Event()
        with torch.cuda.stream(side):
            if not args.fixed:
                ready.record()  # too early: the write below is not covered
            torch.cuda._sleep(2_000_000)
            torch.mul(x, step + 1, out=y)
            if args.fixed:
                ready.record()
        torch.cuda.current_stream().wait_event(ready)
        total = y.sum().item()
        wrong += total != float((step + 1) * n)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=event_before_write fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
