"""A CUDA graph replayed on a side stream; its output is read on the default stream.

The graph (captured once) writes `out = inp * 2`. Each step replays it on a
side stream and sums `out` on the default stream with no sync: the read can
run before the replay wrote. `--fixed` adds `current_stream().wait_stream(side)`.

    python3 graph_replay.py [--fixed] [--steps N]
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
    inp = torch.ones(n, device=dev)
    out = torch.zeros(n, device=dev)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        torch.mul(inp, 2, out=out)
    torch.cuda.synchronize()
    wrong, times = 0, []
    for step in range(args.steps):
        t0 = time.perf_counter()
        inp.fill_(step + 1)
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            torch.cuda._sleep(2_000_000)
            graph.replay()
        if args.fixed:
            torch.cuda.current_stream().wait_stream(side)
        total = out.sum().item()
        wrong += total != float(2 * (step + 1) * n)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"RESULT scenario=graph_replay fixed={int(args.fixed)} steps={args.steps} "
          f"step_ms={statistics.median(times):.3f} wrong={wrong}")


if __name__ == "__main__":
    main()
