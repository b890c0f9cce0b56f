"""Times each step with CUDA events (an unmodified program).

--events timed (default) creates them with enable_timing=True, as the
documentation says; --events plain forgets to, the user's own mistake that
makes Event.elapsed_time raise in torch before any CUDA call.
"""
import argparse

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--size", type=int, default=2048)
    p.add_argument("--events", choices=("timed", "plain"), default="timed")
    a = p.parse_args()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    x = torch.randn(a.size, a.size, device=dev)
    w = torch.randn(a.size, a.size, device=dev) / a.size ** 0.5
    timing = a.events == "timed"
    times = []
    for _ in range(a.steps):
        start = torch.cuda.Event(enable_timing=timing)
        end = torch.cuda.Event(enable_timing=timing)
        start.record()
        for _ in range(4):
            x = torch.tanh(x @ w)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    print("timed_steps: steps=%d median_ms=%.3f" % (a.steps, sorted(times)[len(times) // 2]), flush=True)


if __name__ == "__main__":
    main()
