"""A small training loop whose data prefetch runs on a side stream.

Each step: the main stream waits for the event the side stream recorded after
the batch's H2D copy (from pinned memory) and its transform kernel, then runs
forward/backward/SGD on the MLP while the side stream already prefetches the
next batch. Every step is one `mpstrace` range named 'step', so analyzers can
find step boundaries.

Regression switches (for the CI perf gate):
  --extra-sync        one torch.cuda.synchronize() per step
  --prefetch-on-main  the prefetch runs on the main stream (no overlap)

Deterministic: fixed seeds, fixed data, fixed shapes.
"""
import argparse
import sys
import time

import torch

import _mpst as ann
from _gpu import require_cuda


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300, help="training steps after warm-up (default 300, ~2 s on an H200)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up steps, range 'warmup' (default 2)")
    p.add_argument("--batch", type=int, default=2048, help="rows per batch (default 2048)")
    p.add_argument("--raw-dim", type=int, default=32768, help="uint8 bytes per row copied H2D (default 32768)")
    p.add_argument("--hidden", type=int, default=4096, help="hidden width of the MLP (default 4096)")
    p.add_argument("--host-buffers", type=int, default=4, help="pinned host batches rotated (default 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--extra-sync", action="store_true", help="regression: torch.cuda.synchronize() every step")
    p.add_argument("--prefetch-on-main", action="store_true", help="regression: prefetch on the main stream")
    args = p.parse_args(argv)
    if args.steps < 1 or args.batch < 1 or args.host_buffers < 1 or args.warmup < 0:
        p.error("--steps, --batch and --host-buffers must be >= 1, --warmup >= 0")
    return args


class Prefetcher:
    """Copies pinned host batches to the GPU and transforms them, one batch ahead."""

    def __init__(self, host_batches, labels, feat_dim, stream, device):
        self.host_batches = host_batches
        self.labels = labels
        self.feat_dim = feat_dim
        self.stream = stream  # None: run on the current (main) stream
        self.device = device
        # two events used alternately: a record never overwrites one a wait still needs
        self.events = [torch.cuda.Event(), torch.cuda.Event()]
        self.k = 0
        self.pending = None

    def _produce(self, i):
        raw = self.host_batches[i % len(self.host_batches)]
        x = raw.to(self.device, non_blocking=True)  # H2D from pinned memory: the bulk of the prefetch
        # transform: pool raw bytes into feat_dim features and normalize (cheap, memory bound)
        feats = x.view(x.shape[0], self.feat_dim, -1).float().mean(-1).sub_(127.5).mul_(1.0 / 37.0)
        y = self.labels[i % len(self.labels)]
        return feats, y

    def preload(self, i):
        if self.stream is None:
            self.pending = (self._produce(i), None)
            return
        ev = self.events[self.k % 2]
        self.k += 1
        with torch.cuda.stream(self.stream):
            batch = self._produce(i)
            ev.record(self.stream)
        self.pending = (batch, ev)

    def take(self):
        (feats, y), ev = self.pending
        if ev is not None:
            main = torch.cuda.current_stream()
            main.wait_event(ev)
            # the caching allocator must not reuse these blocks before main is done
            feats.record_stream(main)
        return feats, y


def main(argv=None):
    args = parse_args(argv)
    device = require_cuda()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    n_classes = 16
    host = [torch.randint(0, 256, (args.batch, args.raw_dim), dtype=torch.uint8, generator=gen).pin_memory()
            for _ in range(args.host_buffers)]
    labels = [torch.randint(0, n_classes, (args.batch,), generator=gen).to(device)
              for _ in range(args.host_buffers)]
    feat_dim = 2048
    if args.raw_dim % feat_dim:
        print("error: --raw-dim must be a multiple of %d" % feat_dim, file=sys.stderr)
        return 2
    model = torch.nn.Sequential(
        torch.nn.Linear(feat_dim, args.hidden), torch.nn.ReLU(),
        torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU(),
        torch.nn.Linear(args.hidden, n_classes),
    ).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    torch.cuda.synchronize()  # setup done before the first step

    side = None if args.prefetch_on_main else torch.cuda.Stream()
    pf = Prefetcher(host, labels, feat_dim, side, device)
    mode = "prefetch-on-main" if args.prefetch_on_main else "side-stream"
    print("train_prefetch: steps=%d warmup=%d batch=%d raw_dim=%d hidden=%d mode=%s extra_sync=%s"
          % (args.steps, args.warmup, args.batch, args.raw_dim, args.hidden, mode, args.extra_sync), flush=True)
    print(ann.status_line(), flush=True)

    total = args.warmup + args.steps
    pf.preload(0)
    losses = []
    t0 = None
    for i in range(total):
        if i == args.warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        with ann.range("warmup" if i < args.warmup else "step"):
            x, y = pf.take()
            if i + 1 < total:
                pf.preload(i + 1)  # overlaps with this step's compute when on the side stream
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            if args.extra_sync:
                torch.cuda.synchronize()
    torch.cuda.synchronize()
    wall = time.perf_counter() - (t0 if t0 is not None else time.perf_counter())
    first, last = float(losses[0]), float(losses[-1])
    if not (first == first and last == last):  # NaN check
        print("error: loss is NaN", file=sys.stderr)
        return 1
    print("loss first=%.4f last=%.4f" % (first, last))
    print("steps=%d step_ms=%.3f wall_s=%.3f mode=%s extra_sync=%d"
          % (args.steps, wall * 1e3 / args.steps, wall, mode, int(args.extra_sync)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
