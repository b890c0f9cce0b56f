"""A small training loop with side-stream prefetch (an unmodified program).

Batches are produced on a prefetch stream and handed over with wait_stream
and record_stream; the step is timed with events; a device sync ends each
epoch. Correct as written: the clean reference at every level of the layer.
"""
import argparse

import torch
from torch import nn


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=64)
    a = p.parse_args()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 256)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    prefetch = torch.cuda.Stream()
    main_stream = torch.cuda.current_stream()

    def make_batch():
        with torch.cuda.stream(prefetch):
            xb = torch.randn(a.batch, 256, device=dev)
            yb = xb.flip(1).contiguous()
        return xb, yb

    nxt = make_batch()
    losses, ms = [], []
    for step in range(a.steps):
        main_stream.wait_stream(prefetch)
        xb, yb = nxt
        xb.record_stream(main_stream)
        yb.record_stream(main_stream)
        nxt = make_batch()
        t0, t1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        t0.record()
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        t1.record()
        t1.synchronize()
        ms.append(t0.elapsed_time(t1))
        losses.append(float(loss.item()))
        if step % 10 == 9:
            torch.cuda.synchronize()
    torch.accelerator.synchronize() if hasattr(torch, "accelerator") else torch.cuda.synchronize()
    print("prefetch_train: steps=%d loss=%.4f median_ms=%.3f" % (a.steps, losses[-1], sorted(ms)[len(ms) // 2]), flush=True)


if __name__ == "__main__":
    main()
