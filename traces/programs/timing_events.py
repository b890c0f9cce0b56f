"""CUDA events as PyTorch programs use them: timing, cross-stream order, polling.

Per iteration: timing events (enable_timing=True) bracket a matmul chain on
the main stream and another on a side stream; the side stream's result is
handed to the main stream through a plain (non-timing) event wait; the host
polls one event with query() and then blocks on it with synchronize();
elapsed_time() is only asked once both ends have completed. A blocking event
(blocking=True) and a stream synchronize are used once each at the end.
Every call here is correct usage: this trace is a negative fixture.
"""
import argparse
import sys
import time

import torch

import _mpst as ann
from _gpu import require_cuda


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--chain", type=int, default=4, help="matmuls per timed region")
    args = p.parse_args(argv)
    if args.iters < 1 or args.size < 1 or args.chain < 1:
        p.error("--iters, --size and --chain must be >= 1")
    device = require_cuda()
    torch.manual_seed(0)
    a = torch.randn(args.size, args.size, device=device) / args.size ** 0.5
    b = torch.randn(args.size, args.size, device=device) / args.size ** 0.5
    side = torch.cuda.Stream()
    main_stream = torch.cuda.current_stream()
    torch.cuda.synchronize()
    print("timing_events: iters=%d size=%d chain=%d" % (args.iters, args.size, args.chain), flush=True)
    print(ann.status_line(), flush=True)

    main_ms, side_ms, polls = [], [], 0
    for it in range(args.iters):
        with ann.range("iter"):
            t_start, t_end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s_start, s_end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            handoff = torch.cuda.Event()  # non-timing: ordering only

            side.wait_stream(main_stream)  # b and a were written on main
            with torch.cuda.stream(side):
                s_start.record(side)
                y = b
                for _ in range(args.chain):
                    y = torch.tanh(y @ a)
                s_end.record(side)
                handoff.record(side)
            t_start.record(main_stream)
            x = a
            for _ in range(args.chain):
                x = torch.tanh(x @ b)
            main_stream.wait_event(handoff)  # device-side wait for the side result
            y.record_stream(main_stream)
            z = x + y
            t_end.record(main_stream)

            for _ in range(64):  # host polls a little, then blocks
                if t_end.query():
                    break
                polls += 1
                time.sleep(0.0002)
            t_end.synchronize()
            s_end.synchronize()
            main_ms.append(t_start.elapsed_time(t_end))
            side_ms.append(s_start.elapsed_time(s_end))
            a = z / z.norm() * args.size ** 0.5 / 4  # keep values bounded, data-dependent next iteration
    blocking = torch.cuda.Event(blocking=True)
    blocking.record(main_stream)
    blocking.synchronize()
    side.synchronize()
    torch.cuda.synchronize()
    med = sorted(main_ms)[len(main_ms) // 2]
    smed = sorted(side_ms)[len(side_ms) // 2]
    print("iters=%d main_ms_median=%.3f side_ms_median=%.3f polls=%d" % (args.iters, med, smed, polls))
    return 0 if med > 0 and smed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
