"""Out-of-core statistics over a host-resident feature matrix with a double-buffered H2D pipeline.

Chunks of a large pinned feature matrix are streamed through two device
buffers: while the compute stream works on chunk i in one buffer, a copy
stream uploads chunk i+1 into the other.  Per chunk the compute stream
projects the raw features with a random-feature matrix, accumulates the
covariance of the projected features (for a PCA/whitening step later) and
the column sums of the raw features (for the input normalization).  Events
hand each buffer back and forth: `uploaded[b]` (copy -> compute) and
`released[b]` (compute -> copy).  The column sums of every chunk are checked
against sums computed on the host from the same data.
Bug (default): `released[b]` is recorded when the compute stream takes the
buffer, before the kernels that read it are queued, so the copy stream's wait
on it does not cover those reads and the upload of chunk i+2 overwrites the
buffer while chunk i is still being processed.  Fix (--fixed): the event is
recorded after the last kernel that reads the buffer.
"""
import argparse
import math
import statistics
import time

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20, help="number of chunks streamed")
    p.add_argument("--rows", type=int, default=4096, help="rows per chunk")
    p.add_argument("--dim", type=int, default=2048, help="raw feature dimension")
    p.add_argument("--features", type=int, default=4096, help="projected feature dimension")
    args = p.parse_args()

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    # the "dataset": a few shards of a feature matrix in pinned host memory, cycled
    shards = [torch.empty(args.rows, args.dim, pin_memory=True).normal_(generator=gen) for _ in range(5)]
    host_colsums = [s.double().sum(dim=0) for s in shards]

    proj = torch.randn(args.dim, args.features, device="cuda") / math.sqrt(args.dim)
    bufs = [torch.empty(args.rows, args.dim, device="cuda") for _ in range(2)]
    cov = torch.zeros(args.features, args.features, device="cuda")
    feat_sum = torch.zeros(args.features, device="cuda")
    colsums = torch.empty(args.steps, args.dim, device="cuda")
    torch.cuda.synchronize()

    copy_stream = torch.cuda.Stream()
    compute = torch.cuda.current_stream()
    uploaded = [torch.cuda.Event(), torch.cuda.Event()]
    released = [torch.cuda.Event(), torch.cuda.Event()]

    def upload(i):
        b = i % 2
        copy_stream.wait_event(released[b])          # buffer b is free again
        with torch.cuda.stream(copy_stream):
            bufs[b].copy_(shards[i % len(shards)], non_blocking=True)
            uploaded[b].record()

    times = []
    upload(0)
    for i in range(args.steps):
        t0 = time.perf_counter()
        b = i % 2
        if i + 1 < args.steps:
            upload(i + 1)
        compute.wait_event(uploaded[b])
        if not args.fixed:
            released[b].record()                     # hand buffer b back to the copy stream
        x = bufs[b]
        f = x @ proj
        cov.addmm_(f.t(), f)
        feat_sum += f.sum(dim=0)
        colsums[i] = x.sum(dim=0)
        if args.fixed:
            released[b].record()                     # hand buffer b back to the copy stream
        times.append(time.perf_counter() - t0)

    n = args.steps * args.rows
    mean = feat_sum / n
    cov = cov / n - torch.outer(mean, mean)
    got = colsums.double().cpu()
    wrong = sum(1 for i in range(args.steps)
                if not (got[i] - host_colsums[i % len(shards)]).abs().max().item() <= 1e-2)
    print("RESULT scenario=covariance_stream fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
