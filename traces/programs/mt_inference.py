"""Multi-threaded inference: N threads, each with its own CUDA stream.

A tiny pool hands every worker thread one stream slot (annotated with
mpstrace.slot_acquire / slot_release, as a stream pool would); each request
copies its input H2D, runs the shared model's forward on the thread's stream,
copies the result back and synchronizes that stream only. Each request is an
mpstrace range named 'request'. Deterministic inputs; the program checks that
every thread got the same answer a single-stream reference gives.
"""
import argparse
import sys
import threading
import time

import torch

import _mpst as ann
from _gpu import require_cuda, stream_handle


class SlotPool:
    """A free list of stream slots; acquire/release are annotated like a real pool's."""

    def __init__(self, streams):
        self.streams = list(streams)
        self.free = list(range(len(self.streams)))
        self.lock = threading.Lock()

    def acquire(self):
        with self.lock:
            if not self.free:
                raise RuntimeError("stream pool exhausted")
            slot = self.free.pop(0)
            stream = self.streams[slot]
            ann.slot_acquire(slot, stream_handle(stream), len(self.free), 0)
            return slot, stream

    def release(self, slot):
        with self.lock:
            self.free.append(slot)
            ann.slot_release(slot, stream_handle(self.streams[slot]), len(self.free))


def build_model(device, width):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.GELU(),
        torch.nn.Linear(width, width), torch.nn.GELU(),
        torch.nn.Linear(width, 64),
    ).to(device).eval()
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--requests", type=int, default=40, help="requests per thread (default 40)")
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--width", type=int, default=4096)
    args = p.parse_args(argv)
    if args.threads < 1 or args.requests < 1 or args.batch < 1:
        p.error("--threads, --requests and --batch must be >= 1")
    device = require_cuda()
    model = build_model(device, args.width)
    gen = torch.Generator().manual_seed(1)
    inputs = [torch.randn(args.batch, args.width, generator=gen).pin_memory() for _ in range(8)]
    with torch.no_grad():  # single-stream reference answers, one per distinct input
        ref = [model(x.to(device)).sum().item() for x in inputs]
    torch.cuda.synchronize()  # weights and references ready before any worker stream reads them

    pool = SlotPool(torch.cuda.Stream() for _ in range(args.threads + 1))  # one spare: never runs dry
    print("mt_inference: threads=%d requests=%d batch=%d width=%d"
          % (args.threads, args.requests, args.batch, args.width), flush=True)
    print(ann.status_line(), flush=True)
    errors = []
    mismatches = [0]
    start = threading.Barrier(args.threads)

    def worker(tid):
        ann.set_thread_name("infer-%d" % tid)
        try:
            slot, stream = pool.acquire()
            try:
                start.wait()
                with torch.no_grad():
                    for r in range(args.requests):
                        k = (tid + r) % len(inputs)
                        with ann.range("request"), torch.cuda.stream(stream):
                            x = inputs[k].to(device, non_blocking=True)
                            y = model(x).sum()
                            out = torch.empty((), pin_memory=True)
                            out.copy_(y, non_blocking=True)
                            stream.synchronize()  # per-thread stream sync, never the device
                        got = float(out)
                        if abs(got - ref[k]) > 1e-3 * max(1.0, abs(ref[k])):
                            mismatches[0] += 1
            finally:
                pool.release(slot)
        except Exception as e:  # noqa: BLE001 - reported below, the run fails
            errors.append("thread %d: %r" % (tid, e))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), name="infer-%d" % i) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    for e in errors:
        print("error:", e, file=sys.stderr)
    total = args.threads * args.requests
    print("requests=%d wall_s=%.3f req_per_s=%.1f mismatches=%d errors=%d"
          % (total, wall, total / wall, mismatches[0], len(errors)))
    return 1 if errors or mismatches[0] else 0


if __name__ == "__main__":
    sys.exit(main())
