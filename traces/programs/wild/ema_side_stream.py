"""Training loop that keeps an EMA ("shadow") copy of the weights, updated on a side stream.

After every optimizer step the shadow weights are pulled towards the live
weights (`shadow = lerp(shadow, weights, 1 - decay)`), as in timm's ModelEma
or the EMA used for diffusion models.  To keep that memory-bound update off
the training stream it is issued on a dedicated stream, switched to with
`torch.cuda.set_stream`.  For validation the loop also keeps a reference EMA
updated on the training stream and compares the two after every step.
Bug (default): the EMA stream is never ordered after the training stream, so
it reads the weights before the optimizer step that was queued just before it
has written them (and nothing keeps the next optimizer step from overwriting
weights the EMA may still be reading).  Fix (--fixed): the EMA stream waits
for the training stream before the update, and the training stream waits for
the EMA stream before the next optimizer step.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ModelEma:
    def __init__(self, model, decay, ordered):
        self.weights = [p.detach() for p in model.parameters()]
        self.shadow = [w.clone() for w in self.weights]
        self.decay = decay
        self.ordered = ordered
        self.stream = torch.cuda.Stream()

    @torch.no_grad()
    def update(self):
        train_stream = torch.cuda.current_stream()
        if self.ordered:
            self.stream.wait_stream(train_stream)
        torch.cuda.set_stream(self.stream)
        try:
            torch._foreach_lerp_(self.shadow, self.weights, 1.0 - self.decay)
        finally:
            torch.cuda.set_stream(train_stream)

    def before_optimizer_step(self):
        # the optimizer is about to overwrite the weights the last update read
        if self.ordered:
            torch.cuda.current_stream().wait_stream(self.stream)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--hidden", type=int, default=4096)
    args = p.parse_args()

    torch.manual_seed(0)
    h = args.hidden
    model = nn.Sequential(nn.Linear(h, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, h)).cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = [(torch.randn(args.batch, h, device="cuda"), torch.randn(args.batch, h, device="cuda"))
            for _ in range(4)]
    decay = 0.99
    ema = ModelEma(model, decay, ordered=args.fixed)
    reference = [w.clone() for w in ema.weights]   # same EMA, on the training stream
    torch.cuda.synchronize()

    times, wrong = [], 0
    for step in range(args.steps):
        t0 = time.perf_counter()
        x, y = data[step % len(data)]
        loss = F.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        ema.before_optimizer_step()
        opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(reference, ema.weights, 1.0 - decay)
        ema.update()
        loss.item()                                   # logged by the real loop
        times.append(time.perf_counter() - t0)

        torch.cuda.synchronize()
        with torch.no_grad():
            err = torch.stack([(s - r).abs().max() for s, r in zip(ema.shadow, reference)]).max().item()
        if not err <= 1e-7:
            wrong += 1
    print("RESULT scenario=ema_side_stream fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
