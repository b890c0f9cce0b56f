"""Side-stream work finished by a device-wide sync (an unmodified program).

A worker stream computes a long matmul chain while the default stream does
its own; the program then calls torch.cuda.synchronize() and hands both
results to the host, trusting the sync to have waited for every stream.
"""
import argparse

import torch


def chain(x, w, n):
    for _ in range(n):
        x = torch.tanh(x @ w)
    return x


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--size", type=int, default=2048)
    p.add_argument("--chain", type=int, default=16)
    a = p.parse_args()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    w = torch.randn(a.size, a.size, device=dev) / a.size ** 0.5
    worker = torch.cuda.Stream()
    total = 0.0
    for _ in range(a.iters):
        x = torch.randn(a.size, a.size, device=dev)
        worker.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(worker):
            side = chain(x, w, a.chain)
        main_out = chain(x, w, 2)
        torch.cuda.synchronize()
        total += float(side.sum().item()) + float(main_out.sum().item())
    print("device_sync: iters=%d checksum=%.3f" % (a.iters, total), flush=True)


if __name__ == "__main__":
    main()
